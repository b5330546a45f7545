// Scenario → what a deployment left in the account: Activity Tracker Event Routing targets and routes, and
// Code Engine projects with their components and config maps. Names are references (a route rule names its
// targets); ids derive from the seed unless given.
import { createHash } from 'node:crypto';
import type { AtTargetRec, CeComponentKind, CeComponentRec, CeProjectRec } from '../core/deploy-state.ts';
import { stableUuid, vpcTime } from '../core/ids.ts';
import type { EmulatorState } from '../core/state.ts';
import type { CeComponentDoc, ScenarioDoc } from './schema.ts';

/** A location in the scenario document (build.ts's DocPath; not imported: build.ts imports this file). */
type DocPath = (string | number)[];

const CREATED = vpcTime(new Date('2026-01-20T09:00:00Z'));

type Fail = (message: string, path: DocPath) => never;

const tag = (value: unknown): string => createHash('md5').update(JSON.stringify(value)).digest('hex');

const buildTargets = (
  state: EmulatorState,
  doc: ScenarioDoc,
  seed: string,
  fail: Fail,
): Map<string, string> => {
  const acct = state.account.id;
  const byName = new Map<string, string>();
  (doc.activity_tracker?.targets ?? []).forEach((t, i) => {
    const path = ['activity_tracker', 'targets', i];
    if (byName.has(t.name)) fail(`duplicate Activity Tracker target "${t.name}"`, [...path, 'name']);
    if ((t.event_streams === undefined) === (t.cloud_logs === undefined))
      fail('a target has exactly one of event_streams or cloud_logs', path);
    const id = t.id ?? stableUuid(seed, `at-target:${t.name}`);
    const es = t.event_streams;
    const rec: AtTargetRec = {
      id,
      name: t.name,
      crn: `crn:v1:bluemix:public:atracker:${t.region}:a/${acct}::target:${id}`,
      region: t.region,
      target_type: es ? 'event_streams' : 'cloud_logs',
      ...(es
        ? {
            eventstreams_endpoint: {
              target_crn: es.instance_crn,
              brokers: [...es.brokers],
              topic: es.topic,
              service_to_service_enabled: es.service_to_service,
            },
          }
        : {}),
      ...(t.cloud_logs ? { cloudlogs_endpoint: { target_crn: t.cloud_logs.instance_crn } } : {}),
      write_status:
        t.write_status === 'failed'
          ? {
              status: 'failed',
              last_failure: CREATED,
              reason_for_last_failure: t.failure_reason ?? 'The target could not be written to.',
            }
          : { status: 'success' },
      created_at: CREATED,
      updated_at: CREATED,
    };
    byName.set(t.name, id);
    state.atTargets.set(id, rec);
  });
  return byName;
};

const buildRoutes = (state: EmulatorState, doc: ScenarioDoc, seed: string, fail: Fail): void => {
  const targets = buildTargets(state, doc, seed, fail);
  const names = new Set<string>();
  (doc.activity_tracker?.routes ?? []).forEach((r, i) => {
    const path = ['activity_tracker', 'routes', i];
    if (names.has(r.name)) fail(`duplicate Activity Tracker route "${r.name}"`, [...path, 'name']);
    names.add(r.name);
    const id = r.id ?? stableUuid(seed, `at-route:${r.name}`);
    state.atRoutes.set(id, {
      id,
      name: r.name,
      crn: `crn:v1:bluemix:public:atracker:global:a/${state.account.id}::route:${id}`,
      version: 0,
      rules: r.rules.map((rule, ri) => ({
        locations: [...rule.locations],
        target_ids: rule.targets.map(
          (name, ti) =>
            targets.get(name) ??
            fail(`unknown Activity Tracker target "${name}"`, [...path, 'rules', ri, 'targets', ti]),
        ),
      })),
      created_at: CREATED,
      updated_at: CREATED,
    });
  });
};

const component = (
  kind: CeComponentKind,
  c: CeComponentDoc,
  projectId: string,
  seed: string,
): CeComponentRec => {
  const id = stableUuid(seed, `ce-${kind}:${projectId}:${c.name}`);
  const env = [
    ...c.config_maps.map((reference) => ({ type: 'config_map_full_reference' as const, reference })),
    ...Object.entries(c.env).map(([name, value]) => ({ type: 'literal' as const, name, value })),
  ];
  // Code Engine builds from source into its own registry; a scenario without a reference gets such a name.
  const reference =
    c.reference ??
    (kind === 'function'
      ? `private.us.icr.io/ce--${projectId.slice(0, 8)}/function-${c.name}`
      : `private.us.icr.io/ce--${projectId.slice(0, 8)}/${kind}-${c.name}`);
  return {
    id,
    kind,
    name: c.name,
    created_at: CREATED,
    ...(kind === 'job' ? {} : { status: c.status ?? 'ready' }),
    ...(kind === 'function' ? { runtime: c.runtime ?? 'nodejs-22' } : {}),
    reference,
    run_env_variables: env,
    scale_cpu_limit: c.cpu,
    scale_memory_limit: c.memory,
    entity_tag: tag([id, reference, env]),
  };
};

const buildProjects = (
  state: EmulatorState,
  doc: ScenarioDoc,
  seed: string,
  rgId: (name: string | undefined, path: DocPath) => string,
  fail: Fail,
): void => {
  const seen = new Set<string>();
  (doc.code_engine?.projects ?? []).forEach((p, i) => {
    const path = ['code_engine', 'projects', i];
    if (seen.has(`${p.region}/${p.name}`))
      fail(`duplicate Code Engine project "${p.name}" in ${p.region}`, [...path, 'name']);
    seen.add(`${p.region}/${p.name}`);
    const id = p.id ?? stableUuid(seed, `ce-project:${p.region}:${p.name}`);
    const project: CeProjectRec = {
      id,
      name: p.name,
      crn: `crn:v1:bluemix:public:codeengine:${p.region}:a/${state.account.id}:${id}::`,
      region: p.region,
      resource_group_id: rgId(p.resource_group, [...path, 'resource_group']),
      status: p.status,
      created_at: CREATED,
      components: new Map(),
      configMaps: new Map(),
      seq: state.nextSeq(),
    };
    const add = (kind: CeComponentKind, list: CeComponentDoc[], key: string): void => {
      list.forEach((c, ci) => {
        if (project.components.has(`${kind}:${c.name}`))
          fail(`duplicate ${kind} "${c.name}"`, [...path, key, ci, 'name']);
        project.components.set(`${kind}:${c.name}`, component(kind, c, id, seed));
      });
    };
    add('function', p.functions, 'functions');
    add('app', p.apps, 'apps');
    add('job', p.jobs, 'jobs');
    for (const m of p.config_maps) {
      const mid = stableUuid(seed, `ce-configmap:${id}:${m.name}`);
      project.configMaps.set(m.name, {
        id: mid,
        name: m.name,
        data: { ...m.data },
        created_at: CREATED,
        entity_tag: tag([mid, m.data]),
      });
    }
    state.ceProjects.set(id, project);
  });
};

/** Fills Activity Tracker and Code Engine state; `rgId` resolves a resource group name (default first). */
const buildDeployment = (
  state: EmulatorState,
  doc: ScenarioDoc,
  seed: string,
  rgId: (name: string | undefined, path: DocPath) => string,
  fail: Fail,
): void => {
  buildRoutes(state, doc, seed, fail);
  buildProjects(state, doc, seed, rgId, fail);
};

export { buildDeployment };
