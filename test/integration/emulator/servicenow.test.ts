import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { withEmulator } from '../../helpers/emulator.ts';

const SCENARIO = `
seed: servicenow-test
servicenow:
  users:
    - { user: imds-guard, password: sn-pass-0001 }
`;

type Json = Record<string, unknown>;

let emu: RunningEmulator;

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const sn = async (
  method: string,
  path: string,
  body?: unknown,
  authorization: string | null = basic('imds-guard', 'sn-pass-0001'),
): Promise<{ status: number; headers: Headers; json: Json }> => {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(authorization ? { authorization } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
};

const create = async (fields: Json): Promise<Json> => {
  const res = await sn('POST', '/api/now/table/incident', fields);
  expect(res.status).toBe(201);
  return res.json.result as Json;
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

describe('incident create and read', () => {
  test('POST creates INC0010001 with a 32-hex sys_id and baseline defaults; unknown fields are ignored', async () => {
    // Act
    const res = await sn('POST', '/api/now/table/incident', {
      short_description: 'IMDS enabled on web-01',
      description: 'Instance metadata is reachable without a hop limit.',
      urgency: 2,
      correlation_id: 'imds-guard:0717_abc:imds',
      correlation_display: 'imds-guard',
      caller_id: 'imds-guard',
      u_not_a_field: 'dropped',
    });
    // Assess
    expect(res.status).toBe(201);
    const result = res.json.result as Json;
    expect(result).toMatchObject({
      number: 'INC0010001',
      sys_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      short_description: 'IMDS enabled on web-01',
      state: '1',
      urgency: '2',
      impact: '3',
      priority: '4',
      active: 'true',
      correlation_id: 'imds-guard:0717_abc:imds',
      work_notes: '',
      sys_created_by: 'imds-guard',
      sys_created_on: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      caller_id: {
        link: expect.stringMatching(/\/api\/now\/table\/sys_user\/imds-guard$/),
        value: 'imds-guard',
      },
    });
    expect(result).not.toHaveProperty('u_not_a_field');
    expect(res.headers.get('location')).toBe(`${emu.url}/api/now/table/incident/${String(result.sys_id)}`);
    const read = await sn('GET', `/api/now/table/incident/${String(result.sys_id)}`);
    expect(read.json.result).toEqual(result);
  });

  test("GET of an unknown sys_id is ServiceNow's 404", async () => {
    const res = await sn('GET', `/api/now/table/incident/${'0'.repeat(32)}`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      error: {
        message: 'No Record found',
        detail: "Record doesn't exist or ACL restricts the record retrieval",
      },
      status: 'failure',
    });
  });

  test('refuses a value outside a choice list, and an unknown table', async () => {
    const bad = await sn('POST', '/api/now/table/incident', { short_description: 'x', urgency: '9' });
    const table = await sn('GET', '/api/now/table/incidents');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { message: 'Invalid value' }, status: 'failure' });
    expect(table.status).toBe(400);
    expect(table.json).toEqual({
      error: { message: 'Invalid table incidents', detail: null },
      status: 'failure',
    });
  });
});

