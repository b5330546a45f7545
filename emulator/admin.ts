// The admin API under /_emulator/: reset, scenario, state, journal, faults and rate limits.
// No token needed (the emulator only listens on loopback).
import type { Ctx, Reply, RouteModule } from './core/context.ts';
import { ApiError } from './core/errors.ts';
import { type FaultSpec, type RateLimitSpec, validateFault } from './core/faults.ts';
import type { Emulator } from './emulator.ts';
import type { GenerateOptions } from './scenario/generate.ts';
import { ScenarioError } from './scenario/load.ts';

const ok = (body: unknown, status = 200): Reply => ({ status, body });

const asArray = <T>(body: unknown): T[] => (Array.isArray(body) ? (body as T[]) : [body as T]);

const intParam = (ctx: Ctx, name: string): number | undefined => {
  const raw = ctx.query.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ApiError(400, 'bad_request', `${name} must be a non-negative integer`);
  return n;
};

/** Routes of the admin API; `reload` re-applies the current scenario (used by reset). */
const adminRoutes =
  (
    emu: Emulator,
    hooks: {
      reload: () => void;
      loadText: (text: string, file: string) => void;
      loadObject: (doc: unknown, text?: string, file?: string) => void;
      loadGenerated: (options: GenerateOptions) => void;
    },
  ): RouteModule =>
  (add) => {
    const admin = { service: 'admin', auth: false } as const;

    add({
      ...admin,
      method: 'POST',
      path: '/_emulator/reset',
      handler: () => {
        hooks.reload();
        emu.faults.clear();
        emu.journal.clear();
        return ok({ reset: true, counts: emu.state.counts() });
      },
    });

    add({
      ...admin,
      method: 'POST',
      path: '/_emulator/scenario',
      handler: (ctx) => {
        const started = performance.now();
        const body = ctx.body;
        // `{generate: {…}}` asks for a generated account; a scenario document has no `generate` key.
        const generate =
          ctx.contentType.endsWith('json') && body && typeof body === 'object' && 'generate' in body
            ? (body as { generate: unknown }).generate
            : undefined;
        if (generate !== undefined && Object.keys(body as object).length !== 1)
          throw new ApiError(400, 'bad_request', '"generate" must be the only key of the request body');
        const file = ctx.query.get('file') ?? '<admin>';
        try {
          if (generate !== undefined) hooks.loadGenerated(generate as GenerateOptions);
          else if (ctx.contentType.endsWith('json')) hooks.loadObject(body, ctx.rawBody, file);
          else hooks.loadText(ctx.rawBody, file);
        } catch (err) {
          if (err instanceof ScenarioError) {
            return ok(
              { errors: err.issues.map((i) => ({ ...i, file: err.file })), message: err.message },
              400,
            );
          }
          throw err;
        }
        return ok({ loaded: emu.state.counts(), ms: Math.round(performance.now() - started) });
      },
    });

    add({
      ...admin,
      method: 'GET',
      path: '/_emulator/state',
      handler: (ctx) => {
        const s = emu.state;
        const summary = {
          account: s.account,
          counts: s.counts(),
          api_keys: [...s.apiKeys.values()].map((k) => ({
            name: k.name,
            kind: k.kind,
            iam_id: k.iam_id,
            roles: k.roles,
          })),
          regions: [...s.regions.values()].map((r) => ({
            name: r.region.name,
            status: r.region.status,
            zones: r.region.zones.map((z) => z.name),
            instances: r.instances.size,
            templates: r.templates.size,
            instance_groups: r.instanceGroups.size,
          })),
        };
        if (ctx.query.get('full') !== '1') return ok(summary);
        const region = ctx.query.get('region');
        const regions = [...s.regions.values()].filter((r) => !region || r.region.name === region);
        const size = regions.reduce((n, r) => n + r.instances.size, 0);
        if (size > 20_000)
          throw new ApiError(400, 'too_large', `state has ${size} instances; add ?region= to narrow it`);
        return ok({
          ...summary,
          resource_groups: [...s.resourceGroups.values()],
          vpc: regions.map((r) => ({
            region: r.region.name,
            vpcs: [...r.vpcs.values()],
            images: [...r.images.values()],
            instances: [...r.instances.values()],
            templates: [...r.templates.values()],
            instance_groups: [...r.instanceGroups.values()],
          })),
          profiles: [...s.profiles.values()],
          policies: [...s.policies.values()],
          access_groups: [...s.accessGroups.values()],
          tags: Object.fromEntries(s.tags),
          cases: [...s.cases.values()],
          incidents: [...s.incidents.values()],
          event_notifications: [...s.enInstances.values()].map((i) => ({
            ...i,
            sources: [...i.sources.values()],
          })),
          jira: {
            projects: [...s.jiraProjects.values()],
            issues: [...s.jiraIssues.values()],
          },
        });
      },
    });

    add({
      ...admin,
      method: 'GET',
      path: '/_emulator/journal',
      handler: (ctx) => {
        const since = intParam(ctx, 'since');
        const limit = intParam(ctx, 'limit');
        const entries = emu.journal.list({
          ...(since !== undefined ? { since } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(ctx.query.get('service') ? { service: ctx.query.get('service') as string } : {}),
          ...(ctx.query.get('method') ? { method: ctx.query.get('method') as string } : {}),
          ...(ctx.query.get('path') ? { path: ctx.query.get('path') as string } : {}),
          ...(ctx.query.get('caller') ? { caller: ctx.query.get('caller') as string } : {}),
          includeAdmin: ctx.query.get('include_admin') === '1',
        });
        return ok({ last: emu.journal.last, counts: Object.fromEntries(emu.journal.counts), entries });
      },
    });

    add({
      ...admin,
      method: 'DELETE',
      path: '/_emulator/journal',
      handler: () => {
        emu.journal.clear();
        return ok({ cleared: true, last: emu.journal.last });
      },
    });

    add({
      ...admin,
      method: 'POST',
      path: '/_emulator/faults',
      handler: (ctx) => {
        const specs = asArray<FaultSpec>(ctx.body);
        for (const spec of specs) {
          const problem =
            spec && typeof spec === 'object' ? validateFault(spec) : 'a fault must be an object';
          if (problem) throw new ApiError(400, 'bad_request', problem);
        }
        return ok({ faults: specs.map((s) => emu.faults.add(s)) }, 201);
      },
    });

    add({ ...admin, method: 'GET', path: '/_emulator/faults', handler: () => ok(emu.faults.list()) });

    add({
      ...admin,
      method: 'DELETE',
      path: '/_emulator/faults',
      handler: () => {
        emu.faults.clear();
        return ok({ cleared: true });
      },
    });

    add({
      ...admin,
      method: 'DELETE',
      path: '/_emulator/faults/:id',
      handler: (ctx) => {
        if (!emu.faults.remove(ctx.params.id ?? ''))
          throw new ApiError(404, 'not_found', `no fault ${ctx.params.id}`);
        return ok({ removed: ctx.params.id });
      },
    });

    add({
      ...admin,
      method: 'POST',
      path: '/_emulator/limits',
      handler: (ctx) => {
        const specs = asArray<RateLimitSpec>(ctx.body);
        for (const s of specs) {
          if (!s || typeof s.service !== 'string' || typeof s.rps !== 'number' || s.rps <= 0) {
            throw new ApiError(400, 'bad_request', 'a limit needs service and a positive rps');
          }
        }
        return ok({ limits: specs.map((s) => emu.faults.addLimit(s)) }, 201);
      },
    });
  };

export { adminRoutes };
