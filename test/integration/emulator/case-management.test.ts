import CaseManagementV1 from '@ibm-cloud/platform-services/case-management/v1.js';
import { NoAuthAuthenticator } from 'ibm-cloud-sdk-core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

const SCENARIO = `
seed: case-test
api_keys:
  - { name: guard, key: case-guard-key-0001, roles: { support: [Editor] } }
  - { name: viewer, key: case-viewer-key-0001, roles: { support: [Viewer] } }
  - { name: outsider, key: case-none-key-0001, roles: { is: [Viewer] } }
  - { name: alice@example.com, key: case-alice-key-0001, kind: user, roles: { support: [Viewer] } }
cases:
  - { subject: '[imds-guard] i-1 metadata enabled', description: 'first' }
  - { subject: '[imds-guard] i-2 metadata enabled', description: 'second' }
  - { subject: '[imds-guard] i-3 metadata enabled', description: 'third', status: in_progress }
  - { subject: '[imds-guard] i-4 metadata enabled', description: 'fourth', status: resolution_provided }
  - { subject: '[imds-guard] i-5 metadata enabled', description: 'fifth', status: resolved }
  - { subject: '[imds-guard] i-6 metadata enabled', description: 'sixth', status: closed }
  - { subject: '[imds-guard] i-7 metadata enabled', description: 'seventh' }
  - { subject: 'Billing question', description: 'Mentions IMDS-GUARD in the description only', type: billing_and_invoice }
`;

const OFFERING = { name: 'Virtual Server for VPC', type: { group: 'crn_service_name', key: 'is' } };

let emu: RunningEmulator;

const client = (key: string): CaseManagementV1 =>
  new CaseManagementV1({
    authenticator: authFor(emu.url, key),
    serviceUrl: `${emu.url}/case-management/v1`,
  });

const numberOf = (subjectPart: string): string => {
  for (const c of emu.emulator.state.cases.values())
    if (c.short_description.includes(subjectPart)) return c.number;
  throw new Error(`no case with ${subjectPart}`);
};

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.reset();
});

describe('createCase / getCase', () => {
  test('creates a technical case with a CS number, readable back; no change event is emitted', async () => {
    // Prepare
    const cases = client('case-guard-key-0001');
    let changes = 0;
    emu.emulator.onChange(() => {
      changes += 1;
    });
    const crn = 'crn:v1:bluemix:public:is:us-south-1:a/abc::instance:0717_x';
    // Act
    const created = await cases.createCase({
      type: 'technical',
      subject: '[imds-guard] 0717_x broad-profile',
      description: 'The instance metadata service is enabled.',
      severity: 3,
      offering: OFFERING,
      resources: [{ crn, note: 'offending instance' }],
    });
    const read = await cases.getCase({ caseNumber: created.result.number ?? '' });
    // Assess
    expect(created.status).toBe(200);
    expect(created.result).toMatchObject({
      number: expect.stringMatching(/^CS\d{7}$/),
      short_description: '[imds-guard] 0717_x broad-profile',
      description: 'The instance metadata service is enabled.',
      status: 'New',
      severity: 3,
      offering: OFFERING,
      resources: [{ crn, note: 'offending instance' }],
      comments: [],
      watchlist: [],
      created_by: { name: 'guard', realm: 'IAM', user_id: expect.stringMatching(/^iam-ServiceId-/) },
    });
    expect(read.result).toEqual(created.result);
    expect(changes).toBe(0);
  });

  test('getCase projects the requested fields only', async () => {
    const cases = client('case-viewer-key-0001');
    const res = await cases.getCase({
      caseNumber: numberOf('i-3'),
      fields: ['number', 'status', 'severity'],
    });
    expect(res.result).toEqual({ number: numberOf('i-3'), status: 'In Progress', severity: 4 });
  });

  test.each([
    ['an unknown type', { type: 'question' }],
    ['severity 5', { severity: 5 }],
    ['severity 0', { severity: 0 }],
    ['a technical case without offering', { offering: undefined }],
    ['an empty subject', { subject: '   ' }],
    ['a subject over 160 characters', { subject: 'x'.repeat(161) }],
    ['a resource that is not a CRN', { resources: [{ crn: 'instance-1' }] }],
    [
      'a watchlist user outside the account',
      { watchlist: [{ realm: 'IBMid', user_id: 'mallory@example.com' }] },
    ],
    ['an invoice number on a technical case', { invoiceNumber: 'INV-1' }],
  ])("refuses %s with IBM's 400", async (_label, override) => {
    const cases = client('case-guard-key-0001');
    const params = { type: 'technical', subject: 's', description: 'd', offering: OFFERING, ...override };
    await expect(cases.createCase(params as CaseManagementV1.CreateCaseParams)).rejects.toMatchObject({
      status: 400,
      result: { errors: [{ code: 'bad_request', message: expect.any(String) }], status_code: 400 },
    });
  });

  test("404 with IBM's body for an unknown case", async () => {
    const cases = client('case-viewer-key-0001');
    await expect(cases.getCase({ caseNumber: 'CS9999999' })).rejects.toMatchObject({
      status: 404,
      result: {
        errors: [{ code: 'not_found', message: 'Case CS9999999 was not found.' }],
        status_code: 404,
        trace: expect.any(String),
      },
    });
  });

  test('401 without a token', async () => {
    const cases = new CaseManagementV1({
      authenticator: new NoAuthAuthenticator(),
      serviceUrl: `${emu.url}/case-management/v1`,
    });
    await expect(cases.getCases({})).rejects.toMatchObject({
      status: 401,
      result: { errors: [{ code: 'not_authorized' }], status_code: 401 },
    });
  });

  test('403 for a Viewer creating a case, and for a key without a support role reading', async () => {
    const create = client('case-viewer-key-0001').createCase({
      type: 'technical',
      subject: 's',
      description: 'd',
      offering: OFFERING,
    });
    await expect(create).rejects.toMatchObject({
      status: 403,
      result: {
        errors: [{ code: 'forbidden', message: expect.stringContaining("Editor role on service 'support'") }],
      },
    });
    await expect(client('case-none-key-0001').getCases({})).rejects.toMatchObject({ status: 403 });
  });
});

