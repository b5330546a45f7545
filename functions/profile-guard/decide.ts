// Pure: one fresh read of a trusted profile × the policy → an assessment. The same function serves
// events, the sweep and bulk runs; tickets are planned from its result (ticket-plan.ts).

import { exemptionInForce } from '#shared/policy/match.ts';
import type { ProfileExemption, Severity } from '#shared/policy/profiles.ts';
import { ticketKey, ticketMarker } from '#shared/tickets/ids.ts';
import { evaluateRules } from './rules/index.ts';
import type { Finding, ProfileInfo, ProfileSnapshot, ProfileThresholds } from './rules/types.ts';

interface ProfileAssessment {
  account_id: string;
  profile: ProfileInfo;
  /** Most severe first, then by id. */
  findings: Finding[];
  /** The most severe finding's, or null when there are none. */
  severity: Severity | null;
  /** No findings (an exempt profile with findings is not compliant; see `exempt`). */
  compliant: boolean;
  /** The exemption in force at `now`, if any. */
  exempt?: ProfileExemption;
  /** An exemption that matched the profile but has run out: worth saying in the ticket. */
  expired_exemption?: ProfileExemption;
  /** Sorted finding ids: what the key is made of. */
  finding_ids: string[];
  /** Changes exactly when the findings (by id) change: one open ticket per key. */
  key: string;
  /** From account and profile only: finds the profile's ticket again whatever its findings. */
  profile_marker: string;
  assessed_at: string;
}

/** `imdsg-<16 hex>`; JSON framing keeps ("a","bc") and ("ab","c") apart. */
const findingsKey = (accountId: string, profileId: string, findingIds: readonly string[]): string =>
  ticketKey('imds-guard/profile-findings/v1', accountId, profileId, findingIds);

/** `imdsg-p-<16 hex>` (`p` is not a hex digit, so a key pattern never matches a marker). */
const profileMarker = (accountId: string, profileId: string): string =>
  ticketMarker('profile', accountId, profileId);

const exemptionMatches = (exemption: ProfileExemption, profile: ProfileInfo): boolean =>
  exemption.id !== undefined ? exemption.id === profile.id : exemption.name === profile.name;

const assessProfile = (
  snapshot: ProfileSnapshot,
  thresholds: ProfileThresholds,
  now: Date,
): ProfileAssessment => {
  const findings = evaluateRules(snapshot, thresholds);
  const findingIds = findings.map((f) => f.id).sort();
  const { active, expired } = exemptionInForce(
    thresholds.exempt_profiles,
    (e) => exemptionMatches(e, snapshot.profile),
    now,
  );
  return {
    account_id: snapshot.account_id,
    profile: snapshot.profile,
    findings,
    severity: findings[0]?.severity ?? null,
    compliant: findings.length === 0,
    ...(active ? { exempt: active } : {}),
    ...(expired ? { expired_exemption: expired } : {}),
    finding_ids: findingIds,
    key: findingsKey(snapshot.account_id, snapshot.profile.id, findingIds),
    profile_marker: profileMarker(snapshot.account_id, snapshot.profile.id),
    assessed_at: now.toISOString(),
  };
};

export type { Finding, ProfileAssessment, ProfileSnapshot, ProfileThresholds };
export { assessProfile, findingsKey, profileMarker };
