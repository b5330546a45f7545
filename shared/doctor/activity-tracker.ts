// `activity-tracker:target:<name>` and `activity-tracker:route`: the events reach the topic the app reads.
// Each target of the manifest must exist in its region, be an Event Streams target on the manifest's
// instance and write the topic the Kafka subscription reads; the route must send every location the
// manifest routes (first matching rule wins, as Event Routing evaluates them) to such a target.

import { CloudApiError, errorMessage } from '../errors.ts';
import type { EventStreamsTarget } from '../manifest/schema.ts';
import { cloudCall } from '../runtime/retry.ts';
import type { AtRoute, AtTarget } from './atracker-client.ts';
import { type Check, check, type DoctorContext } from './types.ts';

const DEPLOY_FIX = 'imds-guard deploy (or terraform apply in deploy/terraform) creates and updates it';

/** A refused read is "could not look", not "missing": doctor's identity may lack Viewer on atracker. */
const unreadable = (id: string, title: string, err: unknown, readFix: string): Check =>
  err instanceof CloudApiError && (err.status === 401 || err.status === 403)
    ? check(
        id,
        'warn',
        title,
        `could not read Activity Tracker Event Routing (${err.status}): ${err.message}`,
        [
          `the guard needs no access there; to let doctor check it, run doctor with a key that has Viewer on atracker, or: ${readFix}`,
        ],
      )
    : check(id, 'fail', title, `Activity Tracker Event Routing: ${errorMessage(err)}`, []);

/** What is wrong with a found target, or undefined when it writes the right topic of the right instance. */
const targetProblem = (want: EventStreamsTarget, got: AtTarget, topic: string): string | undefined => {
  if (got.target_type !== 'event_streams' || !got.eventstreams_endpoint)
    return `it is a ${got.target_type} target, not event_streams`;
  const es = got.eventstreams_endpoint;
  if (es.target_crn !== want.instance_crn)
    return `it writes to Event Streams instance ${es.target_crn}, the manifest says ${want.instance_crn}`;
  if (es.topic !== topic) return `it writes topic ${es.topic}; the app subscribes to ${topic}`;
  if (got.write_status.status === 'failed')
    return `its last write failed${got.write_status.reason_for_last_failure ? `: ${got.write_status.reason_for_last_failure}` : ''}`;
  return undefined;
};

const checkTargets = async (
  ctx: DoctorContext,
  readFix: string,
): Promise<{ checks: Check[]; good: Map<string, string> }> => {
  const at = ctx.deployment.activity_tracker;
  const good = new Map<string, string>();
  const checks: Check[] = [];
  for (const t of at?.targets ?? []) {
    const region = t.region ?? ctx.deployment.project.region;
    const topic = ctx.deployment.kafka?.topic ?? t.topic;
    const id = `activity-tracker:target:${t.name}`;
    const title = `Activity Tracker target ${t.name} writes topic ${topic}`;
    let found: AtTarget | undefined;
    try {
      const res = await cloudCall(ctx.atracker(region).listTargets({ region }));
      found = res.result.targets.find((x) => x.name === t.name);
    } catch (err) {
      checks.push(unreadable(id, title, err, readFix));
      continue;
    }
    if (!found) {
      checks.push(check(id, 'fail', title, `no target named ${t.name} in ${region}`, [DEPLOY_FIX]));
      continue;
    }
    const problem = targetProblem(t, found, topic);
    if (problem) {
      checks.push(check(id, 'fail', title, `target ${found.id}: ${problem}`, [DEPLOY_FIX]));
      continue;
    }
    good.set(t.name, found.id);
    checks.push(
      check(id, 'ok', title, `target ${found.id} in ${region}: ${found.eventstreams_endpoint?.target_crn}`),
    );
  }
  return { checks, good };
};

/** Locations the route sends nowhere useful: the first rule matching each must include a good target. */
const unrouted = (route: AtRoute, locations: readonly string[], goodIds: ReadonlySet<string>): string[] =>
  locations.filter((loc) => {
    const rule = route.rules.find((r) => r.locations.includes(loc) || r.locations.includes('*'));
    return !rule?.target_ids.some((id) => goodIds.has(id));
  });

const checkRoute = async (ctx: DoctorContext, good: Map<string, string>, readFix: string): Promise<Check> => {
  const at = ctx.deployment.activity_tracker;
  const id = 'activity-tracker:route';
  if (!at)
    return check(id, 'skip', 'Activity Tracker route', 'the manifest has no activity_tracker: section');
  const title = `Activity Tracker route ${at.route.name} reaches the topic`;
  let routes: AtRoute[];
  try {
    routes = (await cloudCall(ctx.atracker(ctx.deployment.project.region).listRoutes())).result.routes;
  } catch (err) {
    return unreadable(id, title, err, readFix);
  }
  const route = routes.find((r) => r.name === at.route.name);
  if (!route) return check(id, 'fail', title, `no route named ${at.route.name}`, [DEPLOY_FIX]);
  const locations = [...new Set(at.route.rules.flatMap((r) => r.locations))];
  const missing = unrouted(route, locations, new Set(good.values()));
  if (missing.length > 0)
    return check(
      id,
      'fail',
      title,
      `events of ${missing.join(', ')} do not reach a target that writes the app's topic${good.size === 0 ? ' (no target above is right)' : ''}`,
      [DEPLOY_FIX, 'a route change takes up to an hour to apply'],
    );
  return check(
    id,
    'ok',
    title,
    `route ${route.id}: ${locations.join(', ')} → ${[...good.keys()].join(', ')}`,
  );
};

const checkActivityTracker = async (ctx: DoctorContext, readFix: string): Promise<Check[]> => {
  if (!ctx.deployment.activity_tracker)
    return [
      check(
        'activity-tracker:route',
        'skip',
        'Activity Tracker route',
        'the manifest has no activity_tracker: section',
      ),
    ];
  const { checks, good } = await checkTargets(ctx, readFix);
  return [...checks, await checkRoute(ctx, good, readFix)];
};

export { checkActivityTracker };
