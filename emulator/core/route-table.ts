// The route → role table: for every route, the IAM roles that let a caller through it, read from the
// route definitions themselves (`permission`, checked by the pipeline, or `needs`, checked by the
// handler). Nothing is served from here; tests compare what imds-guard's actions declare with it.
import FindMyWay from 'find-my-way';
import type { Method, Need, RouteDef, RouteModule } from './context.ts';
import type { EmulatorService } from './errors.ts';
import { PLATFORM, SERVICE } from './roles.ts';
import type { Role } from './state.ts';

interface RouteRow {
  service: EmulatorService;
  method: Method;
  path: string;
  /** Whether a bearer token is required at all. */
  auth: boolean;
  /** Any one of these lets a caller through; `[]`: no IAM role (undefined: not declared). */
  needs: readonly Need[] | undefined;
}

const rowOf = (r: RouteDef): RouteRow => ({
  service: r.service,
  method: r.method,
  path: r.path,
  auth: r.auth !== false,
  needs: r.permission ? [r.permission] : r.needs,
});

/** Every route the modules add, in order. */
const routeTable = (modules: readonly RouteModule[]): RouteRow[] => {
  const rows: RouteRow[] = [];
  for (const m of modules) m((r) => rows.push(rowOf(r)));
  return rows;
};

/** The row serving `method path` (a concrete path), as the emulator's router would pick it. */
const routeFinder = (rows: readonly RouteRow[]) => {
  const router = FindMyWay({ ignoreDuplicateSlashes: false });
  for (const row of rows) router.on(row.method, row.path, () => {}, row);
  return (method: Method, path: string): RouteRow | undefined =>
    router.find(method, path)?.store as RouteRow | undefined;
};

/**
 * Does holding `held` on the need's service meet it? A standard role meets a need for itself or a weaker
 * one of its family (the rank `hasRole` uses); a service's own role (Event Notifications Publisher…)
 * meets only itself.
 */
const roleMeets = (held: string, need: Role): boolean => {
  for (const family of [PLATFORM, SERVICE] as readonly (readonly string[])[]) {
    const want = family.indexOf(need);
    if (want >= 0) return family.indexOf(held) >= want;
  }
  return held === need;
};

export type { RouteRow };
export { roleMeets, routeFinder, routeTable };
