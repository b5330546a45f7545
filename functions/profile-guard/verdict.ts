// Pure: what the assessment of any subject judged by rules (a trusted profile, a VPC's network posture)
// says besides the subject: severity, compliance, the exemption in force and the sorted finding ids.
import { exemptionInForce } from '#shared/policy/match.ts';
import type { Severity } from '#shared/policy/profiles.ts';

interface Verdict<F, E> {
  /** Most severe first, then by id. */
  findings: F[];
  /** The most severe finding's, or null when there are none. */
  severity: Severity | null;
  /** No findings (an exempt subject with findings is not compliant; see `exempt`). */
  compliant: boolean;
  /** The exemption in force at `now`, if any. */
  exempt?: E;
  /** An exemption that matched the subject but has run out: worth saying in the ticket. */
  expired_exemption?: E;
  /** Sorted finding ids: what the ticket key is made of. */
  finding_ids: string[];
}

/** A verdict on one subject, as the assessment reports it: whose, the ticket key, when. */
interface Assessment<F, E> extends Verdict<F, E> {
  account_id: string;
  /** Changes exactly when the findings (by id) change: one open ticket per key. */
  key: string;
  assessed_at: string;
}

/** `findings` already in order (most severe first); `matches` says which exemptions name the subject. */
const verdictOf = <F extends { id: string; severity: Severity }, E extends { expires: string }>(
  findings: F[],
  exemptions: readonly E[],
  matches: (e: E) => boolean,
  now: Date,
): Verdict<F, E> => {
  const { active, expired } = exemptionInForce(exemptions, matches, now);
  return {
    findings,
    severity: findings[0]?.severity ?? null,
    compliant: findings.length === 0,
    ...(active ? { exempt: active } : {}),
    ...(expired ? { expired_exemption: expired } : {}),
    finding_ids: findings.map((f) => f.id).sort(),
  };
};

export type { Assessment, Verdict };
export { verdictOf };