describe('incident queries', () => {
  test('finds the open incident by correlation_id with sysparm_query and sysparm_fields', async () => {
    // Prepare
    const a = await create({ short_description: 'a', correlation_id: 'imds-guard:i-1' });
    await create({ short_description: 'b', correlation_id: 'imds-guard:i-2' });
    // Act
    const q = new URLSearchParams({
      sysparm_query: 'correlation_id=imds-guard:i-1^active=true',
      sysparm_fields: 'sys_id,number,state',
    });
    const res = await sn('GET', `/api/now/table/incident?${q}`);
    // Assess
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ result: [{ sys_id: a.sys_id, number: a.number, state: '1' }] });
    expect(res.headers.get('x-total-count')).toBe('1');
  });

  test('orders with ORDERBYDESC and pages with sysparm_limit/sysparm_offset and the Link header', async () => {
    // Prepare
    for (const n of [1, 2, 3, 4, 5])
      await create({ short_description: `n${n}`, correlation_display: 'imds-guard' });
    // Act
    const q = new URLSearchParams({
      sysparm_query: 'correlation_display=imds-guard^ORDERBYDESCnumber',
      sysparm_fields: 'number',
      sysparm_limit: '2',
      sysparm_offset: '2',
    });
    const res = await sn('GET', `/api/now/table/incident?${q}`);
    // Assess
    expect(res.json.result).toEqual([{ number: 'INC0010003' }, { number: 'INC0010002' }]);
    expect(res.headers.get('x-total-count')).toBe('5');
    const link = res.headers.get('link') ?? '';
    expect(link).toContain('sysparm_offset=4');
    expect(link).toContain('rel="next"');
    expect(link).toContain('rel="prev"');
  });

  test('!= never matches an empty field, like ServiceNow', async () => {
    await create({ short_description: 'with', category: 'software' });
    await create({ short_description: 'without', category: '' });
    const q = new URLSearchParams({
      sysparm_query: 'category!=network',
      sysparm_fields: 'short_description',
    });
    const res = await sn('GET', `/api/now/table/incident?${q}`);
    expect(res.json.result).toEqual([{ short_description: 'with' }]);
  });

  test.each([
    ['an unknown field', 'colour=red'],
    ['an OR condition', 'state=1^ORstate=2'],
    ['a dot-walked field', 'caller_id.name=x'],
  ])('refuses a query with %s (400)', async (_label, query) => {
    const res = await sn('GET', `/api/now/table/incident?${new URLSearchParams({ sysparm_query: query })}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { message: 'Invalid query' }, status: 'failure' });
  });
});

describe('incident updates', () => {
  test('work_notes append a journal entry (read back empty on the incident, listed in sys_journal_field)', async () => {
    // Prepare
    const inc = await create({ short_description: 'x' });
    // Act
    const first = await sn('PATCH', `/api/now/table/incident/${String(inc.sys_id)}`, {
      work_notes: 'Step 1',
    });
    await sn('PUT', `/api/now/table/incident/${String(inc.sys_id)}`, { work_notes: 'Step 2', state: '2' });
    const q = new URLSearchParams({
      sysparm_query: `element_id=${String(inc.sys_id)}^element=work_notes^ORDERBYsys_created_on`,
      sysparm_fields: 'value,sys_created_by',
    });
    const journal = await sn('GET', `/api/now/table/sys_journal_field?${q}`);
    const read = await sn('GET', `/api/now/table/incident/${String(inc.sys_id)}`);
    // Assess
    expect(first.status).toBe(200);
    expect((first.json.result as Json).work_notes).toBe('');
    expect(journal.json.result).toEqual([
      { value: 'Step 1', sys_created_by: 'imds-guard' },
      { value: 'Step 2', sys_created_by: 'imds-guard' },
    ]);
    expect(read.json.result).toMatchObject({ state: '2', sys_mod_count: '2', sys_updated_by: 'imds-guard' });
  });

  test('resolving needs close_code and close_notes; a resolved incident stays active until closed', async () => {
    // Prepare
    const inc = await create({ short_description: 'x', correlation_id: 'c-1' });
    const path = `/api/now/table/incident/${String(inc.sys_id)}`;
    // Act
    const refused = await sn('PATCH', path, { state: '6', close_notes: 'done' });
    const resolved = await sn('PATCH', path, {
      state: '6',
      close_code: 'Solution provided',
      close_notes: 'Metadata service disabled by imds-guard.',
    });
    const openQuery = new URLSearchParams({ sysparm_query: 'correlation_id=c-1^active=true^state!=6' });
    const stillOpen = await sn('GET', `/api/now/table/incident?${openQuery}`);
    const closed = await sn('PATCH', path, { state: '7' });
    const locked = await sn('PATCH', path, { work_notes: 'too late' });
    // Assess
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({
      error: {
        message: 'Operation Failed',
        detail: 'Data Policy Exception: \n\tThe following fields are mandatory: Resolution code\n',
      },
      status: 'failure',
    });
    expect(resolved.json.result).toMatchObject({
      state: '6',
      active: 'true',
      close_code: 'Solution provided',
      resolved_at: expect.stringMatching(/^\d{4}-/),
      resolved_by: { value: expect.stringMatching(/^[0-9a-f]{32}$/) },
    });
    expect(stillOpen.json.result).toEqual([]);
    expect(closed.json.result).toMatchObject({ state: '7', active: 'false', closed_at: expect.any(String) });
    expect(locked.status).toBe(403);
  });
});

describe('authentication', () => {
  test.each([
    ['no Authorization header', null],
    ['a wrong password', basic('imds-guard', 'wrong')],
    ['an unknown user', basic('mallory', 'sn-pass-0001')],
    ['a Bearer token (Basic only)', 'Bearer abc.def.ghi'],
  ])('401 with %s', async (_label, authorization) => {
    const res = await sn('GET', '/api/now/table/incident', undefined, authorization);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('BASIC realm="Service-now"');
    expect(res.json).toEqual({
      error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
      status: 'failure',
    });
  });

  test('a 401 creates nothing', async () => {
    await sn('POST', '/api/now/table/incident', { short_description: 'x' }, null);
    expect(emu.emulator.state.incidents.size).toBe(0);
  });
});
