// How one resource of the state reads in a table: its name and id, where it lives, its status, the
// rule, what is wanted and why, and the console link. Shared by the state tables and the drill-down
// (whose script builds the same cells from the embedded data).
import type { StateRow } from '../posture-summary.ts';
import { consoleUrl } from './console-links.ts';

const STATUS_LABELS = { noncompliant: 'Needs change', exempt: 'Exempt', compliant: 'Compliant' } as const;

const KIND_LABELS: Record<string, string> = {
  instance: 'instance',
  'instance-template': 'template',
  profile: 'trusted profile',
};

const kindLabel = (kind: string): string => KIND_LABELS[kind] ?? kind;

/** The reason without the boilerplate the row's other columns already say. */
const whyOf = (reason: string): string =>
  reason
    .split('; ')
    .filter(
      (p) =>
        !/^rule ".*" applies|^no rule matched$|^instances\.default applies$|^dry run: would|^audit mode: would/.test(
          p,
        ),
    )
    .join('; ') || reason;

/** "http · hop limit 2", "https · hop limit 1", "disabled"; null without settings. */
const metadataText = (r: StateRow): string | null => {
  const m = r.metadata;
  if (!m) return null;
  if (!m.enabled) return 'metadata off';
  return [m.protocol ?? '?', m.hop_limit !== null ? `hop limit ${m.hop_limit}` : '']
    .filter(Boolean)
    .join(' · ');
};

/** What the rule wants (non-compliant), how it is exempt (exempt), or nothing. */
const wantText = (r: StateRow): string | null => {
  if (r.status === 'noncompliant') {
    if (r.change) return `${r.audit ? 'audit: ' : ''}wants ${r.change}`;
    if (r.kind === 'instance-template') return 'wants a compliant copy';
    if (r.findings.length > 0)
      return `${r.findings.length} open finding${r.findings.length === 1 ? '' : 's'}`;
    return r.outcome === 'failed' ? 'the last attempt failed' : null;
  }
  if (r.status === 'exempt' && r.exemption) {
    const e = r.exemption;
    switch (e.by) {
      case 'access-tag':
        return `access tag ${e.tag ?? ''}`.trim();
      case 'user-tag':
        return `user tag ${e.tag ?? ''}`.trim();
      case 'list':
        return `exemption list${e.expires ? ` until ${e.expires.slice(0, 10)}` : ''}`;
      default:
        return e.by;
    }
  }
  return null;
};

/** Rule for instances; for profiles the rules behind their findings, worst first. */
const ruleText = (r: StateRow): string =>
  r.kind === 'profile' ? [...new Set(r.findings.map((f) => f.rule))].join(', ') : (r.rule ?? '');

const whereText = (r: StateRow): { main: string; sub: string } => ({
  main: r.region ?? '',
  sub: [r.resource_group, r.vpc].filter((x): x is string => x !== null).join(' · '),
});

const linkOf = (r: StateRow): string | null => consoleUrl(r.kind, r.region, r.id);

export { kindLabel, linkOf, metadataText, ruleText, STATUS_LABELS, wantText, whereText, whyOf };
