// Pure: one fresh read of a trusted profile × the policy → an assessment. The same function serves
// events, the sweep and bulk runs; tickets are planned from its result (ticket-plan.ts).

import type { ProfileExemption } from '#shared/policy/profiles.ts';
import { ticketKey, ticketMarker } from '#shared/tickets/ids.ts';
import { evaluateRules } from './rules/index.ts';
import type { Finding, ProfileInfo, ProfileSnapshot, ProfileThresholds } from './rules/types.ts';
import { type Assessment, verdictOf } from './verdict.ts';

/** The verdict (verdict.ts) on one profile, with what finds its ticket again. */
interface ProfileAssessment extends Assessment<Finding, ProfileExemption> {
  profile: ProfileInfo;
  /** From account and profile only: finds the profile's ticket again whatever its findings. */
  profile_marker: string;
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
  const matches = (e: ProfileExemption) => exemptionMatches(e, snapshot.profile);
  const verdict = verdictOf(evaluateRules(snapshot, thresholds), thresholds.exempt_profiles, matches, now);
  return {
    account_id: snapshot.account_id,
    profile: snapshot.profile,
    ...verdict,
    key: findingsKey(snapshot.account_id, snapshot.profile.id, verdict.finding_ids),
    profile_marker: profileMarker(snapshot.account_id, snapshot.profile.id),
    assessed_at: now.toISOString(),
  };
};

export type { Finding, ProfileAssessment, ProfileSnapshot, ProfileThresholds };
export { assessProfile, findingsKey, profileMarker };
