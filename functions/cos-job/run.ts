// The COS job: a Code Engine COS subscription runs it for every write to the Activity Tracker bucket
// (CE_DATA = the notification, CE-COS). It reads the object, runs every event through the guards and
// records completion durably — a marker object `<marker-prefix>/<bucket>/<key>@<etag>`, written with
// `If-None-Match: *` — because one write can produce several notifications (CE-COSDUP): a notification
// for an object whose marker exists is `ignored`. Exit 1 (Code Engine reruns the index) only when
// something must be retried; the marker is written only when nothing must.
import { type DecodeResult, decodeDelivery } from '#events/decode.ts';
import { type DeliveryRequest, requestFromJobEnv } from '#events/request.ts';
import type { GuardFunction } from '#events/routes.ts';
import { type DecisionRecord, logDecision, type Outcome } from '#shared/audit/decision.ts';
import { createLogger, type Logger } from '#shared/audit/logger.ts';
import { type FlushOptions, flushTrail } from '#shared/audit/trail/index.ts';
import { markerKey } from '#shared/audit/trail/names.ts';
import { openStore } from '#shared/audit/trail/open.ts';
import {
  describeFailure,
  isRetryable,
  type ObjectStore,
  type StoreFailure,
} from '#shared/audit/trail/types.ts';
import { type Config, loadConfig } from '#shared/config.ts';
import { errorMessage } from '#shared/errors.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import { type Decided, type GuardRuntime, recordFor } from '#shared/runtime/records.ts';
import { sleep as defaultSleep } from '#shared/runtime/retry.ts';
import { parseAtLog } from './at-log.ts';
import { processEvents, type Runtimes } from './process.ts';

interface JobOptions {
  env: Record<string, string | undefined>;
  logger?: Logger;
  now?: () => Date;
  /** Tests (and a host that already has one) hand over the store; otherwise it is opened from config. */
  store?: ObjectStore;
  trail?: FlushOptions;
  sleep?: (ms: number) => Promise<void>;
}

type JobStatus = 'processed' | 'already-processed' | 'ignored' | 'refused' | 'retry';

interface JobResult {
  /** The process exit code: 1 asks Code Engine to run this index again. */
  exitCode: 0 | 1;
  status: JobStatus;
  decisions: DecisionRecord[];
  /** The object read, as `cos://bucket/key`, and its completion marker (written or found). */
  object?: string;
  marker?: string;
}

interface Ctx {
  config: Config;
  logger: Logger;
  runtimes: Runtimes;
  /** The runtime object-level records are written with (the job's decisions about an object). */
  rt: GuardRuntime;
  options: JobOptions;
  decided: Decided[];
  started: number;
}

const MARKER_ATTEMPTS = 4;

/** An object-level decision (not about one event): logged at once, kept for the trail. */
const note = (
  ctx: Ctx,
  outcome: Outcome,
  reason: string,
  detail: Record<string, unknown> = {},
  eventId: string | null = null,
): void => {
  const record = recordFor(
    ctx.rt,
    undefined,
    { outcome, reason, event_id: eventId, detail: { via: 'cos-job', ...detail } },
    ctx.started,
  );
  logDecision(ctx.logger, record);
  ctx.decided.push({ record });
};

const finish = async (ctx: Ctx, status: JobStatus, extra: Partial<JobResult> = {}): Promise<JobResult> => {
  let exitCode: 0 | 1 = status === 'retry' ? 1 : 0;
  const state = { pending: [] };
  const trail = await flushTrail(
    ctx.rt,
    state,
    'cos-job',
    ctx.decided.map((d) => d.record),
    ctx.options.trail,
  );
  // A trail that could be written later is a reason to run again; a misconfigured one is only logged.
  if (!trail.ok && trail.retryable) exitCode = 1;
  return {
    exitCode,
    status: exitCode === 1 ? 'retry' : status,
    decisions: ctx.decided.map((d) => d.record),
    ...extra,
  };
};

/** Writes the completion marker; a clash means another run finished first, which is just as good. */
const putMarker = async (
  ctx: Ctx,
  store: ObjectStore,
  bucket: string,
  key: string,
  body: Buffer,
): Promise<StoreFailure | undefined> => {
  const sleep = ctx.options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    const put = await store.put(bucket, key, body, { contentType: 'application/json', ifNoneMatch: true });
    if (put.ok || put.failure.kind === 'clash') return undefined;
    if (!isRetryable(put.failure) || attempt >= MARKER_ATTEMPTS) return put.failure;
    await sleep(Math.max(put.failure.retryAfterMs ?? 0, 250 * 2 ** (attempt - 1)));
  }
};

