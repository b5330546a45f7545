// Fuzzing the entry points with invalid or foreign input: real events (events/fixtures/at) mutated so
// that none may ever be acted on — a CRN segment made wrong (version, cloud name and type, service,
// account, resource type, id), a foreign account, `__proto__` keys, non-JSON, huge and deep bodies —
// wrapped in every envelope. Each entry point must not throw, must not answer 5xx, and the emulator's
// journal must show no write. A second fuzz file (e.g. revert's record reader) reuses `mutatedEvent`,
// `startFuzzWorld` and `writesSince`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { JournalEntry } from '#emulator/core/journal.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { createApp } from '#functions/app/index.ts';
import type { Candidate } from '#functions/cos-job/at-log.ts';
import { processEvents } from '#functions/cos-job/process.ts';
import { createMain as instanceMain } from '#functions/instance-guard/index.ts';
import { createMain as profileMain } from '#functions/profile-guard/index.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import type { CeResponse, HttpRequestLike } from '#shared/runtime/ce-params.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import { buildDelivery, ENVELOPE_KINDS, type HttpDelivery, paramsFromDelivery } from './deliveries.ts';
import { adminClient, envFor, withEmulator } from './emulator.ts';

type AtEventLike = Record<string, unknown> & { target: { id: string } };

const FIXTURES = fileURLToPath(new URL('../../events/fixtures/at/', import.meta.url));

/** One real event per action the guards handle (the fuzz's seeds). */
const SEEDS: readonly AtEventLike[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as AtEventLike);

/** A 32-hex account that is not the emulator's: valid in shape, foreign to the guard. */
const FOREIGN_ACCOUNT = 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0';

/** Bad values per CRN segment (index in the `:`-split CRN); each makes the CRN one never acted on. */
const BAD_SEGMENTS: readonly (readonly [number, readonly string[]])[] = [
  [1, ['v2', 'V1', '', '__proto__']],
  [2, ['staging', 'bluemix-staging', '', 'constructor']],
  [3, ['private', 'local', '']],
  [4, ['kms', 'cloud-object-storage', 'IS', '', '__proto__']],
  [
    6,
    ['a/__proto__', 'a/acct', 'a/', 'o/0123', `a/${FOREIGN_ACCOUNT}`, 'a/7C4F2E9A1B3D4C5E8F6A0B1C2D3E4F5A'],
  ],
  [8, ['volume', 'instance-group', 'Profile', '', '__proto__']],
  [9, ['', '../../x', '__proto__/../x', 'a:b', 'x'.repeat(300), '%2e%2e', 'id with space']],
];

const withSegment = (crn: string, index: number, value: string): string => {
  const parts = crn.split(':');
  parts[index] = value;
  return parts.join(':');
};

/** What else a mutated event may carry: `__proto__` keys, a big message, deep request data. */
const EXTRAS = {
  none: (e: AtEventLike): AtEventLike => e,
  'proto-top': (e: AtEventLike): AtEventLike =>
    JSON.parse(`{"__proto__":{"action":"is.instance.instance.update"},${JSON.stringify(e).slice(1)}`),
  'proto-target': (e: AtEventLike): AtEventLike => ({
    ...e,
    target: JSON.parse(`{"__proto__":{"id":"x"},${JSON.stringify(e.target).slice(1)}`),
  }),
  'big-message': (e: AtEventLike): AtEventLike => ({ ...e, message: 'm'.repeat(50_000) }),
  'deep-data': (e: AtEventLike): AtEventLike => ({
    ...e,
    requestData: JSON.parse(`${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`),
  }),
} satisfies Record<string, (e: AtEventLike) => AtEventLike>;

/** A real event whose target CRN can never be acted on (invalid, or in a foreign account). */
const mutatedEvent: fc.Arbitrary<AtEventLike> = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.constantFrom(...BAD_SEGMENTS),
    fc.nat(),
    fc.boolean(),
    fc.constantFrom(...(Object.keys(EXTRAS) as (keyof typeof EXTRAS)[])),
  )
  .map(([seed, [index, values], pick, prototype, extra]) => {
    const event = structuredClone(seed);
    const id = withSegment(event.target.id, index, values[pick % values.length] ?? '');
    event.target = { ...event.target, id: prototype ? id.replace(/::/, ':a/__proto__:') : id };
    return EXTRAS[extra](event);
  });

/** An HTTP delivery of raw bytes (anything but a valid event). */
const rawDelivery = (body: string, headers: Record<string, string>): HttpDelivery => ({
  method: 'POST',
  path: '/',
  headers,
  body,
});

