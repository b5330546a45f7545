import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { grantsFor, scopeKey } from '#shared/actions/grants.ts';
import {
  authorizationKey,
  crnGuid,
  EMPTY_STATE,
  type ExistingState,
  linkName,
  type Plan,
  planDeploy,
  type Step,
  stepsOf,
} from '#shared/manifest/deploy-plan.ts';
import { commandLine, quote, renderPlan } from '#shared/manifest/deploy-render.ts';
import { type LoadedManifest, loadManifest } from '#shared/manifest/load.ts';
import type { Deployment } from '#shared/manifest/schema.ts';
import { loadPolicyFromJson } from '#shared/policy/load.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const path = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const read = (rel: string): string => readFileSync(path(rel), 'utf8');

const SAMPLE_FILE = 'test/fixtures/manifest.sample.yaml';
const load = (rel: string, file: string): LoadedManifest => loadManifest(read(rel), file, { now: NOW });
const sample = (): LoadedManifest => load('../../fixtures/manifest.sample.yaml', SAMPLE_FILE);
const repo = (): LoadedManifest => load('../../../manifest.yaml', 'manifest.yaml');

const deployment = (loaded: LoadedManifest): Deployment => {
  if (!loaded.deployment) throw new Error('expected deployment sections');
  return loaded.deployment;
};

const planFor = (loaded: LoadedManifest, state: ExistingState = EMPTY_STATE): Plan =>
  planDeploy(deployment(loaded), loaded.policy, state, loaded.file);

/** What IBM Cloud would hold after the plan ran: every created resource now exists. */
const apply = (plan: Plan, state: ExistingState): ExistingState => {
  const next = {
    ...state,
    probed: true,
    links: new Set(state.links),
    policies: new Map(state.policies),
    secrets: new Set(state.secrets),
    configmaps: new Set(state.configmaps),
    functions: new Set(state.functions),
    apps: new Set(state.apps),
    jobs: new Set(state.jobs),
    crons: new Set(state.crons),
    kafkas: new Set(state.kafkas),
    authorizations: new Set(state.authorizations),
    atTargets: new Set(state.atTargets),
    atRoutes: new Set(state.atRoutes),
  };
  for (const step of stepsOf(plan).filter((s) => s.verb === 'create')) {
    switch (step.kind) {
      case 'target':
        break;
      case 'project':
        next.project = true;
        break;
      case 'identity':
        next.identity = true;
        break;
      case 'link':
        next.links.add(step.name);
        break;
      case 'iam-policy':
        next.policies.set(step.name, `policy-${next.policies.size + 1}`);
        break;
      case 'secret':
        next.secrets.add(step.name);
        break;
      case 'configmap':
        next.configmaps.add(step.name);
        break;
      case 'function':
        next.functions.add(step.name);
        break;
      case 'app':
        next.apps.add(step.name);
        break;
      case 'job':
        next.jobs.add(step.name);
        break;
      case 'cron':
        next.crons.add(step.name);
        break;
      case 'kafka':
        next.kafkas.add(step.name);
        break;
      case 'authorization':
        next.authorizations.add(step.name);
        break;
      case 'at-target':
        next.atTargets.add(step.name);
        break;
      case 'at-route':
        next.atRoutes.add(step.name);
        break;
    }
  }
  return next;
};

/** State in which every resource of the deployment exists. */
const everythingExists = (loaded: LoadedManifest): ExistingState => {
  const d = deployment(loaded);
  const at = d.activity_tracker;
  return {
    probed: true,
    project: true,
    identity: true,
    links: new Set([
      ...d.functions.map((f) => linkName('function', f.name)),
      ...(d.app ? [linkName('app', d.app.name)] : []),
      ...(d.job ? [linkName('job', d.job.name)] : []),
    ]),
    policies: new Map(
      grantsFor(loaded.policy, d.audit_trail).map((g, i) => [scopeKey(g.scope), `policy-${i + 1}`]),
    ),
    secrets: new Set(d.secrets.map((s) => s.name)),
    configmaps: new Set([...d.configmaps.map((c) => c.name), d.project.config_map]),
    functions: new Set(d.functions.map((f) => f.name)),
    apps: new Set(d.app ? [d.app.name] : []),
    jobs: new Set(d.job ? [d.job.name] : []),
    crons: new Set(d.cron.map((c) => c.name)),
    kafkas: new Set(d.kafka ? [d.kafka.name] : []),
    authorizations: new Set((at?.targets ?? []).map((t) => authorizationKey(crnGuid(t.instance_crn)))),
    atTargets: new Set((at?.targets ?? []).map((t) => t.name)),
    atRoutes: new Set(at ? [at.route.name] : []),
  };
};

