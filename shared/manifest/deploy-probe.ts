// Reads which of a deployment's resources already exist, through read-only `ibmcloud` commands (plus the
// two that set the CLI's context, which the plan runs first anyway: `target` and `ce project select`).
// The JSON readers are tolerant — IBM's list outputs differ by command and CLI version — and pure, so
// tests feed them canned outputs.

import { authorizationKey, type ExistingState } from './deploy-plan.ts';
import type { Exec } from './deploy-run.ts';
import type { Deployment } from './schema.ts';

class ProbeError extends Error {
  override name = 'ProbeError';
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The objects of a list output: a top-level array, or the first array property (`items`, `targets`…). */
const listItems = (json: unknown): Record<string, unknown>[] => {
  const list = Array.isArray(json)
    ? json
    : isRecord(json)
      ? Object.values(json).find(Array.isArray)
      : undefined;
  return (list ?? []).filter(isRecord);
};

/** Names in a list output: `name` or Kubernetes-style `metadata.name`. */
const namesIn = (json: unknown): Set<string> =>
  new Set(
    listItems(json).flatMap((item) => {
      const name = item.name ?? (isRecord(item.metadata) ? item.metadata.name : undefined);
      return typeof name === 'string' ? [name] : [];
    }),
  );

/** A policy's resource attributes as grants.ts `scopeKey` writes them (account left out). */
const attributesKey = (policy: Record<string, unknown>): string | undefined => {
  const resources = Array.isArray(policy.resources) ? policy.resources : [];
  const first = resources.find(isRecord);
  const attributes = first && Array.isArray(first.attributes) ? first.attributes.filter(isRecord) : [];
  const pairs = attributes.flatMap((a) =>
    typeof a.name === 'string' && typeof a.value === 'string' && a.name !== 'accountId'
      ? [[a.name, a.value]]
      : [],
  );
  if (pairs.length === 0) return undefined;
  return pairs
    .sort(([a], [b]) => ((a ?? '') < (b ?? '') ? -1 : 1))
    .map(([k, val]) => `${k}=${val}`)
    .join(',');
};

/** Access policies of a subject (`ibmcloud iam trusted-profile-policies … --output JSON`): scope key → id. */
const policiesIn = (json: unknown): Map<string, string> => {
  const out = new Map<string, string>();
  for (const policy of listItems(json)) {
    const key = attributesKey(policy);
    if (key !== undefined && typeof policy.id === 'string' && !out.has(key)) out.set(key, policy.id);
  }
  return out;
};

const attribute = (holder: unknown, name: string): string | undefined => {
  const list = isRecord(holder) && Array.isArray(holder.attributes) ? holder.attributes.filter(isRecord) : [];
  const value = list.find((a) => a.name === name)?.value;
  return typeof value === 'string' ? value : undefined;
};

/** Service-to-service authorizations from Activity Tracker to Event Streams instances. */
const authorizationsIn = (json: unknown): Set<string> =>
  new Set(
    listItems(json).flatMap((policy) => {
      const subject = Array.isArray(policy.subjects) ? policy.subjects[0] : undefined;
      const resource = Array.isArray(policy.resources) ? policy.resources[0] : undefined;
      const instance = attribute(resource, 'serviceInstance');
      return attribute(subject, 'serviceName') === 'atracker' &&
        attribute(resource, 'serviceName') === 'messagehub' &&
        instance !== undefined
        ? [authorizationKey(instance)]
        : [];
    }),
  );

/** Reads the current state of everything the deployment manages. */
const probeState = async (d: Deployment, exec: Exec): Promise<ExistingState> => {
  const run = async (argv: string[]) => exec(argv, { capture: true });
  const must = async (argv: string[], hint: string): Promise<string> => {
    const r = await run(argv);
    if (r.code !== 0) throw new ProbeError(`ibmcloud ${argv.join(' ')} exited with ${r.code}: ${hint}`);
    return r.stdout;
  };
  const list = async (argv: string[]) => parseJson(await must(argv, 'cannot read what exists'));
  const exists = async (argv: string[]) => (await run(argv)).code === 0;

  await must(
    ['target', '-c', d.accounts[0].id, '-r', d.project.region, '-g', d.project.resource_group],
    `log in first (ibmcloud login) with access to account ${d.accounts[0].id}`,
  );
  const plugins = ['code-engine', ...(d.activity_tracker ? ['atracker'] : [])];
  for (const plugin of plugins) {
    await must(['plugin', 'show', plugin], `install the plugin: ibmcloud plugin install ${plugin}`);
  }
  const project = await exists(['ce', 'project', 'get', '--name', d.project.name, '--output', 'json']);
  const ce = async (kind: string[]): Promise<Set<string>> =>
    project ? namesIn(await list(['ce', ...kind, 'list', '--output', 'json'])) : new Set();
  if (project) await must(['ce', 'project', 'select', '--name', d.project.name], 'cannot select the project');

  const tp = d.identity.trusted_profile;
  const sid = d.identity.service_id;
  const identityName = tp?.name ?? sid?.name ?? '';
  const identity = tp
    ? await exists(['iam', 'trusted-profile', identityName, '--output', 'JSON'])
    : await exists(['iam', 'service-id', identityName, '--output', 'JSON']);
  const links =
    tp && identity
      ? namesIn(await list(['iam', 'trusted-profile-links', identityName, '--output', 'JSON']))
      : new Set<string>();
  const policies = identity
    ? policiesIn(
        await list([
          'iam',
          tp ? 'trusted-profile-policies' : 'service-policies',
          identityName,
          '--output',
          'JSON',
        ]),
      )
    : new Map<string, string>();
  const at = d.activity_tracker !== undefined;
  return {
    probed: true,
    project,
    identity,
    links,
    policies,
    secrets: await ce(['secret']),
    configmaps: await ce(['configmap']),
    functions: await ce(['fn']),
    apps: await ce(['app']),
    jobs: await ce(['job']),
    crons: await ce(['sub', 'cron']),
    kafkas: await ce(['sub', 'kafka']),
    authorizations: at
      ? authorizationsIn(await list(['iam', 'authorization-policies', '--output', 'JSON']))
      : new Set(),
    atTargets: at ? namesIn(await list(['atracker', 'target', 'ls', '--output', 'JSON'])) : new Set(),
    atRoutes: at ? namesIn(await list(['atracker', 'route', 'ls', '--output', 'JSON'])) : new Set(),
  };
};

export { authorizationsIn, namesIn, ProbeError, policiesIn, probeState };
