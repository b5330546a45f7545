// The subscriptions plan section: cron subscriptions (to a function, job or app) and the Kafka
// subscription that delivers the Activity Tracker stream to the app.
import type { Cron, Deployment, Kafka } from '../schema.ts';
import { ceStep, type ExistingState, type Part, type PlanSection, type Step } from './types.ts';

/** The destination's type: as declared, else whichever component bears its name (function, job, app). */
const destinationType = (d: Deployment, cron: Cron): string =>
  cron.destination_type ??
  (d.functions.some((f) => f.name === cron.destination)
    ? 'function'
    : d.job?.name === cron.destination
      ? 'job'
      : 'app');

const cronStep = (d: Deployment, cron: Cron, s: ExistingState): Step =>
  ceStep('cron', ['sub', 'cron'], cron.name, s.crons, () => [
    '--destination',
    cron.destination,
    '--destination-type',
    destinationType(d, cron),
    '--schedule',
    cron.schedule,
    '--time-zone',
    cron.time_zone,
    ...(cron.data !== undefined ? ['--data', cron.data, '--content-type', cron.content_type] : []),
  ]);

/** The Kafka subscription; its consumer group is set at creation only. */
const kafkaPart = (kafka: Kafka, s: ExistingState): Part => {
  const step = ceStep('kafka', ['sub', 'kafka'], kafka.name, s.kafkas, (verb) => [
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
  ]);
  const notes =
    step.verb === 'update' && kafka.consumer_group !== undefined
      ? [
          `Kafka subscription ${kafka.name} keeps its consumer group (Code Engine cannot change it after creation).`,
        ]
      : [];
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