const isOwnKey = (config: Config, key: string): boolean =>
  [config.cosJob.markerPrefix, config.trail.prefix].some((p) => p !== '' && key.startsWith(`${p}/`));

/** The object a notification is about, as its records name it. */
interface CosObject {
  bucket: string;
  key: string;
  /** `cos://bucket/key`. */
  object: string;
  id: string | null;
  at: { cos_object: string };
}

/** Its completion marker: `cos://…`, and where it is stored. */
interface Marker {
  uri: string;
  bucket: string;
  key: string;
}

/** The object's events through the guards; then, with the trail written, its completion marker. */
const processObject = async (
  ctx: Ctx,
  store: ObjectStore,
  { bucket, key, object, id, at }: CosObject,
  etag: string,
  marker: Marker,
  data: Buffer,
): Promise<JobResult> => {
  const log = parseAtLog(data);
  const processed = await processEvents(ctx.runtimes, log.candidates, object);
  ctx.decided.push(...processed.decided);
  if (log.candidates.length === 0)
    note(ctx, 'ignored', `the object holds no events (${data.length} bytes)`, at, id);
  const outcomes: Record<string, number> = {};
  for (const d of processed.decided) outcomes[d.record.outcome] = (outcomes[d.record.outcome] ?? 0) + 1;
  ctx.logger.info('cos object processed', {
    object,
    etag,
    format: log.format,
    gzip: log.gzip,
    events: log.candidates.length - log.problems.length,
    bad_lines: log.problems.length,
    outcomes,
  });
  if (processed.retry) return finish(ctx, 'retry', { object });
  const result = await finish(ctx, 'processed', { object, marker: marker.uri });
  // The trail must be written before the object counts as done: otherwise a rerun would not rewrite it.
  if (result.exitCode === 1) return { ...result, marker: undefined };
  const body = Buffer.from(
    `${JSON.stringify({ bucket, key, etag, processed_at: ctx.rt.now().toISOString(), events: log.candidates.length - log.problems.length, outcomes })}\n`,
  );
  const failed = await putMarker(ctx, store, marker.bucket, marker.key, body);
  if (!failed) return result;
  ctx.logger.warn('completion marker not written; the object will be processed again', {
    marker: marker.uri,
    error: describeFailure(failed),
  });
  return { ...result, exitCode: 1, status: 'retry', marker: undefined };
};

/** Head the object, skip a version already processed (its marker exists), read it, process it. */
const readObject = async (ctx: Ctx, store: ObjectStore, o: CosObject): Promise<JobResult> => {
  const { bucket, key, object, id, at } = o;
  const head = await store.head(bucket, key);
  if (!head.ok) {
    if (head.failure.kind === 'not-found') {
      note(ctx, 'gone', 'the object was deleted before it could be read', at, id);
      return finish(ctx, 'ignored', { object });
    }
    note(ctx, 'failed', `cannot read the object: ${describeFailure(head.failure)}`, at, id);
    return finish(ctx, 'retry', { object });
  }
  const markerBucket = ctx.config.cosJob.markerBucket ?? bucket;
  const uri = `cos://${markerBucket}/${markerKey(ctx.config.cosJob.markerPrefix, bucket, key, head.etag)}`;
  const marker: Marker = { uri, bucket: markerBucket, key: uri.slice(`cos://${markerBucket}/`.length) };
  const seen = await store.head(marker.bucket, marker.key);
  if (seen.ok) {
    // `ignored` decisions log at debug; a skipped job run should still say why at the default level.
    ctx.logger.info('cos object already processed', { object, marker: uri });
    note(
      ctx,
      'ignored',
      'duplicate notification: this version of the object was already processed',
      { ...at, marker: uri },
      id,
    );
    return finish(ctx, 'already-processed', { object, marker: uri });
  }
  // A marker that cannot be checked is treated as absent: processing again is safe (the guards re-read).
  if (seen.failure.kind !== 'not-found')
    ctx.logger.warn('cannot check the completion marker; processing anyway', {
      marker: uri,
      error: describeFailure(seen.failure),
    });
  const got = await store.get(bucket, key);
  if (!got.ok) {
    const gone = got.failure.kind === 'not-found';
    note(ctx, gone ? 'gone' : 'failed', `cannot read the object: ${describeFailure(got.failure)}`, at, id);
    return finish(ctx, gone ? 'ignored' : 'retry', { object });
  }
  return processObject(ctx, store, o, head.etag, marker, got.body);
};

