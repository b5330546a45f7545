// Revert's record reader under fuzzing (issue 9, "Must show"): mutated real decision records — wrong
// service, cloud name or account, bad ids, out-of-range `before` values, `__proto__`, huge and deep
// values, broken JSON — must never make it throw, and the emulator's journal must show no call at all
// for a record that is invalid or foreign. 1,000 runs each here; `npm run bench` may run more.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { revertRecords } from '#functions/instance-guard/revert.ts';
import { checkRecord, readRecords } from '#functions/instance-guard/revert-input.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';
import { type RevertWorld, startRevertWorld } from './support.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const VPC_CRN =
  /^crn:v1:bluemix:public:is:[a-z]{2}-[a-z]+(-[1-9])?:a\/[0-9a-f]{32}::(instance|instance-template):/;

let world: RevertWorld;
let rt: GuardRuntime;
let seeds: DecisionRecord[];

beforeAll(async () => {
  world = await startRevertWorld();
  rt = await world.runtime();
  const instance = await world.remediate('batch-01');
  const profile = {
    ...instance,
    fn: 'profile-guard',
    target_crn: `crn:v1:bluemix:public:iam-identity::a/${'0'.repeat(32)}::profile:Profile-9fd84246-7df4-4667-94e4-8ecde51d5ac5`,
  } as DecisionRecord;
  seeds = [instance, await world.templateRecord(), profile];
});

afterAll(async () => {
  await world.close();
});

type Rec = Record<string, unknown>;

const nested = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;

/** Odd values an edited record may carry anywhere (deep ones stay printable by the test itself). */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('__proto__', 'constructor', '', '../../x', 'x'.repeat(100_000), null, -1, 1e300, 65, 0),
  fc.integer({ min: 100, max: 1000 }).map((n) => JSON.parse(nested(n)) as unknown),
);

/** A decision line whose field is nested far deeper than JSON.stringify can print back. */
const deepLine = fc
  .record({
    n: fc.integer({ min: 5_000, max: 20_000 }),
    field: fc.constantFrom('before', 'after', 'fn', 'target_crn', 'detail'),
  })
  .map(({ n, field }) => `{"message":"decision","outcome":"remediated","fn":"scan","${field}":${nested(n)}}`);

/** Changes that make any instance or template record invalid or foreign, whatever else it says. */
const INVALIDATORS: ((r: Rec) => Rec)[] = [
  (r) => ({ ...r, target_crn: String(r.target_crn).replace(/a\/[0-9a-f]{32}/, `a/${'f'.repeat(32)}`) }),
  (r) => ({ ...r, target_crn: String(r.target_crn).replace(':is:', ':kms:') }),
  (r) => ({ ...r, target_crn: String(r.target_crn).replace(':public:', ':staging:') }),
  (r) => ({ ...r, target_crn: 'crn:v1:bluemix:public:is:us-south-1:a/__proto__::instance:../../x' }),
  (r) => ({ ...r, target_crn: `${String(r.target_crn)}/../x` }),
  (r) => ({ ...r, fn: 'profile-guard' }),
  (r) => ({ ...r, fn: 'revert' }),
  (r) => ({
    ...r,
    detail: {
      kind: (r.detail as Rec | undefined)?.kind === 'instance-template' ? 'instance' : 'instance-template',
    },
  }),
  (r) => ({ ...r, before: { enabled: true, protocol: 'http', response_hop_limit: 0 }, after: r.after }),
  (r) => ({ ...r, before: { enabled: true, protocol: 'ftp', response_hop_limit: 1 } }),
  (r) => ({ ...r, before: { template: { id: '__proto__' } } }),
  (r) => ({ ...r, after: { instance_groups: ['../../x'], enabled: 'yes' } }),
];

/** A real record with random extra or replaced fields, then 1–3 changes that make it unusable. */
const invalidRecord = fc
  .record({
    seed: fc.nat(),
    noise: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'detail', 'message')), oddValue, {
      maxKeys: 4,
    }),
    invalidators: fc.uniqueArray(fc.nat({ max: INVALIDATORS.length - 1 }), { minLength: 1, maxLength: 3 }),
  })
  .map(({ seed, noise, invalidators }) => {
    const base = structuredClone(seeds[seed % seeds.length]) as unknown as Rec;
    const noisy = { ...noise, ...base };
    return invalidators.reduce<Rec>((r, i) => INVALIDATORS[i]?.(r) ?? r, noisy);
  });

/** Text that may or may not be decision records: mutated real lines, cut anywhere, with junk lines. */
const recordText = fc
  .record({
    lines: fc.array(
      fc.oneof(
        { arbitrary: invalidRecord.map((r) => JSON.stringify(r)), weight: 4 },
        fc
          .record({ seed: fc.nat(), key: fc.string(), value: oddValue })
          .map(({ seed, key, value }) =>
            JSON.stringify({ ...structuredClone(seeds[seed % seeds.length]), [key]: value }),
          ),
        { arbitrary: deepLine, weight: 1 },
        { arbitrary: fc.string(), weight: 2 },
        { arbitrary: fc.jsonValue().map((x) => JSON.stringify(x)), weight: 2 },
      ),
      { maxLength: 5 },
    ),
    cut: fc.option(fc.nat()),
  })
  .map(({ lines, cut }) => {
    const text = lines.join('\n');
    return cut === null ? text : text.slice(0, cut % (text.length + 1));
  });

describe('revert record reader, fuzzed', () => {
  test(`reads ${RUNS} hostile texts without throwing; whatever it admits is a valid own-shaped record`, () => {
    fc.assert(
      fc.property(recordText, (text) => {
        const { records, problems } = readRecords(text);
        expect(Array.isArray(problems)).toBe(true);
        for (const record of records) {
          const checked = checkRecord(record);
          if (!checked.ok) {
            expect(checked.reason.length).toBeGreaterThan(0);
            continue;
          }
          expect(checked.target.crn).toMatch(VPC_CRN);
          if (checked.kind === 'instance')
            for (const s of [checked.before, checked.after]) {
              expect(Number.isInteger(s.response_hop_limit)).toBe(true);
              expect(s.response_hop_limit).toBeGreaterThanOrEqual(1);
              expect(s.response_hop_limit).toBeLessThanOrEqual(64);
              expect(['http', 'https']).toContain(s.protocol);
              expect(typeof s.enabled).toBe('boolean');
            }
        }
      }),
      { numRuns: RUNS },
    );
  });

  test(`${RUNS} invalid or foreign records: never a throw, each refused or ignored, no call to IBM`, async () => {
    await fc.assert(
      fc.asyncProperty(invalidRecord, async (record) => {
        const since = world.mark();
        const out = await revertRecords(rt, [record], { dryRun: false, force: true });
        expect(out).toHaveLength(1);
        expect(['refused', 'ignored']).toContain(out[0]?.outcome);
        expect(world.callsSince(since)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});
