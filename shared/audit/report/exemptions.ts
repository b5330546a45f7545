// The exemptions in force now: every exempt resource of the state, how it is exempt (an access tag, a
// user tag, an entry of the policy's exemption list with approver, ticket and expiry), and which end
// soon. Access-tag exemptions have no expiry: they last until an administrator removes the tag.
import type { StateRow } from './posture-summary.ts';

interface ExemptionRow {
  kind: string;
  name: string | null;
  crn: string;
  id: string | null;
  region: string | null;
  /** `access-tag`, `user-tag`, `list`, `tag-lookup-failed`. */
  by: string;
  tag: string | null;
  approver: string | null;
  ticket: string | null;
  expires: string | null;
  reason: string | null;
  /** Whole days until `expires` (negative: already over); null without an expiry. */
  days_left: number | null;
  /** Expires within the warning window (14 days). */
  expiring_soon: boolean;
}

interface ExemptionInventory {
  total: number;
  by: Record<string, number>;
  expiring_soon: number;
  /** Within this many days counts as soon. */
  window_days: number;
  rows: ExemptionRow[];
}

const WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;

const inventoryOf = (rows: readonly StateRow[], now: Date, windowDays = WINDOW_DAYS): ExemptionInventory => {
  const out: ExemptionRow[] = [];
  const by: Record<string, number> = {};
  for (const r of rows) {
    if (r.status !== 'exempt') continue;
    const e = r.exemption;
    const kind = e?.by ?? 'unknown';
    by[kind] = (by[kind] ?? 0) + 1;
    const until = e?.expires ? Date.parse(e.expires) : Number.NaN;
    const left = until - now.getTime();
    // Whole days still to go (a part-day counts), or how many days ago it ended.
    const daysLeft = Number.isNaN(until)
      ? null
      : left >= 0
        ? Math.ceil(left / DAY_MS)
        : Math.floor(left / DAY_MS);
    out.push({
      kind: r.kind,
      name: r.name,
      crn: r.crn,
      id: r.id,
      region: r.region,
      by: kind,
      tag: e?.tag ?? null,
      approver: e?.approver ?? null,
      ticket: e?.ticket ?? null,
      expires: e?.expires ?? null,
      reason: e?.reason ?? null,
      days_left: daysLeft,
      expiring_soon: daysLeft !== null && daysLeft >= 0 && daysLeft <= windowDays,
    });
  }
  // Soonest expiry first, then the ones without an expiry, by name.
  out.sort(
    (a, b) =>
      (a.days_left ?? Number.POSITIVE_INFINITY) - (b.days_left ?? Number.POSITIVE_INFINITY) ||
      (a.name ?? a.crn).localeCompare(b.name ?? b.crn),
  );
  return {
    total: out.length,
    by,
    expiring_soon: out.filter((r) => r.expiring_soon).length,
    window_days: windowDays,
    rows: out,
  };
};

export type { ExemptionInventory, ExemptionRow };
export { inventoryOf, WINDOW_DAYS };
