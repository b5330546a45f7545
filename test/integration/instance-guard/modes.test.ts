// Theme 3: every mode and every way a policy picks one: disable, secure (hop limit N), audit, first-match
// rules by region / resource group / VPC / name glob / access tag, container hosts (hop limit 2),
// exemptions (access tag, user tag only when enabled, list entries with expiry), tag lookup failures
// (fail-closed / fail-open) and dry run. Each test starts from the demo world as written.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import { asParams, bodyOf, decisionFor, startWorld, type World } from './support.ts';

const HTTP = { enabled: true, protocol: 'http', response_hop_limit: 1 } as const;
const SECURE_1 = { enabled: true, protocol: 'https', response_hop_limit: 1 } as const;
const SECURE_2 = { enabled: true, protocol: 'https', response_hop_limit: 2 } as const;
const CONTAINER_TAG = 'imds-guard:container-host';
const EXEMPT_TAG = 'imds-guard:exempt';

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

beforeEach(async () => {
  await world.admin.reset();
});

afterAll(async () => {
  await world.close();
});

/** A user's change to `name`, delivered to a cold guard with `policy`; the one decision and the calls. */
const run = async (
  name: string,
  change: InstanceMetadataServicePatch,
  policy: Record<string, unknown>,
  env: Record<string, string> = {},
) => {
  const event = await world.userSets(name, change);
  const guard = world.guard(policy, env);
  const since = await world.mark();
  const res = await guard.main(asParams(event));
  const line = decisionFor(guard.decisions(), event.target.id);
  const vpc = (await world.guardCalls(since, 'vpc')).map((c) => c.method);
  const after = (await world.instance(name)).metadata_service;
  return { res, line, vpc, after, guard };
};

describe('modes', () => {
  test('disable: an enabled instance is switched off with a one-key PATCH', async () => {
    const { res, line, vpc, after } = await run(
      'web-01',
      { protocol: 'http' },
      {
        instances: { default: { mode: 'disable' } },
      },
    );
    expect(res.statusCode).toBe(200);
    expect(line).toMatchObject({ outcome: 'remediated', before: HTTP, after: { ...HTTP, enabled: false } });
    expect(line.detail).toMatchObject({ rule: 'default', patch: { enabled: false } });
    // The instance, its image's allowed use (read once before a disable, image-gate.ts), the PATCH.
    expect(vpc).toEqual(['GET', 'GET', 'PATCH']);
    expect(after.enabled).toBe(false);
  });

  test('disable: an already disabled instance is compliant, GET only', async () => {
    const { line, vpc } = await run(
      'db-01',
      { enabled: false },
      { instances: { default: { mode: 'disable' } } },
    );
    expect(line.outcome).toBe('compliant');
    expect(vpc).toEqual(['GET']);
  });

  test('secure with hop limit 3: only the fields that differ are patched', async () => {
    const { line, vpc, after } = await run(
      'batch-01',
      { protocol: 'http' },
      {
        instances: { default: { mode: 'secure', hop_limit: 3 } },
      },
    );
    expect(line.outcome).toBe('remediated');
    expect(line.detail?.patch).toEqual({ protocol: 'https' });
    expect(after).toEqual({ enabled: true, protocol: 'https', response_hop_limit: 3 });
    expect(vpc).toEqual(['GET', 'PATCH']);
  });

  test('secure: a disabled instance is turned on with secure access and the hop limit', async () => {
    const { line, after } = await run(
      'db-01',
      { enabled: false },
      {
        instances: { default: { mode: 'secure', hop_limit: 4 } },
      },
    );
    expect(line.outcome).toBe('remediated');
    expect(line.detail?.patch).toEqual({ enabled: true, protocol: 'https', response_hop_limit: 4 });
    expect(after).toEqual({ enabled: true, protocol: 'https', response_hop_limit: 4 });
  });

  test('audit: decided and logged as planned, nothing changed', async () => {
    const { res, line, vpc, after } = await run(
      'web-02',
      { protocol: 'http' },
      {
        instances: { default: { mode: 'audit' } },
      },
    );
    expect(res.statusCode).toBe(200);
    expect(line).toMatchObject({
      outcome: 'planned',
      level: 'info',
      before: HTTP,
      after: HTTP,
      dry_run: false,
    });
    expect(line.detail).toMatchObject({ mode: 'audit', patch: { protocol: 'https' } });
    expect(line.reason).toMatch(/mode audit: reported only/);
    expect(vpc).toEqual(['GET']);
    expect(after).toEqual(HTTP);
  });

  test('audit: a disabled instance passes (disabled is at least as safe as the bar)', async () => {
    const { line, vpc } = await run(
      'db-01',
      { enabled: false },
      { instances: { default: { mode: 'audit' } } },
    );
    expect(line.outcome).toBe('compliant');
    expect(vpc).toEqual(['GET']);
  });
});