describe('getCases', () => {
  test('GetCasesPager walks three pages through next.href offsets', async () => {
    // Prepare
    const cases = client('case-viewer-key-0001');
    const pager = new CaseManagementV1.GetCasesPager(cases, { search: '[imds-guard]', limit: 3 });
    const pages: string[][] = [];
    // Act
    while (pager.hasNext()) pages.push((await pager.getNext()).map((c) => c.number ?? ''));
    // Assess
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(new Set(pages.flat()).size).toBe(7);
    // Default order: most recently updated first, ties newest first.
    expect(pages.flat()[0]).toBe(numberOf('i-7'));
  });

  test('returns first/next/last hrefs with offset and the total count', async () => {
    const cases = client('case-viewer-key-0001');
    const res = await cases.getCases({ offset: 3, limit: 3, sort: 'number' });
    expect(res.result.total_count).toBe(8);
    expect(new URL(res.result.next?.href ?? '').searchParams.get('offset')).toBe('6');
    expect(new URL(res.result.previous?.href ?? '').searchParams.get('offset')).toBe('0');
    expect(new URL(res.result.first?.href ?? '').searchParams.get('offset')).toBe('0');
    expect(new URL(res.result.last?.href ?? '').searchParams.get('offset')).toBe('6');
    expect(res.result.cases?.map((c) => c.number)).toEqual([
      numberOf('i-4'),
      numberOf('i-5'),
      numberOf('i-6'),
    ]);
  });

  test('search is a case-insensitive substring of subject and description; status and fields filter', async () => {
    // Prepare
    const cases = client('case-viewer-key-0001');
    // Act
    const all = await cases.getCases({ search: 'imds-guard', limit: 100 });
    const open = await cases.getCases({
      search: 'IMDS-GUARD',
      status: ['new', 'in_progress', 'waiting_on_client', 'resolution_provided'],
      fields: ['number', 'short_description', 'status'],
      sort: 'number',
    });
    // Assess
    expect(all.result.total_count).toBe(8);
    expect(open.result.cases).toEqual([
      { number: numberOf('i-1'), short_description: '[imds-guard] i-1 metadata enabled', status: 'New' },
      { number: numberOf('i-2'), short_description: '[imds-guard] i-2 metadata enabled', status: 'New' },
      {
        number: numberOf('i-3'),
        short_description: '[imds-guard] i-3 metadata enabled',
        status: 'In Progress',
      },
      {
        number: numberOf('i-4'),
        short_description: '[imds-guard] i-4 metadata enabled',
        status: 'Resolution Provided',
      },
      { number: numberOf('i-7'), short_description: '[imds-guard] i-7 metadata enabled', status: 'New' },
      { number: numberOf('Billing'), short_description: 'Billing question', status: 'New' },
    ]);
  });

  test.each([
    ['an unknown field', { fields: ['number', 'colour'] }],
    ['an unknown status', { status: ['open'] }],
    ['an unknown sort field', { sort: 'priority' }],
    ['limit 0', { limit: 0 }],
    ['limit above 100', { limit: 101 }],
  ])("refuses %s with IBM's 400", async (_label, params) => {
    const cases = client('case-viewer-key-0001');
    await expect(cases.getCases(params as CaseManagementV1.GetCasesParams)).rejects.toMatchObject({
      status: 400,
      result: { errors: [{ code: 'bad_request' }] },
    });
  });
});

