// What a policy lets the guard do, given dry-run (which changes nothing): the switches the actions'
// `usedBy` read. Pure.
import { PROFILE_RULE_IDS } from '../policy/profiles.ts';
import type { Policy } from '../policy/schema.ts';

const capabilities = (policy: Policy) => {
  const acts = !policy.dry_run;
  const instanceModes = [policy.instances.default.mode, ...policy.instances.rules.map((r) => r.mode)];
  const replacesTemplates = acts && policy.templates.mode === 'replace';
  const profilesOn = policy.profiles.disabled_rules.length < PROFILE_RULE_IDS.length;
  const sink = policy.profiles.ticket.sink;
  const rollout = policy.instances.rollout;
  // The staged rollout tickets instances too: notices (stage notify, or a disable of an instance that
  // likely uses the metadata service) and change-cap stops.
  const rolloutTickets =
    instanceModes.some((m) => m !== 'audit') &&
    (instanceModes.includes('disable') ||
      rollout.stage === 'notify' ||
      policy.instances.rules.some((r) => r.stage === 'notify') ||
      rollout.change_cap !== undefined);
  return {
    patchesInstances: acts && instanceModes.some((m) => m !== 'audit'),
    disablesInstances: acts && instanceModes.includes('disable'),
    replacesTemplates,
    repointsGroups: replacesTemplates && policy.templates.repoint_instance_groups,
    readsProfiles: profilesOn,
    /** A disable first looks for trusted profiles linked to the instance (a sign it uses the service). */
    readsProfileLinks: instanceModes.includes('disable'),
    capsSessions: acts && profilesOn && policy.profiles.fix.cap_session_expiration,
    /** The sink the guard writes tickets to, or undefined when it writes none (dry-run, profiles off). */
    ticketSink: acts && (profilesOn || rolloutTickets) ? sink : undefined,
  };
};

type Capabilities = ReturnType<typeof capabilities>;

export type { Capabilities };
export { capabilities };
