// The Activity Tracker plan section: the service-to-service authorizations, the Event Streams targets
// and the route that sends the watched locations' events to them.
import type { ActivityTracker, Deployment, EventStreamsTarget } from '../schema.ts';
import { type ExistingState, type Part, type PlanSection, ref, type Step } from './types.ts';

const authorizationKey = (instanceGuid: string): string => `atracker>messagehub:${instanceGuid}`;
/** The instance GUID inside an Event Streams CRN (`…:a/<account>:<guid>::`). */
const crnGuid = (crn: string): string => crn.split(':')[7] ?? '';

const targetVariables = (targets: readonly EventStreamsTarget[]): Map<string, string> => {
  const seen = new Set<string>();
  const out = new Map<string, string>();
  for (const t of targets) {
    let variable = `TARGET_ID_${t.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
    for (let n = 2; seen.has(variable); n += 1) variable = `${variable}_${n}`;
    seen.add(variable);
    out.set(t.name, variable);
  }
  return out;
};

/** One authorization per Event Streams instance a target reaches without an API key. */
const authorizationPart = (at: ActivityTracker, s: ExistingState): Part => {
  const steps: Step[] = [];
  const notes: string[] = [];
  const s2s = [
    ...new Set(at.targets.filter((t) => t.api_key_env === undefined).map((t) => crnGuid(t.instance_crn))),
  ];
  for (const guid of s2s) {
    if (s.authorizations.has(authorizationKey(guid))) {
      notes.push(`Activity Tracker may already write to Event Streams instance ${guid}.`);
      continue;
    }
    steps.push({
      kind: 'authorization',
      name: authorizationKey(guid),
      verb: 'create',
      comment: [
        'Activity Tracker Event Routing writes to the topic with its own service-to-service authorization (no API key).',
      ],
      argv: [
        'iam',
        'authorization-policy-create',
        'atracker',
        'messagehub',
        'Writer',
        '--target-service-instance-id',
        guid,
      ],
    });
  }
  return { steps, notes };
};

/** A target, its id captured as `variable`; an API key, if any, is passed as a private file. */
const atTargetStep = (d: Deployment, t: EventStreamsTarget, s: ExistingState, variable: string): Step => {
  const exists = s.atTargets.has(t.name);
  const endpoint = ['--target-crn', t.instance_crn, '--brokers', t.brokers.join(','), '--topic', t.topic];
  const auth = t.api_key_env === undefined ? ['--service-to-service-enabled', 'true'] : ['--api-key', ''];
  const argv = exists
    ? ['atracker', 'target', 'update', '--target', t.name, ...endpoint, ...auth, '--output', 'JSON']
    : [
        'atracker',
        'target',
        'create',
        '--name',
        t.name,
        '--type',
        'event-streams',
        ...endpoint,
        ...auth,
        '--region',
        t.region ?? d.project.region,
        '--output',
        'JSON',
      ];
  return {
    kind: 'at-target',
    name: t.name,
    verb: exists ? 'update' : 'create',
    comment: t.api_key_env !== undefined ? [`The Event Streams API key comes from $${t.api_key_env}.`] : [],
    argv,
    capture: { variable, property: 'id' },
    ...(t.api_key_env !== undefined
      ? {
          file: {
            index: argv.indexOf('--api-key') + 1,
            prefix: '@',
            file: `${t.name}.apikey`,
            content: { kind: 'env-value', env: t.api_key_env },
          },
        }
      : {}),
  };
};

const routeStep = (at: ActivityTracker, s: ExistingState, variables: Map<string, string>): Step => {
  const rules = JSON.stringify(
    at.route.rules.map((r) => ({
      locations: r.locations,
      target_ids: r.targets.map((n) => ref(variables.get(n) ?? '')),
    })),
  );
  const exists = s.atRoutes.has(at.route.name);
  return {
    kind: 'at-route',
    name: at.route.name,
    verb: exists ? 'update' : 'create',
    comment: [
      'IAM events are global: the rule needs location global. A route change can take up to an hour to take effect.',
    ],
    argv: exists
      ? ['atracker', 'route', 'update', '--route', at.route.name, '--rules', rules]
      : ['atracker', 'route', 'create', '--name', at.route.name, '--rules', rules],
  };
};

const activityTrackerSection = (d: Deployment, s: ExistingState): PlanSection | undefined => {
  const at = d.activity_tracker;
  if (!at) return undefined;
  const variables = targetVariables(at.targets);
  const authorizations = authorizationPart(at, s);
  return {
    title: 'Activity Tracker Event Routing: Event Streams target and route',
    notes: authorizations.notes,
    steps: [
      ...authorizations.steps,
      ...at.targets.map((t) => atTargetStep(d, t, s, variables.get(t.name) ?? 'TARGET_ID')),
      routeStep(at, s, variables),
    ],
  };
};

export { activityTrackerSection, authorizationKey, crnGuid };