const lines = (plan: Plan): string[] => stepsOf(plan).map(commandLine);
const find = (plan: Plan, predicate: (s: Step) => boolean): Step => {
  const step = stepsOf(plan).find(predicate);
  if (!step) throw new Error('no such step');
  return step;
};

describe('the generated commands, against reviewed expected files', () => {
  test('the sample manifest (every feature once) gives exactly test/fixtures/deploy.expected.txt', () => {
    // Act
    const text = renderPlan(planFor(sample()));
    // Assess
    expect(text).toBe(read('../../fixtures/deploy.expected.txt'));
  });

  test('the repository manifest gives exactly test/fixtures/deploy.manifest.expected.txt', () => {
    expect(renderPlan(planFor(repo()))).toBe(read('../../fixtures/deploy.manifest.expected.txt'));
  });

  test('the README "Deploy to Code Engine" section shows that same output', () => {
    // Prepare
    const readme = read('../../../README.md');
    const section = readme.slice(readme.indexOf('## Deploy to Code Engine'));
    // Act
    const block = /```text\n([\s\S]*?)```/.exec(section)?.[1];
    // Assess
    expect(block).toBe(read('../../fixtures/deploy.manifest.expected.txt'));
  });

  test('docs/deploy.md lists that same output', () => {
    const docs = read('../../../docs/deploy.md');
    const section = docs.slice(docs.indexOf("## The generated commands for this repository's manifest.yaml"));
    expect(/```text\n([\s\S]*?)```/.exec(section)?.[1]).toBe(
      read('../../fixtures/deploy.manifest.expected.txt'),
    );
  });

  test('the order: account, project, identity, configuration, code, subscriptions, Activity Tracker last', () => {
    const kinds = stepsOf(planFor(sample())).map((s) => s.kind);
    const firstOf = (k: Step['kind']) => kinds.indexOf(k);
    expect(kinds[0]).toBe('target');
    expect(firstOf('project')).toBeLessThan(firstOf('identity'));
    expect(kinds.lastIndexOf('iam-policy')).toBeLessThan(firstOf('secret'));
    expect(kinds.lastIndexOf('configmap')).toBeLessThan(firstOf('function'));
    expect(kinds.lastIndexOf('job')).toBeLessThan(firstOf('cron'));
    expect(kinds.lastIndexOf('kafka')).toBeLessThan(firstOf('authorization'));
    expect(kinds.at(-1)).toBe('at-route');
  });
});