describe('rules: the first match wins', () => {
  const RULES = {
    instances: {
      default: { mode: 'disable' },
      rules: [
        { name: 'eu-report-only', match: { regions: ['eu-*'] }, mode: 'audit' },
        { name: 'dev-group', match: { resource_groups: ['dev'] }, mode: 'secure', hop_limit: 5 },
        { name: 'container-vpc', match: { vpcs: ['containers-vpc'] }, mode: 'secure', hop_limit: 2 },
        { name: 'web-names', match: { names: ['web-*'] }, mode: 'secure' },
        { name: 'payments-tag', match: { tags: ['team:payments'] }, mode: 'disable' },
        // Never reached for web-*: the rule above matches first.
        { name: 'web-02-pinned', match: { names: ['web-02'] }, mode: 'disable' },
      ],
    },
  };

  test.each([
    { name: 'eu-web-01', rule: 'eu-report-only', outcome: 'planned', after: HTTP },
    {
      name: 'batch-01',
      rule: 'dev-group',
      outcome: 'remediated',
      after: { enabled: true, protocol: 'https', response_hop_limit: 5 },
    },
    { name: 'k8s-worker-02', rule: 'container-vpc', outcome: 'remediated', after: SECURE_2 },
    { name: 'web-02', rule: 'web-names', outcome: 'remediated', after: SECURE_1 },
    { name: 'api-01', rule: 'default', outcome: 'remediated', after: { ...HTTP, enabled: false } },
  ])('$name → rule $rule', async ({ name, rule, outcome, after }) => {
    const res = await run(name, HTTP, RULES);
    expect(res.line.detail?.rule).toBe(rule);
    expect(res.line.outcome).toBe(outcome);
    expect(res.after).toEqual(after);
  });

  test('an access tag selects a rule; an earlier matching rule still wins over it', async () => {
    // Prepare
    await world.attachTags('workers-001', ['team:payments'], 'access');
    await world.attachTags('web-01', ['team:payments'], 'access');

    // Act
    const tagged = await run('workers-001', HTTP, RULES);
    const named = await run('web-01', HTTP, RULES);

    // Assess
    expect(tagged.line.detail?.rule).toBe('payments-tag');
    expect(tagged.after.enabled).toBe(false);
    expect(named.line.detail?.rule).toBe('web-names');
    expect(named.after).toEqual(SECURE_1);
  });
});

describe('container hosts: secure access with hop limit 2', () => {
  const CONTAINERS = {
    instances: {
      default: { mode: 'disable' },
      rules: [{ name: 'container-hosts', match: { tags: [CONTAINER_TAG] }, mode: 'secure', hop_limit: 2 }],
    },
  };

  test('selected by the access tag an administrator attached', async () => {
    // k8s-worker-02 carries the access tag in the scenario.
    const { line, after } = await run('k8s-worker-02', HTTP, CONTAINERS);
    expect(line).toMatchObject({ outcome: 'remediated', after: SECURE_2 });
    expect(line.detail?.rule).toBe('container-hosts');
    expect(after).toEqual(SECURE_2);
  });

  test('a container host already on https with hop limit 2 is compliant', async () => {
    const { line, vpc } = await run('k8s-worker-01', SECURE_2, CONTAINERS);
    expect(line.outcome).toBe('compliant');
    expect(vpc).toEqual(['GET']);
  });

  test('a user tag does not select the rule unless match_user_tags is on', async () => {
    await world.attachTags('web-02', [CONTAINER_TAG], 'user');
    const off = await run('web-02', HTTP, CONTAINERS);
    expect(off.line.detail?.rule).toBe('default');
    expect(off.after.enabled).toBe(false);
  });

  test('with match_user_tags: true the user tag selects it', async () => {
    await world.attachTags('web-02', [CONTAINER_TAG], 'user');
    const policy = { instances: { ...CONTAINERS.instances, match_user_tags: true } };
    const on = await run('web-02', HTTP, policy);
    expect(on.line.detail?.rule).toBe('container-hosts');
    expect(on.after).toEqual(SECURE_2);
  });
});

