// The emulated Jira Cloud REST v3: Basic auth with email + API token, enhanced JQL search with the
// supported subset (and refusals outside it), issue create with ADF, comments, transitions.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { adfFromText } from '#shared/tickets/adf.ts';
import { withEmulator } from '../../helpers/emulator.ts';

const SCENARIO = `
seed: jira-test
jira:
  users:
    - { email: bot@example.com, api_token: jira-token-0001 }
  projects:
    - { key: SEC, name: Security }
`;

type Json = Record<string, unknown>;

let emu: RunningEmulator;

const basic = (email: string, token: string): string =>
  `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;

const jira = async (
  method: string,
  path: string,
  body?: unknown,
  authorization = basic('bot@example.com', 'jira-token-0001'),
): Promise<{ status: number; json: Json }> => {
  const res = await fetch(`${emu.url}/rest/api/3${path}`, {
    method,
    headers: {
      accept: 'application/json',
      authorization,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json };
};

const create = async (summary: string, labels: string[]): Promise<Json> => {
  const res = await jira('POST', '/issue', {
    fields: {
      project: { key: 'SEC' },
      issuetype: { name: 'Task' },
      summary,
      description: adfFromText(`Body of ${summary}\n--\nimds-guard-marker: m`),
      labels,
    },
  });
  expect(res.status).toBe(201);
  return res.json;
};

const search = (jql: string, extra: Json = {}) =>
  jira('POST', '/search/jql', { jql, fields: ['summary', 'status', 'labels'], ...extra });

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.reset();
});

describe('issues', () => {
  test('create → SEC-1; search by label and status category; comment; transition to Done', async () => {
    // Prepare
    const issue = await create('first', ['imds-guard', 'imdsg-p-1']);
    await create('other', ['imds-guard', 'imdsg-p-2']);

    // Act
    const found = await search(
      'project = "SEC" AND labels = "imdsg-p-1" AND statusCategory != Done ORDER BY created ASC',
    );
    const comment = await jira('POST', `/issue/${issue.key as string}/comment`, {
      body: adfFromText('changed'),
    });
    const { json: t } = await jira('GET', `/issue/${issue.key as string}/transitions`);
    const done = (t.transitions as { id: string; to: { statusCategory: { key: string } } }[]).find(
      (x) => x.to.statusCategory.key === 'done',
    );
    const moved = await jira('POST', `/issue/${issue.key as string}/transitions`, {
      transition: { id: done?.id },
    });
    const after = await search('project = SEC AND labels = "imdsg-p-1" AND statusCategory != Done');

    // Assess
    expect(issue.key).toBe('SEC-1');
    expect((found.json.issues as Json[]).map((i) => i.key)).toEqual(['SEC-1']);
    expect(found.json.isLast).toBe(true);
    expect(comment.status).toBe(201);
    expect(moved.status).toBe(204);
    expect(after.json.issues).toEqual([]);
  });

  test('a plain-string description (the v2 format) is refused with a field error', async () => {
    // Act
    const res = await jira('POST', '/issue', {
      fields: {
        project: { key: 'SEC' },
        issuetype: { name: 'Task' },
        summary: 's',
        description: 'plain text',
      },
    });

    // Assess
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      errorMessages: [],
      errors: {
        description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
      },
    });
  });

  test('a label with a space, an unknown project and a missing summary are field errors', async () => {
    // Act
    const label = await jira('POST', '/issue', {
      fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 's', labels: ['a b'] },
    });
    const project = await jira('POST', '/issue', {
      fields: { project: { key: 'NOPE' }, issuetype: { name: 'Task' }, summary: 's' },
    });
    const summary = await jira('POST', '/issue', {
      fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' } },
    });

    // Assess
    expect([label.status, project.status, summary.status]).toEqual([400, 400, 400]);
    expect(Object.keys(label.json.errors as Json)).toEqual(['labels']);
    expect(Object.keys(project.json.errors as Json)).toEqual(['project']);
    expect(Object.keys(summary.json.errors as Json)).toEqual(['summary']);
  });
});

describe('search', () => {
  test('the removed /rest/api/3/search answers 410; startAt in the new one is an invalid payload', async () => {
    // Act
    const old = await jira('GET', '/search?jql=project%20%3D%20SEC');
    const startAt = await search('project = SEC', { startAt: 0 });

    // Assess
    expect(old.status).toBe(410);
    expect(startAt.status).toBe(400);
    expect(startAt.json.errorMessages).toEqual([
      'Invalid request payload. Refer to the REST API documentation and try again.',
    ]);
  });

  test('unbounded JQL and JQL outside the supported subset are refused', async () => {
    // Act
    const unbounded = await search('statusCategory != Done');
    const or = await search('project = SEC OR labels = x');

    // Assess
    expect(unbounded.status).toBe(400);
    expect(unbounded.json.errorMessages).toEqual([
      'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
    ]);
    expect(or.status).toBe(400);
  });

  test('pages with nextPageToken until isLast', async () => {
    // Prepare
    for (let i = 0; i < 3; i += 1) await create(`s${i}`, ['x']);

    // Act
    const first = await search('project = SEC', { maxResults: 2 });
    const second = await search('project = SEC', { maxResults: 2, nextPageToken: first.json.nextPageToken });

    // Assess
    expect((first.json.issues as Json[]).length).toBe(2);
    expect(first.json.isLast).toBe(false);
    expect((second.json.issues as Json[]).map((i) => i.key)).toEqual(['SEC-3']);
    expect(second.json.isLast).toBe(true);
    expect(second.json.nextPageToken).toBeUndefined();
  });
});

describe('auth', () => {
  test('a wrong API token is a 401 and nothing is created', async () => {
    // Act
    const res = await jira(
      'POST',
      '/issue',
      { fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 's' } },
      basic('bot@example.com', 'wrong'),
    );

    // Assess
    expect(res.status).toBe(401);
    const probe = await search('project = SEC');
    expect(probe.json.issues).toEqual([]);
  });
});
