// The cron, kafka and activity_tracker sections: how events reach the guard.
import * as v from 'valibot';
import { section } from '../../policy/schema.ts';
import {
  ConfigName,
  CRON_DESTINATION_TYPES,
  componentName,
  EnvName,
  LIMITS,
  Region,
  Text,
} from './common.ts';

/** Event Streams instance CRN: `crn:v1:bluemix:public:messagehub:<region>:a/<account>:<guid>::`. */
const EventStreamsCrn = v.pipe(
  v.string('expected the CRN of the Event Streams instance'),
  v.trim(),
  v.regex(
    /^crn:v1:[a-z]+:[a-z]+:messagehub:[a-z0-9-]+:a\/[0-9a-f]{32}:[0-9a-f-]{36}::$/,
    'expected an Event Streams instance CRN: crn:v1:bluemix:public:messagehub:<region>:a/<account id>:<instance guid>::',
  ),
);

const Broker = v.pipe(
  v.string('expected a broker host:port'),
  v.trim(),
  v.regex(
    /^[A-Za-z0-9.-]+:\d{1,5}$/,
    'expected a broker as host:port, such as broker-0-xyz.kafka.svc07.us-south.eventstreams.cloud.ibm.com:9093',
  ),
);

const Brokers = v.pipe(
  v.array(Broker, 'expected a list of brokers'),
  v.minLength(1, 'list at least one broker'),
);

const Topic = v.pipe(
  v.string('expected a topic name'),
  v.trim(),
  v.regex(
    /^[A-Za-z0-9._-]{1,249}$/,
    'a Kafka topic name holds letters, digits, periods, underscores and hyphens (≤ 249)',
  ),
);

const isValidTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const TimeZone = v.pipe(
  v.string('expected a time zone such as UTC or Europe/Berlin'),
  v.trim(),
  v.check(isValidTimeZone, 'expected an IANA time zone such as UTC or Europe/Berlin'),
);

/** Five fields (minute hour day-of-month month day-of-week), like "0 * * * *" or "0 3 * * 1". */
const CronSchedule = v.pipe(
  v.string('expected a cron schedule such as "0 * * * *"'),
  v.trim(),
  v.check((s) => {
    const fields = s.split(/\s+/);
    return fields.length === 5 && fields.every((f) => /^[0-9A-Za-z*/,-]+$/.test(f));
  }, 'expected a five-field cron schedule such as "0 * * * *" (minute hour day month weekday)'),
);

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Cron data: text as is, or a mapping sent as JSON (the usual case). */
const CronData = v.pipe(
  v.union([v.string(), v.record(v.string(), v.unknown())], 'expected text or a mapping (sent as JSON)'),
  v.transform((d): string => (typeof d === 'string' ? d : JSON.stringify(d))),
  v.check(
    (d) => byteLength(d) <= LIMITS.cronDataBytes,
    `cron data is at most ${LIMITS.cronDataBytes} bytes (Code Engine limit)`,
  ),
);

const Cron = section({
  name: componentName('subscription'),
  schedule: CronSchedule,
  time_zone: v.nullish(TimeZone, 'UTC'),
  /** A function, job or app of this manifest. */
  destination: componentName('destination'),
  /** Only needed when a function and a job share the destination's name. */
  destination_type: v.optional(
    v.picklist(
      CRON_DESTINATION_TYPES,
      (issue) => `destination_type must be function, job or app (got ${issue.received})`,
    ),
  ),
  data: v.optional(CronData),
  content_type: v.nullish(Text, 'application/json'),
});

const Kafka = section({
  name: componentName('subscription'),
  brokers: Brokers,
  topic: Topic,
  /** Fixed at creation: Code Engine cannot change a subscription's consumer group later. */
  consumer_group: v.optional(Text),
  /** Declared secret with keys username (`token` for Event Streams) and password (the API key). */
  secret: ConfigName,
  /** The app (Kafka subscriptions cannot deliver to functions). */
  destination: componentName('destination'),
  path: v.nullish(
    v.pipe(v.string('expected a URL path'), v.trim(), v.startsWith('/', 'a path starts with /')),
    '/',
  ),
});

const TargetName = v.pipe(
  Text,
  v.regex(
    /^[A-Za-z0-9 ._-]+$/,
    'a target or route name holds letters, digits, spaces, periods, underscores and hyphens',
  ),
  v.maxLength(256, 'at most 256 characters'),
);

/** A route rule location: `global` (IAM and other account-wide events), a region, or `*` (everything). */
const Location = v.pipe(
  v.string('expected a location such as global or us-south'),
  v.trim(),
  v.regex(/^(global|\*|[a-z]{2}-[a-z]{2,5})$/, 'a location is global, * or a region such as us-south'),
);

const EventStreamsTarget = section({
  name: TargetName,
  /** Region of the Activity Tracker Event Routing endpoint that owns the target (default: the project's). */
  region: v.optional(Region),
  instance_crn: EventStreamsCrn,
  brokers: Brokers,
  topic: Topic,
  /** Left out → service-to-service authorization (preferred: no key). Else the variable holding an API key. */
  api_key_env: v.optional(EnvName),
});

const RouteRule = section({
  locations: v.pipe(
    v.array(Location, 'expected a list of locations'),
    v.minLength(1, 'list at least one location'),
    v.maxLength(LIMITS.atLocationsPerRule, `a route rule has at most ${LIMITS.atLocationsPerRule} locations`),
  ),
  targets: v.pipe(
    v.array(TargetName, 'expected a list of target names'),
    v.minLength(1, 'list at least one target'),
    v.maxLength(LIMITS.atTargetsPerRule, `a route rule sends to at most ${LIMITS.atTargetsPerRule} targets`),
  ),
});

const ActivityTracker = section({
  targets: v.pipe(
    v.array(EventStreamsTarget, 'expected a list of targets'),
    v.minLength(1, 'list at least one target'),
    v.maxLength(LIMITS.atTargetsPerAccount, `an account has at most ${LIMITS.atTargetsPerAccount} targets`),
  ),
  route: section({
    name: TargetName,
    rules: v.pipe(
      v.array(RouteRule, 'expected a list of rules'),
      v.minLength(1, 'list at least one rule'),
      v.maxLength(LIMITS.atRulesPerRoute, `a route has at most ${LIMITS.atRulesPerRoute} rules`),
    ),
  }),
});

type Cron = v.InferOutput<typeof Cron>;
type Kafka = v.InferOutput<typeof Kafka>;
type ActivityTracker = v.InferOutput<typeof ActivityTracker>;
type EventStreamsTarget = v.InferOutput<typeof EventStreamsTarget>;

export { ActivityTracker, byteLength, Cron, EventStreamsTarget, Kafka };
