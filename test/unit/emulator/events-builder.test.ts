import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { ChangeEvent } from '#emulator/core/context.ts';
import type { ApiKeyRecord } from '#emulator/core/state.ts';
import { type BuildDeps, buildAtEvent } from '#emulator/events/builder.ts';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const INSTANCE_CRN = `crn:v1:bluemix:public:is:us-south-1:a/${ACCOUNT}::instance:0717_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d`;
const RG_CRN = `crn:v1:bluemix:public:resource-controller::a/${ACCOUNT}::resource-group:d272ce832535498e9142b557ff8638ed`;
const PROFILE_CRN = `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::profile:Profile-9fd84246-7df4-4667-94e4-8ecde51d5ac5`;
const AT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{2}\+0000$/;

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/ibm-docs/${name}`, import.meta.url), 'utf8'));

const deps = (): BuildDeps => {
  let n = 0;
  return {
    now: () => new Date('2026-09-01T10:15:42.183Z'),
    uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    account: ACCOUNT,
    profileName: (id) => (id === 'Profile-1' ? 'ci-deployer' : undefined),
  };
};

const key = (kind: ApiKeyRecord['kind'], extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  key: 'not-a-secret-0001',
  name: `${kind}-key`,
  kind,
  iam_id: kind === 'user' ? 'IBMid-6600012ABC' : 'iam-ServiceId-52db3217-c5d3-40be-aca1-78309d852bbf',
  roles: {},
  ...extra,
});

const instanceChange = (over: Partial<ChangeEvent> = {}): ChangeEvent => ({
  action: 'is.instance.instance.create',
  target: { id: INSTANCE_CRN, name: 'web-01', typeURI: 'is.instance/instance', resourceGroupId: RG_CRN },
  reasonCode: 201,
  message: 'Virtual Server for VPC: create instance web-01',
  location: 'us-south-1',
  requestData: { allow_ip_spoofing: false },
  responseData: { responseURI: '/v1/instances/0717_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' },
  ...over,
});

const profileChange = (over: Partial<ChangeEvent> = {}): ChangeEvent => ({
  action: 'iam-identity.account-profile.update',
  target: { id: PROFILE_CRN, name: 'ci-deployer', typeURI: 'iam-identity/account-profile' },
  reasonCode: 200,
  message: 'IAM Identity Service: update account-profile ci-deployer',
  location: 'global',
  ...over,
});

const keysOf = (o: unknown): string[] => Object.keys(o as object).sort();

describe('buildAtEvent: a VPC instance create', () => {
  test('has every field of the documented sample, with IBM’s constants', () => {
    // Prepare
    const change = instanceChange();
    // Act
    const event = buildAtEvent(change, key('serviceid'), deps());
    // Assess
    expect(event).toEqual({
      eventTime: '2026-09-01T10:15:42.18+0000',
      action: 'is.instance.instance.create',
      outcome: 'success',
      message: 'Virtual Server for VPC: create instance web-01',
      severity: 'normal',
      dataEvent: false,
      id: '00000000-0000-4000-8000-000000000001',
      correlationId: '00000000-0000-4000-8000-000000000002',
      logSourceCRN: INSTANCE_CRN,
      saveServiceCopy: true,
      observer: { name: 'ActivityTracker' },
      initiator: {
        id: 'iam-ServiceId-52db3217-c5d3-40be-aca1-78309d852bbf',
        name: 'serviceid-key',
        typeURI: 'service/security/account/serviceid',
        credential: { type: 'apikey' },
        host: { address: '127.0.0.1', addressType: 'IPv4', agent: '127.0.0.1' },
      },
      target: { id: INSTANCE_CRN, name: 'web-01', typeURI: 'is.instance/instance', resourceGroupId: RG_CRN },
      reason: { reasonCode: 201, reasonType: 'Created' },
      requestData: {
        generation: '2',
        requestId: '00000000-0000-4000-8000-000000000003',
        allow_ip_spoofing: false,
      },
      responseData: { responseURI: '/v1/instances/0717_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' },
    });
  });

  test('eventTime has IBM’s two-digit fraction and +0000, not ISO Z', () => {
    // Act
    const times = ['2026-01-02T03:04:05.000Z', '2026-12-31T23:59:59.999Z'].map(
      (t) => buildAtEvent(instanceChange(), undefined, { ...deps(), now: () => new Date(t) }).eventTime,
    );
    // Assess
    expect(times).toEqual(['2026-01-02T03:04:05.00+0000', '2026-12-31T23:59:59.99+0000']);
    for (const t of times) expect(t).toMatch(AT_TIME);
  });

  test('carries every top-level key of IBM’s published VPC events, with the same types', () => {
    // Prepare
    const samples = ['at-event--is.snapshot.create.json', 'at-event--is.vpc.vpc.create.failure.json'].map(
      fixture,
    );
    // Act
    const success = buildAtEvent(instanceChange(), key('user'), deps()) as unknown as Record<string, unknown>;
    const failure = buildAtEvent(
      instanceChange({ reasonCode: 403, reasonForFailure: 'no access' }),
      key('user'),
      deps(),
    ) as unknown as Record<string, unknown>;
    // Assess
    for (const [sample, ours] of [
      [samples[0], success],
      [samples[1], failure],
    ] as const) {
      for (const k of Object.keys(sample ?? {})) {
        expect(ours, k).toHaveProperty(k);
        expect(typeof ours[k], k).toBe(typeof sample?.[k]);
      }
      expect(keysOf(ours.reason)).toEqual(expect.arrayContaining(keysOf(sample?.reason)));
      expect(keysOf(ours.target)).toEqual(expect.arrayContaining(keysOf(sample?.target)));
    }
  });
});

describe('buildAtEvent: severity, outcome and message', () => {
  test.each([
    ['is.instance.instance.create', 201, undefined, 'normal'],
    ['is.instance.instance.update', 200, undefined, 'warning'],
    ['is.instance.instance.delete', 204, undefined, 'warning'],
    ['is.instance.instance.update', 200, 'critical', 'critical'],
    ['is.instance.instance.update', 403, undefined, 'critical'],
    ['is.instance.instance.update', 409, undefined, 'warning'],
  ] as const)('%s → %i (given %s) is %s', (action, reasonCode, severity, expected) => {
    // Act
    const event = buildAtEvent(
      instanceChange({ action, reasonCode, ...(severity ? { severity } : {}) }),
      key('user'),
      deps(),
    );
    // Assess
    expect(event.severity).toBe(expected);
  });

  test('a failure says so in outcome, message, reason and reasonForFailure', () => {
    // Prepare
    const change = instanceChange({
      action: 'is.vpc.vpc.create',
      reasonCode: 403,
      message: 'Virtual Private Cloud: create vpc',
      reasonForFailure: 'Your access token is invalid or does not have the necessary permissions',
    });
    // Act
    const event = buildAtEvent(change, key('user'), deps());
    // Assess
    expect(event).toMatchObject({
      outcome: 'failure',
      message: 'Virtual Private Cloud: create vpc -failure',
      severity: 'critical',
      reason: {
        reasonCode: 403,
        reasonType: 'Forbidden',
        reasonForFailure: 'Your access token is invalid or does not have the necessary permissions',
      },
    });
  });
});

describe('buildAtEvent: initiators', () => {
  test('a user key is service/security/account/user with an apikey credential', () => {
    // Act
    const { initiator } = buildAtEvent(instanceChange({ userAgent: 'IBM Cloud CLI' }), key('user'), deps());
    // Assess
    expect(initiator).toEqual({
      id: 'IBMid-6600012ABC',
      name: 'user-key',
      typeURI: 'service/security/account/user',
      credential: { type: 'apikey' },
      host: { address: '127.0.0.1', addressType: 'IPv4', agent: 'IBM Cloud CLI' },
    });
  });

  test('a compute-resource profile token is the profile, authenticated by the compute resource', () => {
    // Prepare
    const crKey = key('profile', { iam_id: 'iam-Profile-1', profile_id: 'Profile-1', name: 'vsi-web-01' });
    // Act
    const { initiator } = buildAtEvent(instanceChange(), crKey, deps());
    // Assess
    expect(initiator).toMatchObject({
      id: 'iam-Profile-1',
      name: 'ci-deployer',
      typeURI: 'service/security/account/profile',
      credential: { type: 'profile' },
      authnName: 'vsi-web-01',
      authnId: expect.stringMatching(/^crn-crn:v1:/),
    });
  });

  test('change.initiator wins over the caller; no key at all is IBM itself', () => {
    // Act
    const explicit = buildAtEvent(instanceChange({ initiator: key('user') }), key('serviceid'), deps());
    const system = buildAtEvent(instanceChange(), undefined, deps());
    // Assess
    expect(explicit.initiator.id).toBe('IBMid-6600012ABC');
    expect(system.initiator).toMatchObject({ id: 'IBM', name: 'IBM', host: { address: '' } });
  });
});

describe('buildAtEvent: global IAM events', () => {
  test('logSourceCRN is the account-level service CRN; no VPC requestData defaults', () => {
    // Act
    const event = buildAtEvent(profileChange(), key('serviceid'), deps());
    // Assess
    expect(event).toMatchObject({
      severity: 'warning',
      logSourceCRN: `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::`,
      target: { id: PROFILE_CRN, typeURI: 'iam-identity/account-profile' },
      reason: { reasonCode: 200, reasonType: 'OK' },
      requestData: {},
      responseData: {},
    });
    expect(event.target).not.toHaveProperty('resourceGroupId');
  });

  test('another account’s target yields that account’s logSourceCRN, unless one is given', () => {
    // Prepare
    const other = 'ffffffffffffffffffffffffffffffff';
    const target = {
      id: PROFILE_CRN.replace(ACCOUNT, other),
      name: 'x',
      typeURI: 'iam-identity/account-profile',
    };
    // Act
    const derived = buildAtEvent(profileChange({ target }), undefined, deps());
    const given = buildAtEvent(profileChange({ target, logSourceCRN: 'crn:v1:custom' }), undefined, deps());
    // Assess
    expect(derived.logSourceCRN).toBe(`crn:v1:bluemix:public:iam-identity::a/${other}::`);
    expect(given.logSourceCRN).toBe('crn:v1:custom');
  });
});
