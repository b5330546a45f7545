// The one change profile-guard may make, opt-in (`policy.profiles.fix.cap_session_expiration`): lower a
// compute-resource claim rule's session expiration to `max_session_seconds`. PUT with If-Match = the
// rule's entity_tag; on 409/412 (someone changed it since our read) read it once more and try again.
import type IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import { CloudApiError } from '#shared/errors.ts';
import { type ActContext, asCloudError, ibmReason } from '#shared/runtime/acting.ts';
import { cloudCall } from '#shared/runtime/retry.ts';
import type { ProfileAssessment } from './decide.ts';

interface RuleCap {
  id: string;
  name?: string;
  from: number;
  to: number;
}

type FixResult =
  | { kind: 'none' }
  | { kind: 'planned'; caps: RuleCap[] }
  /** `rules` are the claim rules as they are now (updated ones replaced by IBM's answer). */
  | { kind: 'applied'; caps: RuleCap[]; rules: IamIdentityV1.ProfileClaimRule[]; skipped: string[] }
  | { kind: 'failed'; caps: RuleCap[]; reason: string; rules: IamIdentityV1.ProfileClaimRule[] };

/** Claim rules the long-session rule flagged, with what they would become. */
const capsFor = (
  a: ProfileAssessment,
  rules: readonly IamIdentityV1.ProfileClaimRule[],
  max: number,
): RuleCap[] =>
  a.findings
    .filter((f) => f.rule_id === 'long-session')
    .flatMap((f) => f.evidence.claim_rule_ids ?? [])
    .flatMap((id) => {
      const r = rules.find((x) => x.id === id);
      return r && r.expiration > max
        ? [{ id, ...(r.name ? { name: r.name } : {}), from: r.expiration, to: max }]
        : [];
    });

/** The rule as PUT needs it (a full replacement), with the new expiration. */
const putParams = (
  profileId: string,
  r: IamIdentityV1.ProfileClaimRule,
  expiration: number,
): IamIdentityV1.UpdateClaimRuleParams => ({
  profileId,
  ruleId: r.id,
  ifMatch: r.entity_tag,
  type: r.type,
  conditions: r.conditions,
  expiration,
  ...(r.name ? { name: r.name } : {}),
  ...(r.realm_name ? { realmName: r.realm_name } : {}),
  ...(r.cr_type ? { crType: r.cr_type } : {}),
});

/** Applies the caps (or plans them in a dry run). Never throws for IBM's refusals: they are reported. */
const capSessions = async (
  ctx: ActContext,
  a: ProfileAssessment,
  rules: readonly IamIdentityV1.ProfileClaimRule[],
): Promise<FixResult> => {
  const { profiles } = ctx.rt.policy;
  if (!profiles.fix.cap_session_expiration || a.exempt) return { kind: 'none' };
  const max = profiles.max_session_seconds;
  const caps = capsFor(a, rules, max);
  if (caps.length === 0) return { kind: 'none' };
  if (ctx.rt.dryRun) return { kind: 'planned', caps };
  const identity = await ctx.clients.identity();
  const now = [...rules];
  const done: RuleCap[] = [];
  const skipped: string[] = [];
  const replace = (r: IamIdentityV1.ProfileClaimRule): void => {
    const i = now.findIndex((x) => x.id === r.id);
    if (i >= 0) now[i] = r;
  };
  for (const cap of caps) {
    let rule = now.find((r) => r.id === cap.id) as IamIdentityV1.ProfileClaimRule;
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const res = await cloudCall(identity.updateClaimRule(putParams(a.profile.id, rule, max)));
          replace(res.result);
          done.push(cap);
          break;
        } catch (err) {
          const conflict = err instanceof CloudApiError && (err.status === 409 || err.status === 412);
          if (!conflict || attempt > 1) throw err;
          // Changed since our read: read it again; it may already be short enough.
          rule = (await cloudCall(identity.getClaimRule({ profileId: a.profile.id, ruleId: cap.id }))).result;
          replace(rule);
          if (rule.expiration <= max) {
            skipped.push(`${cap.id}: already ${rule.expiration} s on re-read`);
            break;
          }
        }
      }
    } catch (err) {
      const e = asCloudError(err);
      return {
        kind: 'failed',
        caps: done,
        rules: now,
        reason: `capping claim rule ${cap.id} failed: ${ibmReason(e)}`,
      };
    }
  }
  return { kind: 'applied', caps: done, rules: now, skipped };
};

/** The snapshot's rules as they would be after the caps (dry run: what the ticket would then say). */
const withCaps = (
  rules: readonly IamIdentityV1.ProfileClaimRule[],
  caps: readonly RuleCap[],
): IamIdentityV1.ProfileClaimRule[] =>
  rules.map((r) => {
    const cap = caps.find((c) => c.id === r.id);
    return cap ? { ...r, expiration: cap.to } : r;
  });

export type { FixResult, RuleCap };
export { capSessions, withCaps };
