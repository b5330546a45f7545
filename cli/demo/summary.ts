// The demo's closing summary: what the guard decided and what it cost, the account as the final plan
// scan sees it (what still needs a change, what is exempt and why), and where the records and the
// report are. The same facts go to the `--json` summary line.
import type { DecisionRecord } from '#shared/audit/decision.ts';

interface Paint {
  dim: (s: string) => string;
  bold: (s: string) => string;
}

interface AccountNow {
  instances: number;
  comply: number;
  needsChange: { name: string; onHttp: boolean }[];
  exempt: { name: string; how: string }[];
}

const obj = (x: unknown): Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};

const nameOf = (r: DecisionRecord): string =>
  typeof r.detail?.name === 'string' ? r.detail.name : (r.target_crn?.split(':').pop() ?? '?');

/** "access tag imds-guard:exempt", "until 2026-12-14, ticket CHG0099001 (security-team@example.com)". */
const howExempt = (r: DecisionRecord): string => {
  const e = obj(r.detail?.exemption);
  if (e.by === 'list')
    return `until ${String(e.expires ?? '?').slice(0, 10)}, ticket ${String(e.ticket ?? '?')}, approved by ${String(e.approver ?? '?')}`;
  if (e.by === 'access-tag' || e.by === 'user-tag')
    return `${String(e.by).replace('-', ' ')} ${String(e.tag ?? '')}`;
  return r.reason;
};

/** The instances of a plan scan: which comply, which need a change, which are exempt. */
const accountNow = (records: readonly DecisionRecord[]): AccountNow => {
  const instances = records.filter((r) => r.detail?.kind === 'instance' && r.outcome !== 'gone');
  const needs = instances.filter((r) => r.outcome === 'planned' || r.outcome === 'failed');
  const exempt = instances.filter((r) => r.outcome === 'exempt');
  return {
    instances: instances.length,
    comply: instances.length - needs.length,
    needsChange: needs.map((r) => {
      const b = obj(r.before);
      return { name: nameOf(r), onHttp: b.enabled === true && b.protocol === 'http' };
    }),
    exempt: exempt.map((r) => ({ name: nameOf(r), how: howExempt(r) })),
  };
};

/** The lines about the account now, after the story. */
const accountLines = (now: AccountNow, p: Paint): string[] => {
  const out = [
    `  The account now (a plan scan; nothing changed): ${now.comply} of ${now.instances} instances comply with the policy.`,
  ];
  if (now.needsChange.length > 0) {
    const http = now.needsChange.filter((n) => n.onHttp).length;
    out.push(
      `  ${now.needsChange.length} instances need a change (${http} of them serve metadata on plain http): they predate the guard, so no event will come for them (${now.needsChange.map((n) => n.name).join(', ')}).`,
      p.dim(
        '  A bulk run or the cron sweep brings them into line: imds-guard scan --regions all (plan), then --apply.',
      ),
    );
  }
  if (now.exempt.length > 0)
    out.push(
      `  ${now.exempt.length} exempt, left as they are on purpose: ${now.exempt.map((e) => `${e.name} (${e.how})`).join('; ')}.`,
    );
  return out;
};

export type { AccountNow };
export { accountLines, accountNow };
