// `code-engine:*`: the deployment exists as the manifest describes it. The project (active), the generated
// config map holding the policy — the deployed policy must be the manifest's, defaults filled in the same
// way — and each function, app and job: present, ready, reading that config map, at the runtime and the
// code or image the manifest names. "Version" is therefore what the deployed code enforces and runs:
// the policy, the runtime and, where the manifest pins one, the code bundle or image (a component built
// from source has no reference to compare). Subscriptions have no read in the Code Engine API.
import { isDeepStrictEqual } from 'node:util';
import { CloudApiError, errorMessage } from '../errors.ts';
import { componentsOf } from '../manifest/references.ts';
import type { App, FunctionSpec, Job } from '../manifest/schema.ts';
import { loadPolicyFromJson } from '../policy/load.ts';
import { cloudCall } from '../runtime/retry.ts';
import type { CeComponent, CeProject, CodeEngineClient, ComponentKind } from './code-engine-client.ts';
import { type Check, check, type DoctorContext } from './types.ts';

const DEPLOY_FIX = 'imds-guard deploy (or terraform apply in deploy/terraform)';

const findProject = async (ce: CodeEngineClient, name: string): Promise<CeProject | undefined> => {
  let start: string | undefined;
  do {
    const res = await cloudCall(ce.listProjects({ limit: 100, ...(start ? { start } : {}) }));
    const found = res.result.projects.find((p) => p.name === name);
    if (found) return found;
    start = res.result.next?.start;
  } while (start);
  return undefined;
};

/** The first key path where two values differ, for a one-line detail. */
const firstDifference = (a: unknown, b: unknown, path = ''): string => {
  if (
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  )
    return `${path || '(policy)'}: deployed ${JSON.stringify(a)}, manifest ${JSON.stringify(b)}`;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, path ? `${path}.${k}` : k);
  }
  return path;
};

const checkConfigMap = async (
  ctx: DoctorContext,
  ce: CodeEngineClient,
  projectId: string,
): Promise<Check> => {
  const name = ctx.deployment.project.config_map;
  const id = 'code-engine:config-map';
  const title = `config map ${name} holds the manifest's policy`;
  let data: Record<string, string>;
  try {
    data = (await cloudCall(ce.getConfigMap(projectId, name))).result.data ?? {};
  } catch (err) {
    const gone = err instanceof CloudApiError && err.status === 404;
    return check(id, 'fail', title, gone ? `no config map ${name}` : errorMessage(err), [DEPLOY_FIX]);
  }
  const json = data.IMDS_GUARD_POLICY;
  if (json === undefined) return check(id, 'fail', title, `${name} has no IMDS_GUARD_POLICY`, [DEPLOY_FIX]);
  let deployed: unknown;
  try {
    deployed = loadPolicyFromJson(json, `${name}: IMDS_GUARD_POLICY`, { now: ctx.now }).policy;
  } catch (err) {
    return check(id, 'fail', title, `the deployed policy is not valid: ${errorMessage(err).split('\n')[0]}`, [
      DEPLOY_FIX,
    ]);
  }
  if (!isDeepStrictEqual(deployed, ctx.policy))
    return check(
      id,
      'fail',
      title,
      `the deployed policy differs from ${ctx.manifestFile}'s: ${firstDifference(deployed, ctx.policy)}`,
      [`${DEPLOY_FIX} writes the manifest's policy into ${name}`],
    );
  return check(id, 'ok', title, `IMDS_GUARD_POLICY matches ${ctx.manifestFile}`);
};

type Spec = FunctionSpec | App | Job;

/** What differs from the manifest, or undefined. */
const componentProblem = (
  ctx: DoctorContext,
  kind: ComponentKind,
  spec: Spec,
  got: CeComponent,
): string | undefined => {
  if (got.status !== undefined && got.status !== 'ready') return `its status is ${got.status}`;
  const reads = (got.run_env_variables ?? []).some(
    (e) => e.type === 'config_map_full_reference' && e.reference === ctx.deployment.project.config_map,
  );
  if (!reads) return `it does not read config map ${ctx.deployment.project.config_map} (the policy)`;
  if (kind === 'function' && 'runtime' in spec && got.runtime !== spec.runtime)
    return `it runs ${got.runtime ?? '?'}, the manifest says ${spec.runtime}`;
  const pinned = 'code_bundle' in spec ? spec.code_bundle : 'image' in spec ? spec.image : undefined;
  const deployed = kind === 'function' ? got.code_reference : got.image_reference;
  if (pinned !== undefined && deployed !== pinned)
    return `it runs ${deployed ?? '?'}, the manifest says ${pinned}`;
  return undefined;
};