/** Text that is not JSON, JSON that is no event, absurd nesting, and a body over Code Engine's 5 MB. */
const hostileBody = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 200 }).map((t) => `{${t}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '[]',
      '{}',
      'null',
      '"x"',
      '[1,2]',
      '{"__proto__":{"action":"is.instance.instance.update"}}',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  },
  { weight: 1, arbitrary: fc.constant(`"${'x'.repeat(5 * 1024 * 1024 + 10)}"`) },
);

interface FuzzInput {
  /** What makes this input invalid or foreign, for failure messages. */
  why: string;
  delivery: HttpDelivery;
  /** The same content as lines of an Activity Tracker object in COS. */
  lines: Candidate[];
}

/** Every envelope around a mutated event, or a hostile body with the headers of one. */
const invalidInput: fc.Arbitrary<FuzzInput> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(mutatedEvent, fc.constantFrom(...ENVELOPE_KINDS)).map(([event, kind]) => ({
      why: `${kind} of ${String(event.action)} on ${String(event.target.id).slice(0, 120)}`,
      delivery: buildDelivery(kind, event),
      lines: [{ line: 1, value: event }],
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        hostileBody,
        fc.constantFrom<Record<string, string>>(
          { 'content-type': 'application/json' },
          { 'ce-type': 'dev.knative.kafka.event', 'ce-id': 'partition:0/offset:1', 'ce-source': 's' },
          { 'content-type': 'application/cloudevents+json' },
        ),
      )
      .map(([body, headers]) => ({
        why: `hostile body (${body.length} bytes) ${body.slice(0, 40)}`,
        delivery: rawDelivery(body, headers),
        lines: [{ line: 1, problem: 'not JSON' }],
      })),
  },
);

const isWrite = (e: JournalEntry): boolean =>
  e.method !== 'GET' && e.method !== 'HEAD' && e.path !== '/identity/token';

const POLICY = {
  instances: { default: { mode: 'disable' } },
  profiles: { ticket: { sink: 'case-management' } },
};

/** An emulator (the demo scenario) and every entry point, configured against it as one warm container. */
const startFuzzWorld = async () => {
  const emu: RunningEmulator = await withEmulator();
  const admin = adminClient(emu.url);
  const env = envFor(emu.url, 'imds-guard-demo-key', { IMDS_GUARD_POLICY: JSON.stringify(POLICY) });
  const overrides = { env, logger: memoryLogger() };
  const runtimes = {
    'instance-guard': runtimeLoader('instance-guard', overrides),
    'profile-guard': runtimeLoader('profile-guard', overrides),
  };
  const entries = {
    'instance-guard main': instanceMain(overrides),
    'profile-guard main': profileMain(overrides),
    app: createApp(overrides),
  };
  return {
    emu,
    admin,
    entries,
    /** The COS job's line processor on the same content. */
    cosLines: (lines: Candidate[]) => processEvents(runtimes, lines, 'cos://fuzz/object.log'),
    close: () => emu.close(),
  };
};

type FuzzWorld = Awaited<ReturnType<typeof startFuzzWorld>>;

/** Writes the emulator saw after `since` (the token request is no write). */
const writesSince = async (world: Pick<FuzzWorld, 'admin'>, since: number): Promise<JournalEntry[]> =>
  (await world.admin.journal({ since })).filter(isWrite);

const httpOf = (d: HttpDelivery): HttpRequestLike => ({
  method: d.method,
  path: d.path,
  query: '',
  headers: d.headers,
  body: Buffer.from(typeof d.body === 'string' ? d.body : JSON.stringify(d.body), 'utf8'),
});

/** One input through every entry point; the problems found (empty when all held). */
const runEntryPoints = async (world: FuzzWorld, input: FuzzInput): Promise<string[]> => {
  const problems: string[] = [];
  const check = async (name: string, call: () => Promise<CeResponse>): Promise<void> => {
    try {
      const res = await call();
      if (res.statusCode >= 500) problems.push(`${name} answered ${res.statusCode} for ${input.why}`);
    } catch (err) {
      problems.push(`${name} threw ${String(err)} for ${input.why}`);
    }
  };
  const params = paramsFromDelivery(input.delivery);
  await check('instance-guard main', () => world.entries['instance-guard main'](params));
  await check('profile-guard main', () => world.entries['profile-guard main'](params));
  await check('app', () => world.entries.app(httpOf(input.delivery)));
  try {
    const out = await world.cosLines(input.lines);
    if (out.retry) problems.push(`the COS job asked for a rerun for ${input.why}`);
  } catch (err) {
    problems.push(`the COS job threw ${String(err)} for ${input.why}`);
  }
  return problems;
};

export type { FuzzInput, FuzzWorld };
export { invalidInput, isWrite, mutatedEvent, runEntryPoints, SEEDS, startFuzzWorld, writesSince };
