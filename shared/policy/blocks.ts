// The building blocks every policy section is made of: strict-object messages in the user's words,
// and the values more than one section takes (text, dates, whole numbers, approved exemptions).
import * as v from 'valibot';

/** Edit distance, for "did you mean" on misspelt option names. */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const next = [i];
    for (let j = 1; j <= b.length; j += 1) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
};

const suggestion = (received: string, known: readonly string[]): string => {
  const key = received.replace(/^"|"$/g, '');
  const best = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? `; did you mean "${best.k}"?` : '';
};

/** Strict objects speak the user's language: unknown option (with a hint when `known` is given), missing option. */
const objectMessage = (issue: v.StrictObjectIssue, known: readonly string[] = []): string => {
  if (issue.expected === 'never')
    return `unknown option ${issue.received}${suggestion(issue.received, known)}`;
  if (issue.received === 'undefined') return `missing required option ${issue.expected}`;
  return `expected a mapping of options (got ${issue.received})`;
};

const Text = v.pipe(v.string('expected text'), v.trim(), v.minLength(1, 'must not be empty'));

const IsoDateTime = v.pipe(
  v.string('expected an ISO date-time such as "2026-06-30T00:00:00Z"'),
  v.trim(),
  v.isoTimestamp('expected an ISO date-time with a time zone, such as "2026-06-30T00:00:00Z"'),
  v.check((s) => !Number.isNaN(Date.parse(s)), 'not a real date'),
);

/** A whole number from `min` to `max`, every failure told with the one `message`. */
const wholeNumberIn = (min: number, max: number, message: string) =>
  v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));

/** `what` must be a whole number from `min` (to `max`, when there is one); `why` tells where the bounds come from. */
const wholeNumber = (what: string, min: number, max?: number, why = '') =>
  wholeNumberIn(
    min,
    max ?? Number.MAX_SAFE_INTEGER,
    `${what} must be a whole number ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}${why ? ` (${why})` : ''}`,
  );

/** What makes an exception approved: when it ends, who said yes, where it is tracked, and why. */
const APPROVAL = {
  /** Exclusive: the exemption stops applying at this instant. */
  expires: IsoDateTime,
  approver: Text,
  ticket: Text,
  reason: v.optional(Text),
};

/** A time-boxed, approved exception for one `what`, named by id or by name (exactly one). */
const exemptionByIdOrName = <const TEntries extends v.ObjectEntries>(what: string, narrowing: TEntries) =>
  v.pipe(
    v.strictObject(
      { id: v.optional(Text), name: v.optional(Text), ...narrowing, ...APPROVAL },
      objectMessage,
    ),
    v.check(
      (e) => (e.id === undefined) !== (e.name === undefined),
      `a ${what} exemption names exactly one of id or name`,
    ),
  );

export {
  APPROVAL,
  exemptionByIdOrName,
  IsoDateTime,
  objectMessage,
  suggestion,
  Text,
  wholeNumber,
  wholeNumberIn,
};
