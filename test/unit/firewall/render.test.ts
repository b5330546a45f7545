// The three formats, checked for structure: where each rule goes, that applying twice cannot add a second
// copy (the text declares its own chain/table and empties it), and that the files explain themselves.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { applyScript, CLOUD_INIT_PATHS, systemdUnit } from '#shared/firewall/cloud-init.ts';
import { FIREWALL_FORMATS, FIREWALL_FORMATTERS } from '#shared/firewall/formats.ts';
import { iptablesRestoreInput, renderIptables } from '#shared/firewall/iptables.ts';
import { nftablesRuleset, renderNftables } from '#shared/firewall/nftables.ts';
import { buildSpec, type FirewallSpec } from '#shared/firewall/spec.ts';

const DENY = buildSpec({ denyUser: ['apache', '48'] });
const ALLOW = buildSpec({ allowUser: ['trustworthy-user', '0'], allowGroup: ['imds'] });
const METADATA = '-d 169.254.169.254/32 -p tcp -m multiport --dports 80,443';

const commands = (text: string): string[] =>
  text.split('\n').filter((l) => l !== '' && !l.trimStart().startsWith('#'));

interface CloudConfig {
  write_files: { path: string; owner: string; permissions: string; content: string }[];
  runcmd: string[];
}

describe('iptables', () => {
  test("deny: IBM's rule, in the chain, for http and https, and nothing outside the chain", () => {
    expect(commands(renderIptables(DENY))).toEqual([
      '*filter',
      ':IMDS_GUARD - [0:0]',
      `-A IMDS_GUARD ${METADATA} -m owner --uid-owner apache -m comment --comment "imds-guard: deny user apache" -j REJECT --reject-with tcp-reset`,
      `-A IMDS_GUARD ${METADATA} -m owner --uid-owner 48 -m comment --comment "imds-guard: deny user 48" -j REJECT --reject-with tcp-reset`,
      'COMMIT',
    ]);
  });

  test('allow: users and groups (supplementary too) return, then everyone else is rejected', () => {
    expect(commands(renderIptables(ALLOW)).slice(2, -1)).toEqual([
      `-A IMDS_GUARD ${METADATA} -m owner --uid-owner trustworthy-user -m comment --comment "imds-guard: allow user trustworthy-user" -j RETURN`,
      `-A IMDS_GUARD ${METADATA} -m owner --uid-owner 0 -m comment --comment "imds-guard: allow user 0" -j RETURN`,
      `-A IMDS_GUARD ${METADATA} -m owner --gid-owner imds --suppl-groups -m comment --comment "imds-guard: allow group imds" -j RETURN`,
      `-A IMDS_GUARD ${METADATA} -m comment --comment "imds-guard: reject everyone else" -j REJECT --reject-with tcp-reset`,
    ]);
  });

  test('re-applying adds nothing: the chain is declared (emptied under --noflush), OUTPUT is never appended to', () => {
    const text = renderIptables(ALLOW);
    expect(text).toContain('\n:IMDS_GUARD - [0:0]\n');
    expect(commands(text).filter((l) => /^-[AI] OUTPUT/.test(l))).toEqual([]);
    // The hook is added by a check-then-insert command the header gives.
    expect(text).toContain(
      '#   iptables -w -C OUTPUT -j IMDS_GUARD 2>/dev/null || iptables -w -I OUTPUT 1 -j IMDS_GUARD\n',
    );
    expect(text).toContain('#   iptables-restore -w --noflush < imds-guard.rules\n');
  });
});

describe('nftables', () => {
  test('deny: its own table; only TCP 80/443 to the metadata address reaches the owner checks', () => {
    expect(commands(renderNftables(DENY))).toEqual([
      'table inet imds_guard',
      'delete table inet imds_guard',
      'table inet imds_guard {',
      '\tchain output {',
      '\t\ttype filter hook output priority filter; policy accept;',
      '\t\tip daddr 169.254.169.254 tcp dport { 80, 443 } jump metadata',
      '\t}',
      '\tchain metadata {',
      '\t\tmeta skuid "apache" reject with tcp reset comment "imds-guard: deny user apache"',
      '\t\tmeta skuid 48 reject with tcp reset comment "imds-guard: deny user 48"',
      '\t}',
      '}',
    ]);
  });

  test('allow: users and groups return, then everyone else is rejected', () => {
    const lines = commands(renderNftables(ALLOW))
      .filter((l) => l.startsWith('\t\t'))
      .slice(2);
    expect(lines).toEqual([
      '\t\tmeta skuid "trustworthy-user" return comment "imds-guard: allow user trustworthy-user"',
      '\t\tmeta skuid 0 return comment "imds-guard: allow user 0"',
      '\t\tmeta skgid "imds" return comment "imds-guard: allow group imds"',
      '\t\treject with tcp reset comment "imds-guard: reject everyone else"',
    ]);
  });

  test('re-applying adds nothing: declare, delete, define, in that order, before any rule', () => {
    const lines = commands(renderNftables(ALLOW));
    expect(lines.slice(0, 3)).toEqual([
      'table inet imds_guard',
      'delete table inet imds_guard',
      'table inet imds_guard {',
    ]);
    expect(lines.filter((l) => l.startsWith('table ') || l.startsWith('delete '))).toHaveLength(3);
  });
});

