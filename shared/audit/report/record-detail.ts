// What the report reads out of a record's `detail`, `before` and `after`: the resource's kind, its VPC,
// its metadata settings now, the change a rule wants, how it is exempt, a profile's findings, IBM's
// error code. Every field is optional in the records (they evolved), so each reader is lenient.

interface Metadata {
  enabled: boolean;
  protocol: string | null;
  hopLimit: number | null;
}

interface Exemption {
  /** `access-tag`, `user-tag`, `list` (the policy's registry), `tag-lookup-failed`. */
  by: string;
  tag: string | null;
  ticket: string | null;
  approver: string | null;
  expires: string | null;
  reason: string | null;
}

interface Finding {
  id: string;
  rule: string;
  severity: string | null;
}

type Obj = Record<string, unknown>;

const isRecord = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

const text = (x: unknown): string | null => (typeof x === 'string' && x.trim() !== '' ? x : null);

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** `{enabled, protocol, response_hop_limit}` (an instance's metadata_service), else null. */
const metadataOf = (x: unknown): Metadata | null => {
  const o = isRecord(x) && isRecord(x.metadata_service) ? x.metadata_service : x;
  if (!isRecord(o) || typeof o.enabled !== 'boolean') return null;
  return { enabled: o.enabled, protocol: text(o.protocol), hopLimit: num(o.response_hop_limit) };
};

/** The settings the resource has after this decision: the fix when one was made, else what was read. */
const currentMetadata = (outcome: string, before: unknown, after: unknown): Metadata | null =>
  outcome === 'remediated' ? (metadataOf(after) ?? metadataOf(before)) : metadataOf(before);

const EXEMPT_TAG = /access tag "([^"]+)"/;
const EXEMPT_USER_TAG = /user tag "([^"]+)"/;
const EXEMPT_LIST =
  /exempt until (\S+) \((?:ticket ([^,]+), approved by ([^):]+)|approved by ([^,]+), ticket ([^)]+))/;

/** `detail.exemption` (instances and profiles), or what an older record's reason says. */
const exemptionOf = (detail: Obj, reason: string): Exemption | null => {
  const e = detail.exemption;
  if (isRecord(e)) {
    return {
      by: text(e.by) ?? 'list',
      tag: text(e.tag),
      ticket: text(e.ticket),
      approver: text(e.approver),
      expires: text(e.expires),
      reason: text(e.reason) ?? text(e.error),
    };
  }
  const list = EXEMPT_LIST.exec(reason);
  if (list)
    return {
      by: 'list',
      tag: null,
      ticket: (list[2] ?? list[5] ?? '').trim() || null,
      approver: (list[3] ?? list[4] ?? '').trim() || null,
      expires: list[1] ?? null,
      reason: null,
    };
  const tag = EXEMPT_TAG.exec(reason) ?? EXEMPT_USER_TAG.exec(reason);
  if (tag)
    return {
      by: EXEMPT_TAG.test(reason) ? 'access-tag' : 'user-tag',
      tag: tag[1] ?? null,
      ticket: null,
      approver: null,
      expires: null,
      reason: null,
    };
  return null;
};

/** `detail.findings` as objects `{id, rule_id, severity}` or `rule:subject` strings; plus `finding_ids`. */
const findingsOf = (detail: Obj): Finding[] => {
  const out = new Map<string, Finding>();
  const ruleOfId = (id: string): string => id.split(':')[0] ?? id;
  const list = Array.isArray(detail.findings) ? detail.findings : [];
  for (const f of list) {
    if (typeof f === 'string' && f !== '') out.set(f, { id: f, rule: ruleOfId(f), severity: null });
    else if (isRecord(f)) {
      const id = text(f.id) ?? text(f.rule_id);
      if (!id) continue;
      out.set(id, { id, rule: text(f.rule_id) ?? ruleOfId(id), severity: text(f.severity) });
    }
  }
  const ids = Array.isArray(detail.finding_ids) ? detail.finding_ids : [];
  for (const id of ids)
    if (typeof id === 'string' && id !== '' && !out.has(id))
      out.set(id, { id, rule: ruleOfId(id), severity: null });
  return [...out.values()];
};

const IBM_ANSWER = /IBM answered (\d{3})(?: ([a-z][a-z0-9_]*))?/;

/** IBM's status and error code: `detail.ibm`, or "IBM answered 409 some_code: …" in the reason. */
const ibmErrorOf = (detail: Obj, reason: string): { status: number | null; code: string | null } => {
  const ibm = detail.ibm;
  if (isRecord(ibm)) return { status: num(ibm.status), code: text(ibm.code) };
  const m = IBM_ANSWER.exec(reason);
  return m ? { status: Number(m[1]), code: m[2] ?? null } : { status: null, code: null };
};

const ticketIdOf = (detail: Obj): string | null => {
  const t = detail.ticket;
  if (typeof t === 'string') return text(t);
  return isRecord(t) ? text(t.id) : null;
};

const vpcOf = (detail: Obj): { id: string | null; name: string | null } => {
  const v = detail.vpc;
  if (typeof v === 'string') return { id: null, name: text(v) };
  return isRecord(v) ? { id: text(v.id), name: text(v.name) } : { id: null, name: null };
};

const patchOf = (detail: Obj): Obj | null =>
  isRecord(detail.patch) && Object.keys(detail.patch).length > 0 ? detail.patch : null;

export type { Exemption, Finding, Metadata };
export {
  currentMetadata,
  exemptionOf,
  findingsOf,
  ibmErrorOf,
  isRecord,
  metadataOf,
  patchOf,
  text,
  ticketIdOf,
  vpcOf,
};