describe('exemptions', () => {
  const SECURE = { instances: { default: { mode: 'secure' } } };

  test('access tag imds-guard:exempt → exempt, never patched', async () => {
    const { line, vpc, after } = await run('legacy-01', HTTP, SECURE);
    expect(line).toMatchObject({ outcome: 'exempt', before: HTTP, after: HTTP });
    expect(line.detail?.exemption).toMatchObject({ by: 'access-tag', tag: EXEMPT_TAG });
    expect(vpc).toEqual(['GET']);
    expect(after).toEqual(HTTP);
  });

  test('the same tag as a user tag is not honoured by default', async () => {
    await world.attachTags('web-02', [EXEMPT_TAG], 'user');
    const { line, after } = await run('web-02', HTTP, SECURE);
    expect(line.outcome).toBe('remediated');
    expect(after).toEqual(SECURE_1);
  });

  test('… and is honoured once user_tags lists it', async () => {
    await world.attachTags('web-02', [EXEMPT_TAG], 'user');
    const policy = { instances: { default: { mode: 'secure' }, exemptions: { user_tags: [EXEMPT_TAG] } } };
    const { line, vpc, after } = await run('web-02', HTTP, policy);
    expect(line.outcome).toBe('exempt');
    expect(line.detail?.exemption).toMatchObject({ by: 'user-tag', tag: EXEMPT_TAG });
    expect(vpc).toEqual(['GET']);
    expect(after).toEqual(HTTP);
  });

  test('a list entry that has not expired → exempt, with its ticket and approver', async () => {
    const web = await world.instance('web-02');
    const entry = {
      match: { crn: web.crn },
      expires: '2099-01-01T00:00:00Z',
      approver: 'security@example.com',
      ticket: 'CHG0000001',
      reason: 'vendor agent',
    };
    const policy = { instances: { default: { mode: 'secure' }, exemptions: { list: [entry] } } };
    const { line, after } = await run('web-02', HTTP, policy);
    expect(line.outcome).toBe('exempt');
    expect(line.detail?.exemption).toMatchObject({
      by: 'list',
      ticket: 'CHG0000001',
      approver: entry.approver,
    });
    expect(after).toEqual(HTTP);
  });

  test('an expired list entry is ignored (and named in the reason and a policy warning)', async () => {
    const entry = {
      match: { name: 'web-02', region: 'us-south' },
      expires: '2020-01-01T00:00:00Z',
      approver: 'security@example.com',
      ticket: 'CHG0000002',
    };
    const policy = { instances: { default: { mode: 'secure' }, exemptions: { list: [entry] } } };
    const { line, after, guard } = await run('web-02', HTTP, policy);
    expect(line.outcome).toBe('remediated');
    expect(line.reason).toMatch(/CHG0000002.*expired at 2020-01-01T00:00:00Z and was ignored/);
    expect(after).toEqual(SECURE_1);
    expect(guard.logger.lines.some((l) => l.message === 'policy warning' && l.level === 'warn')).toBe(true);
  });

  test('a list entry for another region does not match', async () => {
    const entry = {
      match: { name: 'web-02', region: 'eu-de' },
      expires: '2099-01-01T00:00:00Z',
      approver: 'security@example.com',
      ticket: 'CHG0000003',
    };
    const policy = { instances: { default: { mode: 'secure' }, exemptions: { list: [entry] } } };
    const { line } = await run('web-02', HTTP, policy);
    expect(line.outcome).toBe('remediated');
  });
});

describe('tag lookup failure', () => {
  const failTags = async () => {
    await world.admin.fault({ service: 'tagging', status: 403 });
  };

  test('fail-closed (default): decided as if there were no tags, so the exempt tag cannot save it', async () => {
    await failTags();
    const { line, after } = await run('legacy-01', HTTP, { instances: { default: { mode: 'secure' } } });
    expect(line.outcome).toBe('remediated');
    expect(line.reason).toMatch(/tags could not be read .*fail-closed/);
    expect(line.detail?.tag_lookup_error).toEqual(expect.any(String));
    expect(after).toEqual(SECURE_1);
  });

  test('a failed tag read is not retried again on top of sdk-core’s own retries', async () => {
    // Prepare: sdk-core declines to retry a 429 with Retry-After: 0; our code must not add a retry.
    await world.admin.fault({ service: 'tagging', status: 429, retry_after: 0, count: 1 });
    const since = await world.mark();

    // Act
    const { line } = await run('legacy-01', HTTP, { instances: { default: { mode: 'secure' } } });

    // Assess
    expect(await world.calls(since, { service: 'tagging' })).toHaveLength(1);
    expect(line.detail?.tag_lookup_error).toEqual(expect.any(String));
    expect(line.outcome).toBe('remediated');
  });

  test('fail-open: left alone this time (exempt by tag-lookup-failed)', async () => {
    await failTags();
    const policy = { instances: { default: { mode: 'secure' }, on_tag_lookup_failure: 'fail-open' } };
    const { line, vpc, after } = await run('web-02', HTTP, policy);
    expect(line.outcome).toBe('exempt');
    expect(line.detail?.exemption).toMatchObject({ by: 'tag-lookup-failed' });
    expect(vpc).toEqual(['GET']);
    expect(after).toEqual(HTTP);
  });
});

describe('dry run', () => {
  test.each([
    {
      how: 'IMDS_GUARD_DRY_RUN=1',
      policy: { instances: { default: { mode: 'disable' } } },
      env: { IMDS_GUARD_DRY_RUN: '1' },
    },
    {
      how: 'policy.dry_run',
      policy: { dry_run: true, instances: { default: { mode: 'disable' } } },
      env: {} as Record<string, string>,
    },
  ])('$how → planned with the PATCH it would send, nothing changed', async ({ policy, env }) => {
    const { res, line, vpc, after } = await run('web-01', HTTP, policy, env);
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).outcome).toBe('planned');
    expect(line).toMatchObject({
      outcome: 'planned',
      dry_run: true,
      before: HTTP,
      after: { ...HTTP, enabled: false },
    });
    expect(line.reason).toMatch(/^dry run: would PATCH \{"enabled":false\}/);
    // The instance and its image (the gate reads allowed use before any disable, planned too).
    expect(vpc).toEqual(['GET', 'GET']);
    expect(after).toEqual(HTTP);
  });
});
