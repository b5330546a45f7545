// Manifest checks of how events arrive: cron destinations, the Kafka subscription, and whether Activity
// Tracker routes the watched regions' events to it.
import { suggestion } from '../policy/blocks.ts';
import type { DocPath, Policy } from '../policy/schema.ts';
import { checkDuplicates, KAFKA_SECRET_KEYS, type ManifestProblem } from './references-common.ts';
import { checkSecretRef } from './references-components.ts';
import type { CronDestinationType, Manifest } from './schema.ts';

const checkCron = (m: Manifest, problems: ManifestProblem[]): void => {
  checkDuplicates(
    m.cron.map((c) => c.name),
    (i) => ['cron', i, 'name'],
    'cron subscription',
    problems,
  );
  const byType: Record<CronDestinationType, string[]> = {
    function: m.functions.map((f) => f.name),
    job: m.job ? [m.job.name] : [],
    app: m.app ? [m.app.name] : [],
  };
  m.cron.forEach((cron, i) => {
    const path: DocPath = ['cron', i, 'destination'];
    const all = [...byType.function, ...byType.job, ...byType.app];
    if (cron.destination_type !== undefined) {
      const names = byType[cron.destination_type];
      if (!names.includes(cron.destination)) {
        problems.push({
          severity: 'error',
          path,
          message: `${cron.destination_type} "${cron.destination}" is not defined in this manifest${suggestion(cron.destination, names)}`,
        });
      }
    } else {
      const types = (Object.keys(byType) as CronDestinationType[]).filter((t) =>
        byType[t].includes(cron.destination),
      );
      if (types.length === 0) {
        problems.push({
          severity: 'error',
          path,
          message: `cron destination "${cron.destination}" is not a function, job or app of this manifest${suggestion(cron.destination, all)}`,
        });
      } else if (types.length > 1) {
        problems.push({
          severity: 'error',
          path,
          message: `"${cron.destination}" names a ${types.join(' and a ')}; set destination_type`,
        });
      }
    }
    if (cron.data !== undefined && /json/i.test(cron.content_type)) {
      try {
        JSON.parse(cron.data);
      } catch {
        problems.push({
          severity: 'error',
          path: ['cron', i, 'data'],
          message: `data is sent as ${cron.content_type} but is not JSON; write it as a mapping, or set content_type: text/plain`,
        });
      }
    }
  });
};

const checkKafka = (m: Manifest, problems: ManifestProblem[]): void => {
  const kafka = m.kafka;
  if (!kafka) return;
  const path: DocPath = ['kafka', 'destination'];
  if (m.functions.some((f) => f.name === kafka.destination)) {
    problems.push({
      severity: 'error',
      path,
      message: `"${kafka.destination}" is a function, and Code Engine delivers Kafka events only to apps and jobs; point the subscription at the app`,
    });
  } else if (m.job?.name === kafka.destination) {
    problems.push({
      severity: 'error',
      path,
      message: `"${kafka.destination}" is the job: every Kafka message would start a job run, and past 100 job runs per project events are lost; point the subscription at the app`,
    });
  } else if (!m.app) {
    problems.push({
      severity: 'error',
      path,
      message:
        'Kafka subscriptions deliver to an app (Code Engine cannot deliver Kafka events to functions); add an app: section',
    });
  } else if (m.app.name !== kafka.destination) {
    problems.push({
      severity: 'error',
      path,
      message: `Kafka destination "${kafka.destination}" is not the app of this manifest${suggestion(kafka.destination, [m.app.name])}`,
    });
  }
  checkSecretRef(
    m,
    kafka.secret,
    ['kafka', 'secret'],
    problems,
    KAFKA_SECRET_KEYS,
    'Event Streams: username token, password the API key',
  );
  const topics = m.activity_tracker?.targets.map((t) => t.topic) ?? [];
  if (m.activity_tracker && !topics.includes(kafka.topic)) {
    problems.push({
      severity: 'warning',
      path: ['kafka', 'topic'],
      message: `no Activity Tracker target writes to topic "${kafka.topic}" (targets write to ${topics.join(', ')}); the app would receive no events from this manifest's route`,
    });
  }
};

/** Whether a route location sends a region's events (a rule `us-south` also covers its zones). */
const routes = (locations: readonly string[], region: string): boolean =>
  locations.includes('*') || locations.includes(region);

const checkActivityTracker = (m: Manifest, policy: Policy | undefined, problems: ManifestProblem[]): void => {
  const at = m.activity_tracker;
  if (!at) return;
  const names = at.targets.map((t) => t.name);
  checkDuplicates(names, (i) => ['activity_tracker', 'targets', i, 'name'], 'target', problems);
  at.route.rules.forEach((rule, r) => {
    rule.targets.forEach((target, t) => {
      if (!names.includes(target)) {
        problems.push({
          severity: 'error',
          path: ['activity_tracker', 'route', 'rules', r, 'targets', t],
          message: `target "${target}" is not defined under activity_tracker.targets${suggestion(target, names)}`,
        });
      }
    });
  });
  const locations = at.route.rules.flatMap((rule) => rule.locations);
  if (!routes(locations, 'global')) {
    problems.push({
      severity: 'warning',
      path: ['activity_tracker', 'route', 'rules'],
      message:
        'no rule routes location global: IAM events (trusted profiles, policies, access groups) are global, so profile-guard would never hear of a change',
    });
  }
  // Regions the policy names explicitly should be routed; the cron sweep still covers any that are not.
  const regions = new Set(
    (policy?.instances.rules ?? [])
      .flatMap((rule) => rule.match.regions ?? [])
      .filter((r) => !/[*?]/.test(r)),
  );
  for (const region of regions) {
    if (!routes(locations, region)) {
      problems.push({
        severity: 'warning',
        path: ['activity_tracker', 'route', 'rules'],
        message: `the policy has rules for region ${region}, but no route rule sends ${region} events; changes there are only caught by the sweep`,
      });
    }
  }
};

export { checkActivityTracker, checkCron, checkKafka, routes };