const checkComponent = async (
  ctx: DoctorContext,
  ce: CodeEngineClient,
  projectId: string,
  kind: ComponentKind,
  spec: Spec,
): Promise<Check> => {
  const id = `code-engine:${kind}:${spec.name}`;
  const title = `${kind} ${spec.name} is deployed as the manifest says`;
  let got: CeComponent;
  try {
    got = (await cloudCall(ce.getComponent(kind, projectId, spec.name))).result;
  } catch (err) {
    const gone = err instanceof CloudApiError && err.status === 404;
    return check(id, 'fail', title, gone ? `no ${kind} named ${spec.name}` : errorMessage(err), [DEPLOY_FIX]);
  }
  const problem = componentProblem(ctx, kind, spec, got);
  if (problem) return check(id, 'fail', title, problem, [DEPLOY_FIX]);
  const ref = kind === 'function' ? got.code_reference : got.image_reference;
  const pinned = 'code_bundle' in spec ? spec.code_bundle : 'image' in spec ? spec.image : undefined;
  return check(
    id,
    'ok',
    title,
    `${got.status ?? 'present'}${got.runtime ? `, ${got.runtime}` : ''}, ${pinned ? ref : `${ref ?? 'built'} (built from source: no reference to compare)`}`,
  );
};

/** Cron and Kafka subscriptions: the Code Engine API v2 has no read for them (nor Terraform a resource). */
const subscriptionsCheck = (ctx: DoctorContext): Check => {
  const d = ctx.deployment;
  const commands = [
    ...d.cron.map((c) => `ibmcloud ce sub cron get --name ${c.name}`),
    ...(d.kafka ? [`ibmcloud ce sub kafka get --name ${d.kafka.name}`] : []),
  ];
  return commands.length === 0
    ? check(
        'code-engine:subscriptions',
        'skip',
        'subscriptions',
        'the manifest has no cron or kafka subscriptions',
      )
    : check(
        'code-engine:subscriptions',
        'skip',
        'subscriptions exist',
        'the Code Engine API has no read for subscriptions: check them with the IBM Cloud CLI',
        [`ibmcloud ce project select --name ${d.project.name}`, ...commands],
      );
};

const checkCodeEngine = async (ctx: DoctorContext, readFix: string): Promise<Check[]> => {
  const p = ctx.deployment.project;
  const ce = ctx.codeEngine(p.region);
  const title = `Code Engine project ${p.name} in ${p.region}`;
  let project: CeProject | undefined;
  try {
    project = await findProject(ce, p.name);
  } catch (err) {
    const refused = err instanceof CloudApiError && (err.status === 401 || err.status === 403);
    return [
      refused
        ? check(
            'code-engine:project',
            'warn',
            title,
            `could not read Code Engine (${err.status}): ${err.message}`,
            [
              `the guard needs no access there; to let doctor check it, run doctor with a key that has Viewer and Reader on codeengine, or: ${readFix}`,
            ],
          )
        : check('code-engine:project', 'fail', title, `Code Engine: ${errorMessage(err)}`, []),
    ];
  }
  if (!project)
    return [
      check('code-engine:project', 'fail', title, `no project named ${p.name} in ${p.region}`, [DEPLOY_FIX]),
    ];
  if (project.status !== undefined && project.status !== 'active')
    return [
      check('code-engine:project', 'fail', title, `project ${project.id} is ${project.status}`, [DEPLOY_FIX]),
    ];
  const projectId = project.id;
  const components = await Promise.all(
    componentsOf(ctx.deployment).map((c) => checkComponent(ctx, ce, projectId, c.type, c.spec)),
  );
  return [
    check('code-engine:project', 'ok', title, `project ${project.id} is ${project.status ?? 'there'}`),
    await checkConfigMap(ctx, ce, projectId),
    ...components,
    subscriptionsCheck(ctx),
  ];
};

export { checkCodeEngine };
