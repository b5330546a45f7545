// The subscriptions plan section: cron subscriptions (to a function, job or app) and the Kafka
// subscription that delivers the Activity Tracker stream to the app.
import type { Cron, Deployment, Kafka } from '../schema.ts';
import type { ExistingState, Part, PlanSection, Step } from './types.ts';

/** The destination's type: as declared, else whichever component bears its name (function, job, app). */
const destinationType = (d: Deployment, cron: Cron): string =>
  cron.destination_type ??
  (d.functions.some((f) => f.name === cron.destination)
    ? 'function'
    : d.job?.name === cron.destination
      ? 'job'
      : 'app');

const cronStep = (d: Deployment, cron: Cron, s: ExistingState): Step => {
  const verb = s.crons.has(cron.name) ? 'update' : 'create';
  return {
    kind: 'cron',
    name: cron.name,
    verb,
    comment: [],
    argv: [
      'ce',
      'sub',
      'cron',
      verb,
      '--name',
      cron.name,
      '--destination',
      cron.destination,
      '--destination-type',
      destinationType(d, cron),
      '--schedule',
      cron.schedule,
      '--time-zone',
      cron.time_zone,
      ...(cron.data !== undefined ? ['--data', cron.data, '--content-type', cron.content_type] : []),
    ],
  };
};

/** The Kafka subscription; its consumer group is set at creation only. */
const kafkaPart = (kafka: Kafka, s: ExistingState): Part => {
  const verb = s.kafkas.has(kafka.name) ? 'update' : 'create';
  const notes =
    verb === 'update' && kafka.consumer_group !== undefined
      ? [
          `Kafka subscription ${kafka.name} keeps its consumer group (Code Engine cannot change it after creation).`,
        ]
      : [];
  const step: Step = {
    kind: 'kafka',
    name: kafka.name,
    verb,
    comment: [],
    argv: [
      'ce',
      'sub',
      'kafka',
      verb,
      '--name',
      kafka.name,
      '--destination',
      kafka.destination,
      '--destination-type',
      'app',
      ...(kafka.path !== '/' ? ['--path', kafka.path] : []),
      '--topic',
      kafka.topic,
      ...kafka.brokers.flatMap((b) => ['--broker', b]),
      '--secret',
      kafka.secret,
      ...(verb === 'create' && kafka.consumer_group !== undefined
        ? ['--consumer-group', kafka.consumer_group]
        : []),
    ],
  };
  return { steps: [step], notes };
};

const subscriptionSection = (d: Deployment, s: ExistingState): PlanSection => {
  const kafka = d.kafka ? kafkaPart(d.kafka, s) : { steps: [], notes: [] };
  return {
    title: 'Subscriptions',
    notes: kafka.notes,
    steps: [...d.cron.map((cron) => cronStep(d, cron, s)), ...kafka.steps],
  };
};

export { subscriptionSection };