describe('idempotency', () => {
  test('when everything exists, the plan only updates: no create at all', () => {
    // Prepare
    const loaded = sample();
    // Act
    const plan = planFor(loaded, everythingExists(loaded));
    const steps = stepsOf(plan);
    // Assess
    expect(steps.filter((s) => s.verb === 'create')).toEqual([]);
    expect(lines(plan).filter((l) => / create( |$)|-create /.test(l))).toEqual([]);
    expect(lines(plan)).toEqual(
      expect.arrayContaining([
        "ibmcloud iam trusted-profile-update guard-sample -d 'imds-guard: Code Engine functions that guard instance metadata and trusted profiles'",
        "ibmcloud iam trusted-profile-policy-update guard-sample policy-1 --roles Editor --service-name is --attributes 'instanceId=*'",
        'ibmcloud ce secret update --name es-credentials --from-env-file "$DEPLOY_DIR/es-credentials.env"',
        'ibmcloud ce configmap update --name guard-settings --from-literal IMDS_GUARD_LOG_LEVEL=debug --from-literal SERVICENOW_URL=https://example.service-now.com',
        expect.stringMatching(/^ibmcloud ce fn update --name instance-guard /),
        expect.stringMatching(/^ibmcloud ce app update --name guard-events /),
        expect.stringMatching(/^ibmcloud ce job update --name guard-bulk /),
        expect.stringMatching(/^ibmcloud ce sub cron update --name sweep-every-15 /),
        'ibmcloud ce sub kafka update --name guard-at-events --destination guard-events --destination-type app --path /events --topic guard-at --broker b0.guard.eventstreams.example:9093 --secret es-credentials',
        expect.stringMatching(/^TARGET_ID_GUARD_ES=\$\(ibmcloud atracker target update --target guard-es /),
        expect.stringMatching(/^ibmcloud atracker route update --route guard --rules /),
      ]),
    );
    const notes = plan.sections.flatMap((s) => s.notes);
    expect(notes).toEqual(
      expect.arrayContaining([
        'Link ce-fn-instance-guard exists (links have no update).',
        'Kafka subscription guard-at-events keeps its consumer group (Code Engine cannot change it after creation).',
        'Activity Tracker may already write to Event Streams instance 11111111-2222-3333-4444-555555555555.',
      ]),
    );
  });

  test('running the plan twice never creates anything twice', () => {
    // Prepare
    const loaded = sample();
    // Act
    const first = planFor(loaded);
    const afterFirst = apply(first, EMPTY_STATE);
    const second = planFor(loaded, afterFirst);
    const afterSecond = apply(second, afterFirst);
    const third = planFor(loaded, afterSecond);
    // Assess
    const created = stepsOf(first).filter((s) => s.verb === 'create');
    expect(new Set(created.map((s) => `${s.kind}:${s.name}`)).size).toBe(created.length);
    expect(stepsOf(second).filter((s) => s.verb === 'create')).toEqual([]);
    expect(afterSecond).toEqual(afterFirst);
    expect(renderPlan(third)).toBe(renderPlan(second));
  });

  test('the first plan creates each resource exactly once', () => {
    const steps = stepsOf(planFor(sample()));
    const verbs = (kind: Step['kind']) => steps.filter((s) => s.kind === kind).map((s) => s.verb);
    expect(verbs('project')).toEqual(['create', 'select', 'read']);
    expect(verbs('function')).toEqual(['create', 'create', 'create']);
    expect(verbs('link')).toHaveLength(5);
    expect(verbs('at-target')).toEqual(['create', 'create']);
  });
});

describe('what the dry run says about state', () => {
  test('without ibmcloud, a comment line says nothing is assumed to exist', () => {
    const text = renderPlan(planFor(repo()));
    expect(text).toContain(
      '# State: nothing was read from IBM Cloud (ibmcloud is not on PATH), so nothing is assumed to exist and every resource is created.\n',
    );
  });

  test('when ibmcloud could not read the state, the reason is given instead', () => {
    const text = renderPlan(
      planFor(repo(), { ...EMPTY_STATE, unread: 'ibmcloud could not read it: not logged in' }),
    );
    expect(text).toContain(
      '# State: nothing was read from IBM Cloud (ibmcloud could not read it: not logged in)',
    );
  });

  test('a probed state says so', () => {
    const text = renderPlan(planFor(repo(), { ...EMPTY_STATE, probed: true }));
    expect(text).toContain(
      '# State: read from IBM Cloud with ibmcloud; what exists is updated, what is missing is created.\n',
    );
  });
});

describe('secrets', () => {
  test('the plan names environment variables and files, never values', () => {
    // Prepare
    const plan = planFor(sample());
    const step = find(plan, (s) => s.kind === 'secret' && s.name === 'es-credentials');
    // Assess
    expect(commandLine(step)).toBe(
      'ibmcloud ce secret create --name es-credentials --from-env-file "$DEPLOY_DIR/es-credentials.env"',
    );
    expect(step.comment).toEqual([
      'es-credentials: username from $SAMPLE_ES_USERNAME, password from $SAMPLE_ES_APIKEY.',
    ]);
    expect(step.file?.content).toEqual({
      kind: 'env-file',
      entries: [
        { key: 'username', env: 'SAMPLE_ES_USERNAME' },
        { key: 'password', env: 'SAMPLE_ES_APIKEY' },
      ],
    });
    const target = find(plan, (s) => s.kind === 'at-target' && s.name === 'guard-es-backup');
    expect(commandLine(target)).toContain('--api-key @"$DEPLOY_DIR/guard-es-backup.apikey"');
  });

  test('an existing secret is referenced, not created', () => {
    const plan = planFor(sample());
    expect(stepsOf(plan).some((s) => s.kind === 'secret' && s.name === 'invoke-token')).toBe(false);
    expect(plan.sections.flatMap((s) => s.notes)).toContain(
      'Secret invoke-token is not managed here (from: existing); it must already hold IMDS_GUARD_INVOKE_TOKEN.',
    );
  });
});

describe('the policy configmap', () => {
  test('IMDS_GUARD_POLICY is the validated policy, and the functions read it back identically', () => {
    // Prepare
    const loaded = repo();
    const step = find(planFor(loaded), (s) => s.kind === 'configmap' && s.name === 'imds-guard-config');
    // Act
    const content = step.file?.content;
    const json = content?.kind === 'text' ? content.text : '';
    // Assess
    expect(step.file?.prefix).toBe('IMDS_GUARD_POLICY=');
    expect(loadPolicyFromJson(json, 'IMDS_GUARD_POLICY', { now: NOW }).policy).toEqual(loaded.policy);
    expect(step.argv).toEqual(
      expect.arrayContaining([
        'IMDS_GUARD_AUTH_TYPE=container',
        'IMDS_GUARD_IAM_PROFILE_NAME=imds-guard',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the plan's literal placeholder, filled in at run time
        'IMDS_GUARD_SELF_IDS=${GUARD_IAM_ID}',
      ]),
    );
  });
});

describe('a service ID instead of a trusted profile', () => {
  const text = read('../../fixtures/manifest.sample.yaml')
    .replace(
      'identity:\n  trusted_profile:\n    name: guard-sample\n',
      'identity:\n  service_id:\n    name: guard-sample\n    apikey_secret: guard-key\n',
    )
    .replace(
      'secrets:\n',
      'secrets:\n  - name: guard-key\n    from: existing\n    keys: [IMDS_GUARD_APIKEY]\n',
    );

  test('gets service policies, no links, its key from a secret, and no trusted-profile token', () => {
    // Act
    const plan = planFor(loadManifest(text, 'sid.yaml', { now: NOW }));
    const all = lines(plan);
    // Assess
    expect(all).toContain(
      "ibmcloud iam service-id-create guard-sample -d 'imds-guard: Code Engine functions that guard instance metadata and trusted profiles'",
    );
    expect(all).toContain(
      "GUARD_IAM_ID=$(ibmcloud iam service-id guard-sample --output JSON | jq -r '.iam_id')",
    );
    expect(all).toContain(
      "ibmcloud iam service-policy-create guard-sample --roles Editor --service-name is --attributes 'instanceId=*'",
    );
    expect(stepsOf(plan).filter((s) => s.kind === 'link')).toEqual([]);
    const fn = all.find((l) => l.startsWith('ibmcloud ce fn create --name instance-guard ')) ?? '';
    expect(fn).toContain('--env-from-secret guard-key');
    expect(fn).not.toContain('--trusted-profiles-enabled');
    expect(all.join('\n')).not.toContain('IMDS_GUARD_AUTH_TYPE');
    expect(plan.sections.flatMap((s) => s.notes).join('\n')).toMatch(
      /The API key is yours to create and rotate; deploy never sees it/,
    );
  });

  test('updating switches the trusted-profile token off explicitly', () => {
    const loaded = loadManifest(text, 'sid.yaml', { now: NOW });
    const fn = lines(planFor(loaded, everythingExists(loaded))).find((l) =>
      l.startsWith('ibmcloud ce fn update --name sweep '),
    );
    expect(fn).toMatch(/--trusted-profiles-enabled=false$/);
  });
});

describe('least privilege follows the policy', () => {
  const policyOf = (yaml: string) => loadManifest(`policy:\n${yaml}`, 'p.yaml', { now: NOW }).policy;
  const summary = (yaml: string) =>
    grantsFor(policyOf(yaml), undefined).map(
      (g) => `${g.scope.serviceName} ${JSON.stringify(g.scope.attributes ?? {})}: ${g.roles.join(',')}`,
    );

  test('an audit-only policy reads and never writes', () => {
    expect(summary('  instances:\n    default: {mode: audit}\n')).toEqual([
      'is {"instanceId":"*"}: Viewer',
      'iam-identity {}: Viewer',
      'iam-access-management {}: Viewer',
      'iam-groups {}: Viewer',
    ]);
  });

  test('dry run reads only, whatever the modes say', () => {
    const grants = summary(
      '  dry_run: true\n  instances:\n    default: {mode: disable}\n  templates: {mode: replace, repoint_instance_groups: true}\n  profiles:\n    ticket: {sink: case-management}\n    fix: {cap_session_expiration: true}\n',
    );
    expect(grants.every((g) => g.endsWith(': Viewer'))).toBe(true);
  });

  test('with every profile rule disabled, no IAM read access is granted', () => {
    const all =
      'broad-role-all-services, broad-role-account-management, broad-role-iam-services, broad-role-resource-group, vsi-rule-unpinned, cross-account-link, long-session, too-many-vsi-links, exposed-privileged-vsi';
    expect(summary(`  profiles:\n    disabled_rules: [${all}]\n`)).toEqual(['is {"instanceId":"*"}: Viewer']);
  });

  test('capping sessions is the one case that needs Administrator on IAM Identity', () => {
    expect(summary('  profiles:\n    fix: {cap_session_expiration: true}\n')).toContain(
      'iam-identity {}: Administrator',
    );
  });
});

describe('shell quoting', () => {
  /** `${NAME}` placeholders are literal text here, built without template strings on purpose. */
  const v = (name: string): string => `$${'{'}${name}}`;
  test.each([
    ['plain', 'plain'],
    ['instanceId=*', "'instanceId=*'"],
    ["it's", "'it'\\''s'"],
    [v('PROJECT_CRN'), `"${v('PROJECT_CRN')}"`],
    [`{"a":"${v('X')}","b":"$c"}`, `"{\\"a\\":\\"${v('X')}\\",\\"b\\":\\"\\$c\\"}"`],
    ['', "''"],
  ])('%s → %s', (arg, quoted) => {
    expect(quote(arg)).toBe(quoted);
  });
});
