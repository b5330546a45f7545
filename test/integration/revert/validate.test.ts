// `revert` trusts nothing in a record (issue 9, item 4): account, function, resource type and the
// `before` values are checked before any IBM call; each bad record is refused with its reason and
// nothing is sent to IBM — not even a read.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { revertRecords } from '#functions/instance-guard/revert.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';
import { type RevertWorld, startRevertWorld } from './support.ts';

const OTHER_ACCOUNT = 'f'.repeat(32);

let world: RevertWorld;
let rt: GuardRuntime;
let real: DecisionRecord;
let template: DecisionRecord;

beforeAll(async () => {
  world = await startRevertWorld();
  rt = await world.runtime();
  real = await world.remediate('batch-01');
  template = await world.templateRecord();
});

afterAll(async () => {
  await world.close();
});

type Mutation = (r: DecisionRecord & Record<string, unknown>) => unknown;

const withCrn =
  (from: string, to: string): Mutation =>
  (r) => ({ ...r, target_crn: r.target_crn?.replace(from, to) });
const withBefore =
  (patch: Record<string, unknown>): Mutation =>
  (r) => ({
    ...r,
    before: { ...(r.before as object), ...patch },
  });

const INSTANCE_CASES: [string, Mutation, RegExp][] = [
  [
    'a CRN in another account',
    (r) => ({ ...r, target_crn: r.target_crn?.replace(/a\/[0-9a-f]{32}/, `a/${OTHER_ACCOUNT}`) }),
    /account f{32} is not the guard's own account/,
  ],
  [
    'a profile-guard record',
    (r) => ({ ...r, fn: 'profile-guard' }),
    /a "?profile-guard"? record is not an instance/,
  ],
  ['a revert record', (r) => ({ ...r, fn: 'revert' }), /record is not an instance/],
  ['another service in the CRN', withCrn(':is:', ':kms:'), /not a public-cloud VPC instance/],
  ['a staging CRN', withCrn(':public:', ':staging:'), /not a public-cloud VPC instance/],
  [
    'a __proto__ account',
    (r) => ({ ...r, target_crn: 'crn:v1:bluemix:public:is:us-south-1:a/__proto__::instance:../../x' }),
    /not a public-cloud VPC instance/,
  ],
  [
    'a profile CRN',
    (r) => ({
      ...r,
      target_crn: r.target_crn
        ?.replace(':is:us-south-1:', ':iam-identity::')
        .replace('::instance:', '::profile:'),
    }),
    /not a public-cloud VPC instance/,
  ],
  [
    'a template record naming an instance',
    (r) => ({ ...r, detail: { kind: 'instance-template' } }),
    /about an instance-template but its target_crn names an instance/,
  ],
  [
    'hop limit 0',
    withBefore({ response_hop_limit: 0 }),
    /before\.response_hop_limit must be a whole number from 1 to 64 \(got 0\)/,
  ],
  ['hop limit 65', withBefore({ response_hop_limit: 65 }), /before\.response_hop_limit/],
  ['hop limit 1.5', withBefore({ response_hop_limit: 1.5 }), /before\.response_hop_limit/],
  ['hop limit "2"', withBefore({ response_hop_limit: '2' }), /before\.response_hop_limit must be a number/],
  ['protocol ftp', withBefore({ protocol: 'ftp' }), /before\.protocol must be http or https \(got ftp\)/],
  ['enabled "yes"', withBefore({ enabled: 'yes' }), /before\.enabled must be true or false/],
  ['no before state', (r) => ({ ...r, before: null }), /cannot restore: before/],
  [
    'an out-of-range after state',
    (r) => ({ ...r, after: { ...(r.after as object), response_hop_limit: 100 } }),
    /after\.response_hop_limit/,
  ],
  ['not an object', () => 'remediated', /not a JSON object/],
];

describe('revert refuses a record it cannot trust, before any call', () => {
  test.each(INSTANCE_CASES)('%s', async (_label, mutate, reason) => {
    // Prepare
    const record = mutate(structuredClone(real) as DecisionRecord & Record<string, unknown>);
    const since = world.mark();
    // Act: forced, not a dry run — only the checks stand between the record and a PATCH
    const [out] = await revertRecords(rt, [record], { dryRun: false, force: true });
    // Assess
    expect(out).toMatchObject({ fn: 'revert', outcome: 'refused', api_calls: 0 });
    expect(out?.reason).toMatch(reason);
    expect(world.callsSince(since)).toEqual([]);
  });

  test.each<[string, Mutation, RegExp]>([
    [
      'a repointed group that is not a VPC id',
      (r) => ({ ...r, after: { instance_groups: ['../../x'] } }),
      /after\.instance_groups\.0 is not a VPC id/,
    ],
    [
      'an original template that is not a VPC id',
      (r) => ({ ...r, before: { template: { id: '__proto__' } } }),
      /before\.template\.id is not a VPC id/,
    ],
    [
      'a template CRN in another account',
      (r) => ({ ...r, target_crn: r.target_crn?.replace(/a\/[0-9a-f]{32}/, `a/${OTHER_ACCOUNT}`) }),
      /is not the guard's own account/,
    ],
    [
      'an instance record naming a template',
      (r) => ({ ...r, detail: {} }),
      /about an instance but its target_crn names an instance-template/,
    ],
  ])('template: %s', async (_label, mutate, reason) => {
    const record = mutate(structuredClone(template) as DecisionRecord & Record<string, unknown>);
    const since = world.mark();
    const [out] = await revertRecords(rt, [record], { dryRun: false, force: true });
    expect(out).toMatchObject({ outcome: 'refused' });
    expect(out?.reason).toMatch(reason);
    expect(world.callsSince(since)).toEqual([]);
  });

  test('one refusal per bad record; the good record in the same batch is still reverted', async () => {
    // Prepare
    const good = await world.remediate('web-02');
    const foreign = {
      ...good,
      target_crn: good.target_crn?.replace(/a\/[0-9a-f]{32}/, `a/${OTHER_ACCOUNT}`),
    };
    // Act
    const out = await revertRecords(rt, [foreign, { ...good, fn: 'profile-guard' }, good], {
      dryRun: false,
      force: false,
    });
    // Assess
    expect(out.map((r) => r.outcome)).toEqual(['refused', 'refused', 'remediated']);
    expect(out[0]?.target_crn).toBe(foreign.target_crn);
  });

  test('the CLI prints a refusal per record and exits 1; nothing is changed', async () => {
    // Prepare
    const lines = [
      { ...real, target_crn: real.target_crn?.replace(/a\/[0-9a-f]{32}/, `a/${OTHER_ACCOUNT}`) },
      { ...real, before: { enabled: true, protocol: 'http', response_hop_limit: 99 } },
    ];
    const since = world.mark();
    // Act
    const child = spawn(process.execPath, ['bin/imds-guard.mjs', 'revert', '--record', '-', '--force'], {
      env: { ...process.env, ...world.env },
    });
    child.stdin.end(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    // Assess
    expect(code).toBe(1);
    const records = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DecisionRecord);
    expect(records.map((r) => r.outcome)).toEqual(['refused', 'refused']);
    expect(records[1]?.reason).toMatch(/response_hop_limit/);
    expect(world.callsSince(since).filter((e) => e.method !== 'GET')).toEqual([]);
  });
});