describe('case updates', () => {
  test('addComment returns the Comment and the case lists it', async () => {
    const cases = client('case-guard-key-0001');
    const n = numberOf('i-1');
    const added = await cases.addComment({ caseNumber: n, comment: 'Remediated automatically.' });
    const read = await cases.getCase({ caseNumber: n, fields: ['comments', 'updated_by'] });
    expect(added.result).toEqual({
      value: 'Remediated automatically.',
      added_at: expect.any(String),
      added_by: { name: 'guard', realm: 'IAM', user_id: expect.stringMatching(/^iam-ServiceId-/) },
    });
    expect(read.result.comments).toEqual([added.result]);
    expect(read.result.updated_by).toEqual(added.result.added_by);
  });

  test('resolve needs a resolution_code, unresolve needs a comment; both move the status', async () => {
    // Prepare
    const cases = client('case-guard-key-0001');
    const n = numberOf('i-2');
    // Act
    const noCode = await cases
      .updateCaseStatus({ caseNumber: n, statusPayload: { action: 'resolve' } })
      .catch((err: unknown) => err);
    const resolved = await cases.updateCaseStatus({
      caseNumber: n,
      statusPayload: { action: 'resolve', resolution_code: 6, comment: 'Fixed by imds-guard.' } as never,
    });
    const noComment = await cases
      .updateCaseStatus({ caseNumber: n, statusPayload: { action: 'unresolve' } })
      .catch((err: unknown) => err);
    const reopened = await cases.updateCaseStatus({
      caseNumber: n,
      statusPayload: { action: 'unresolve', comment: 'It came back.' } as never,
    });
    // Assess
    expect(noCode).toMatchObject({
      status: 400,
      result: { errors: [{ message: 'resolution_code is required.' }] },
    });
    expect(resolved.result).toMatchObject({
      status: 'Resolved',
      resolution: 'Solution no longer required',
      close_notes: 'Fixed by imds-guard.',
    });
    expect(noComment).toMatchObject({
      status: 400,
      result: { errors: [{ message: 'comment is required.' }] },
    });
    expect(reopened.result.status).toBe('In Progress');
    expect(reopened.result.resolution).toBeUndefined();
    expect(reopened.result.comments?.map((c) => c.value)).toEqual(['Fixed by imds-guard.', 'It came back.']);
  });

  test('accept applies only to a provided resolution', async () => {
    const cases = client('case-guard-key-0001');
    const accepted = await cases.updateCaseStatus({
      caseNumber: numberOf('i-4'),
      statusPayload: { action: 'accept' },
    });
    expect(accepted.result.status).toBe('Resolved');
    await expect(
      cases.updateCaseStatus({ caseNumber: numberOf('i-1'), statusPayload: { action: 'accept' } }),
    ).rejects.toMatchObject({
      status: 400,
      result: { errors: [{ message: expect.stringContaining('New') }] },
    });
  });

  test.each([
    ['resolve a resolved case', 'i-5', { action: 'resolve', resolution_code: 1 }],
    ['resolve a closed case', 'i-6', { action: 'resolve', resolution_code: 1 }],
    ['unresolve a new case', 'i-1', { action: 'unresolve', comment: 'x' }],
    ['use an unknown action', 'i-1', { action: 'close' }],
    ['use resolution code 9', 'i-1', { action: 'resolve', resolution_code: 9 }],
  ])('refuses to %s', async (_label, subject, payload) => {
    const cases = client('case-guard-key-0001');
    await expect(
      cases.updateCaseStatus({ caseNumber: numberOf(subject), statusPayload: payload as never }),
    ).rejects.toMatchObject({ status: 400, result: { errors: [{ code: 'bad_request' }] } });
  });

  test('comments on a closed case are refused', async () => {
    const cases = client('case-guard-key-0001');
    await expect(cases.addComment({ caseNumber: numberOf('i-6'), comment: 'hello' })).rejects.toMatchObject({
      status: 400,
    });
  });

  test('addResource returns the Resource; a non-CRN is refused', async () => {
    const cases = client('case-guard-key-0001');
    const n = numberOf('i-1');
    const crn = 'crn:v1:bluemix:public:is:us-south-1:a/abc::instance:0717_y';
    const added = await cases.addResource({ caseNumber: n, crn, note: 'second instance' });
    const read = await cases.getCase({ caseNumber: n, fields: ['resources'] });
    expect(added.result).toEqual({ crn, note: 'second instance' });
    expect(read.result.resources).toEqual([added.result]);
    await expect(cases.addResource({ caseNumber: n, crn: 'nope' })).rejects.toMatchObject({ status: 400 });
  });

  test('watchlist: account members are added, others fail; removal returns the rest', async () => {
    // Prepare
    const cases = client('case-guard-key-0001');
    const n = numberOf('i-1');
    const alice = { realm: 'IBMid', user_id: 'alice@example.com' };
    const mallory = { realm: 'IBMid', user_id: 'mallory@example.com' };
    // Act
    const added = await cases.addWatchlist({ caseNumber: n, watchlist: [alice, mallory] });
    const before = await cases.getCase({ caseNumber: n, fields: ['watchlist'] });
    const removed = await cases.removeWatchlist({ caseNumber: n, watchlist: [alice] });
    // Assess
    expect(added.result).toEqual({ added: [alice], failed: [mallory] });
    expect(before.result.watchlist).toEqual([alice]);
    expect(removed.result).toEqual({ watchlist: [] });
  });

  test('updates to an unknown case are 404', async () => {
    const cases = client('case-guard-key-0001');
    await expect(cases.addComment({ caseNumber: 'CS0000000', comment: 'x' })).rejects.toMatchObject({
      status: 404,
      result: { errors: [{ code: 'not_found' }] },
    });
  });
});
