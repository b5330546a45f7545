// The human half of a decision line: what happened to which resource, in a few words, for the log list
// of IBM Cloud Logs and the demo's timeline. The record's fields stay the machine-readable truth.
// Structural (not imported from decision.ts) so the two files do not import each other.
interface Described {
  outcome: string;
  reason: string;
  target_crn: string | null;
  detail?: Record<string, unknown> | undefined;
}

const MAX = 160;

const obj = (x: unknown): Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};

const str = (x: unknown): string => (typeof x === 'string' ? x : '');

/** Object.keys(o).length > 0, without the array. */
const hasKeys = (o: Record<string, unknown>): boolean => {
  for (const _ in o) if (Object.hasOwn(o, _)) return true;
  return false;
};

/** The resource's name, else the last part of its CRN. */
const nameOf = (r: Described): string => {
  const d = obj(r.detail);
  return str(d.name) || str(obj(d.profile).name) || r.target_crn?.split(':').pop() || 'no target';
};

/** `{enabled:false}` → "metadata service disabled"; `{protocol:'https', response_hop_limit:2}` → "https, hop limit 2". */
const describePatch = (patch: Record<string, unknown>): string => {
  if (patch.enabled === false) return 'metadata service disabled';
  // Joined by hand, not [..].filter().join(): a bulk run describes 100,000 patches.
  let text = patch.enabled === true ? 'metadata service enabled' : '';
  if (patch.protocol) text += `${text ? ', ' : ''}metadata over ${str(patch.protocol)}`;
  if (patch.response_hop_limit !== undefined)
    text += `${text ? ', ' : ''}hop limit ${String(patch.response_hop_limit)}`;
  return text || 'metadata settings changed';
};

const ruleNote = (d: Record<string, unknown>): string => (str(d.rule) ? ` (rule ${str(d.rule)})` : '');

/** `exposed-privileged-vsi (critical), long-session (low)` from `detail.findings`. */
const findingsText = (d: Record<string, unknown>): string => {
  const findings = Array.isArray(d.findings) ? d.findings : [];
  const named = findings.map((f) => {
    const o = obj(f);
    const rule = str(o.rule_id) || str(f).split(':')[0] || '';
    return o.severity ? `${rule} (${str(o.severity)})` : rule;
  });
  const unique = [...new Set(named.filter(Boolean))];
  return unique.length > 3
    ? `${unique.slice(0, 3).join(', ')} and ${unique.length - 3} more`
    : unique.join(', ');
};

const ticketText = (r: Described, d: Record<string, unknown>): string => {
  const t = obj(d.ticket);
  const id = str(t.id);
  const sink = str(t.sink);
  const verb = { ticket_opened: 'opened', ticket_updated: 'updated', ticket_resolved: 'resolved' }[
    r.outcome as 'ticket_opened'
  ];
  const findings = findingsText(d);
  return `${sink ? `${sink} ` : ''}ticket${id ? ` ${id}` : ''} ${verb ?? r.outcome}${findings ? `: ${findings}` : ''}`;
};

/** The reason's finding, without the rule boilerplate the message says anyway. */
const reasonCore = (reason: string): string =>
  reason
    .split('; ')
    .filter((p) => !/^rule ".*" applies|^no rule matched$|^instances\.default applies$/.test(p))
    .join('; ') || reason;

const clip = (s: string): string => (s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s);

/** What the decision did to its target, without the outcome (callers prefix or colour it). */
const describeDecision = (r: Described): string => {
  const d = obj(r.detail);
  const name = nameOf(r);
  const patch = obj(d.patch);
  const hasPatch = hasKeys(patch);
  switch (r.outcome) {
    case 'remediated':
      if (d.kind === 'instance-template') return clip(`${name}: replaced by a compliant copy${ruleNote(d)}`);
      if (r.reason.startsWith('fallback'))
        return clip(`${name}: ${hasPatch ? describePatch(patch) : 'secured'} (${r.reason.split(';')[0]})`);
      return clip(`${name}: ${hasPatch ? describePatch(patch) : 'fixed'}${ruleNote(d)}`);
    case 'compliant':
      return clip(`${name}: as the policy wants${ruleNote(d)}`);
    case 'planned':
      if (hasPatch)
        return clip(
          `${name}: would set ${describePatch(patch)}${ruleNote(d)}${d.mode === 'audit' ? ' (audit only)' : ''}`,
        );
      return clip(`${name}: ${reasonCore(r.reason)}`);
    case 'ticket_opened':
    case 'ticket_updated':
    case 'ticket_resolved':
      return clip(`${name}: ${ticketText(r, d)}`);
    case 'ignored':
      if (r.reason.startsWith('own change')) return "the guard's own change came back as an event";
      if (str(obj(d.ticket).id) && r.reason.startsWith('findings unchanged'))
        return clip(`${name}: findings unchanged, ticket ${str(obj(d.ticket).id)} already tracks them`);
      return clip(r.reason);
    case 'refused':
      return clip(r.reason);
    case 'exempt':
    case 'gone':
    case 'failed':
    case 'deferred':
      return clip(`${name}: ${reasonCore(r.reason)}`);
    default:
      return clip(`${name}: ${r.reason}`) satisfies string;
  }
};

export { describeDecision, describePatch };