describe('cloud-init', () => {
  const text = FIREWALL_FORMATTERS['cloud-init'].render(ALLOW);
  const config = parse(text) as CloudConfig;

  test('is #cloud-config that installs the script and the unit, then enables and (re)starts it', () => {
    expect(text.split('\n')[0]).toBe('#cloud-config');
    expect(config.write_files.map((f) => [f.path, f.owner, f.permissions])).toEqual([
      [CLOUD_INIT_PATHS.script, 'root:root', '0755'],
      [CLOUD_INIT_PATHS.unit, 'root:root', '0644'],
    ]);
    expect(config.write_files[0]?.content).toBe(applyScript(ALLOW));
    expect(config.write_files[1]?.content).toBe(systemdUnit());
    expect(config.runcmd).toEqual([
      'systemctl daemon-reload',
      'systemctl enable imds-guard-firewall.service',
      'systemctl restart imds-guard-firewall.service',
    ]);
  });

  test('the script carries both rule sets verbatim, each in a quoted here-document', () => {
    const script = applyScript(ALLOW);
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain(`<<'IMDS_GUARD_NFTABLES'\n${nftablesRuleset(ALLOW)}IMDS_GUARD_NFTABLES\n`);
    expect(script).toContain(`<<'IMDS_GUARD_IPTABLES'\n${iptablesRestoreInput(ALLOW)}IMDS_GUARD_IPTABLES\n`);
    expect(script).toContain(
      'iptables -w -C OUTPUT -j IMDS_GUARD 2>/dev/null || iptables -w -I OUTPUT 1 -j IMDS_GUARD',
    );
  });

  test('the unit runs once per boot before the network, after whole-ruleset loaders', () => {
    const unit = systemdUnit();
    expect(unit).toContain('\nBefore=network-pre.target shutdown.target\n');
    expect(unit).toMatch(/\nAfter=.*nftables\.service netfilter-persistent\.service/);
    expect(unit).toContain('\nType=oneshot\nRemainAfterExit=yes\n');
    expect(unit).toContain('\nWantedBy=sysinit.target\n');
  });
});

describe('every format', () => {
  const principal = fc.oneof(
    fc
      .stringMatching(/^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/)
      .filter((s) => !/^\d+$/.test(s) && s !== '.' && s !== '..'),
    fc.nat({ max: 4_294_967_294 }).map(String),
  );
  const spec = fc.oneof(
    fc.array(principal, { minLength: 1, maxLength: 5 }).map((u) => buildSpec({ denyUser: u })),
    fc
      .tuple(fc.array(principal, { maxLength: 4 }), fc.array(principal, { maxLength: 4 }))
      .filter(([u, g]) => u.length + g.length > 0)
      .map(([u, g]) => buildSpec({ allowUser: u, allowGroup: g })),
  );

  test.each(FIREWALL_FORMATS)(
    '%s: same input, same text; explains itself; one rule per user or group',
    (format) => {
      fc.assert(
        fc.property(spec, (s: FirewallSpec) => {
          const text = FIREWALL_FORMATTERS[format].render(s);
          expect(FIREWALL_FORMATTERS[format].render(s)).toBe(text);
          expect(text).toContain('169.254.169.254');
          expect(text).toContain('Use iptables firewall to limit access on Linux');
          const owners = s.users.length + (s.mode === 'allow' ? s.groups.length : 0);
          expect(text.match(/imds-guard: (deny|allow) (user|group) /g)).toHaveLength(
            owners * (format === 'cloud-init' ? 2 : 1),
          );
        }),
        { numRuns: 200 },
      );
    },
  );

  test.each(FIREWALL_FORMATS)(
    '%s: the header names the form and, for allow, that root is rejected too',
    (format) => {
      expect(FIREWALL_FORMATTERS[format].render(DENY)).toContain(
        'Form: deny. Processes running as these users are rejected: apache, 48.',
      );
      expect(FIREWALL_FORMATTERS[format].render(buildSpec({ allowUser: ['imds'] }))).toContain(
        'Every other process is rejected, root included',
      );
      expect(FIREWALL_FORMATTERS[format].render(ALLOW)).toContain('(root is listed above, so it passes)');
    },
  );
});