/** A COS notification: ignore deletes and our own objects, open the store, read the object. */
const handleCos = async (
  ctx: Ctx,
  delivery: Extract<DecodeResult, { ok: true; kind: 'cos' }>,
): Promise<JobResult> => {
  const { bucket, key, operation } = delivery.cos;
  const object = `cos://${bucket}/${key}`;
  const id = delivery.deliveryId ?? null;
  const at = { cos_object: object };
  if (/delete/i.test(operation)) {
    note(ctx, 'ignored', `${operation}: a deleted object has no events to read`, at, id);
    return finish(ctx, 'ignored', { object });
  }
  if (isOwnKey(ctx.config, key)) {
    note(ctx, 'ignored', 'an object imds-guard wrote itself (marker or trail)', at, id);
    return finish(ctx, 'ignored', { object });
  }
  let store: ObjectStore;
  try {
    store = ctx.options.store ?? (await openStore(ctx.config, ctx.config.cosJob.connection));
  } catch (err) {
    note(ctx, 'failed', `cannot open object storage: ${errorMessage(err)}`, at, id);
    return finish(ctx, 'retry', { object });
  }
  return readObject(ctx, store, { bucket, key, object, id, at });
};

/** Any delivery that reaches the job: a COS notification (the point), or AT events handed over directly. */
const handleDelivery = async (ctx: Ctx, delivery: DecodeResult): Promise<JobResult> => {
  if (!delivery.ok) {
    // Bad input does not get better by running again.
    note(ctx, 'refused', delivery.reason, {}, delivery.deliveryId ?? null);
    return finish(ctx, 'refused');
  }
  if (delivery.kind === 'cos') return handleCos(ctx, delivery);
  if (delivery.events.length === 0) {
    note(
      ctx,
      'ignored',
      `${delivery.kind} delivery without events: nothing for the COS job`,
      {},
      delivery.deliveryId ?? null,
    );
    return finish(ctx, 'ignored');
  }
  const processed = await processEvents(
    ctx.runtimes,
    delivery.events.map((e) => ({ line: 1, value: e.event })),
    `delivery:${delivery.deliveryId ?? 'unknown'}`,
  );
  ctx.decided.push(...processed.decided);
  return finish(ctx, processed.retry ? 'retry' : 'processed');
};

/** Runs the job for one delivery request (job env, or an app's HTTP request). */
const runCosDelivery = async (request: DeliveryRequest, options: JobOptions): Promise<JobResult> => {
  const started = performance.now();
  const config = loadConfig(options.env);
  const logger = options.logger ?? createLogger({ level: config.logLevel, fields: { component: 'cos-job' } });
  const overrides = { env: options.env, logger, ...(options.now ? { now: options.now } : {}) };
  const runtimes = {
    'instance-guard': runtimeLoader('instance-guard', overrides),
    'profile-guard': runtimeLoader('profile-guard', overrides),
  } satisfies Record<GuardFunction, () => Promise<GuardRuntime>>;
  const rt = await runtimes['instance-guard']();
  const ctx: Ctx = { config, logger, runtimes, rt, options, decided: [], started };
  return handleDelivery(ctx, decodeDelivery(request));
};

/** Code Engine job run: the CloudEvent is in CE_DATA and CE_* (CE-COS), or EN's `ibmendata`. */
const runCosJob = async (options: JobOptions): Promise<JobResult> =>
  runCosDelivery(requestFromJobEnv(options.env), options);

/** `node index.js` in the job container: one run, its exit code; a failure is logged and retried (1). */
const runAsProcess = (env: Record<string, string | undefined> = process.env): void => {
  runCosJob({ env }).then(
    (result) => {
      process.exitCode = result.exitCode;
    },
    (err: unknown) => {
      // Configuration errors and the like: visible in the job run's log, and the index is retried.
      const error = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${JSON.stringify({ level: 'error', message: 'cos-job failed', error })}\n`);
      process.exitCode = 1;
    },
  );
};

export type { JobOptions, JobResult, JobStatus };
export { runAsProcess, runCosDelivery, runCosJob };
