// Reading one attribute of a planned resource honestly: a value known now, a value Terraform will only
// know after apply (`after_unknown`), or nothing set; whether the configuration sets it at all; and
// which other resources of the plan its expression refers to.
import { isRecord, type Plan, type ResourceChange } from './read.ts';

type Path = readonly (string | number)[];

/** One attribute of a planned object. */
type Slot = { state: 'known'; value: unknown } | { state: 'unknown' } | { state: 'unset' };

interface ConfigResource {
  address: string;
  mode?: string;
  type: string;
  name: string;
  expressions?: Record<string, unknown>;
}

interface ModuleConfig {
  resources?: ConfigResource[];
  module_calls?: Record<string, { module?: ModuleConfig }>;
}

interface PlanIndex {
  plan: Plan;
  /** Managed resource changes by address (deposed objects left out: they are only ever deleted). */
  changes: Map<string, ResourceChange>;
  /** Attribute values by address from planned_values and prior_state (data sources read at plan time). */
  values: Map<string, Record<string, unknown>>;
  /** The plan has a configuration section: "not set" can be told apart from "known after apply". */
  hasConfig: boolean;
  /** Managed resource changes by type, for lookups such as "the tags attached to this instance". */
  byType: Map<string, ResourceChange[]>;
  /** Configuration blocks found so far, by resource change (a plan is read many times per resource). */
  configs: WeakMap<ResourceChange, ConfigResource | undefined>;
}

const step = (x: unknown, key: string | number): unknown => {
  if (typeof key === 'number') return Array.isArray(x) ? x[key] : undefined;
  return isRecord(x) ? x[key] : undefined;
};

/** `after` and `after_unknown` walked together: `true` anywhere on the way in after_unknown = unknown. */
const slotAt = (change: ResourceChange['change'], path: Path): Slot => {
  let value: unknown = change.after;
  let unknown: unknown = change.after_unknown;
  for (const key of path) {
    if (unknown === true) return { state: 'unknown' };
    value = step(value, key);
    unknown = step(unknown, key);
  }
  if (unknown === true) return { state: 'unknown' };
  return value === undefined || value === null ? { state: 'unset' } : { state: 'known', value };
};

const knownString = (slot: Slot): string | undefined =>
  slot.state === 'known' && typeof slot.value === 'string' && slot.value !== '' ? slot.value : undefined;

// ---- Configuration ---------------------------------------------------------------------------------

/** `module.a[0].module.b["x"]` → `['a', 'b']`: configuration has one entry per module call, not instance. */
const moduleCalls = (moduleAddress: string | undefined): string[] =>
  moduleAddress ? [...moduleAddress.matchAll(/module\.([^.[]+)/g)].map((m) => m[1] ?? '') : [];

const moduleConfig = (plan: Plan, moduleAddress: string | undefined): ModuleConfig | undefined => {
  const configuration = plan.configuration;
  let mod: unknown = isRecord(configuration) ? configuration.root_module : undefined;
  for (const call of moduleCalls(moduleAddress)) mod = step(step(step(mod, 'module_calls'), call), 'module');
  return isRecord(mod) ? (mod as ModuleConfig) : undefined;
};

/** The configuration block of a planned resource (matched by mode, type and name inside its module). */
const configOf = (ix: PlanIndex, rc: ResourceChange): ConfigResource | undefined => {
  if (ix.configs.has(rc)) return ix.configs.get(rc);
  const found = moduleConfig(ix.plan, rc.module_address)?.resources?.find(
    (r) => r.type === rc.type && r.name === rc.name && (r.mode ?? 'managed') === (rc.mode ?? 'managed'),
  );
  ix.configs.set(rc, found);
  return found;
};

/** The expression at a path of a block (`['metadata_service', 0, 'enabled']`), or undefined when not set. */
const expressionAt = (rc: ConfigResource | undefined, path: Path): unknown => {
  let x: unknown = rc?.expressions;
  for (const key of path) x = step(x, key);
  return x === null ? undefined : x;
};

/** Is the argument written in the configuration? Unknown without the resource's configuration block. */
const configured = (ix: PlanIndex, rc: ResourceChange, path: Path): boolean | undefined => {
  const block = ix.hasConfig ? configOf(ix, rc) : undefined;
  return block ? expressionAt(block, path) !== undefined : undefined;
};

const referencesOf = (expression: unknown): string[] =>
  isRecord(expression) && Array.isArray(expression.references)
    ? expression.references.filter((r): r is string => typeof r === 'string')
    : [];

/**
 * The plan resource an argument refers to (e.g. `vpc = ibm_is_vpc.main.id` → `ibm_is_vpc.main`), found
 * by exact address inside the referring resource's module instance; only when exactly one matches.
 */
const referencedAddress = (
  ix: PlanIndex,
  rc: ResourceChange,
  path: Path,
  types: readonly string[],
): string | undefined => {
  const prefix = rc.module_address ? `${rc.module_address}.` : '';
  const found = new Set<string>();
  for (const ref of referencesOf(expressionAt(configOf(ix, rc), path))) {
    const address = `${prefix}${ref}`;
    const type = ref.replace(/^data\./, '').split('.')[0] ?? '';
    if (!types.includes(type)) continue;
    if (ix.changes.has(address) || ix.values.has(address)) found.add(address);
  }
  return found.size === 1 ? [...found][0] : undefined;
};

/** A known attribute of a resource anywhere in the plan: its planned change, else its read values. */
const attributeOf = (ix: PlanIndex, address: string, attribute: string): string | undefined => {
  const rc = ix.changes.get(address);
  if (rc) return knownString(slotAt(rc.change, [attribute]));
  const value = ix.values.get(address)?.[attribute];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

// ---- Index -----------------------------------------------------------------------------------------

const collectValues = (mod: unknown, into: Map<string, Record<string, unknown>>): void => {
  if (!isRecord(mod)) return;
  for (const r of Array.isArray(mod.resources) ? mod.resources : []) {
    if (isRecord(r) && typeof r.address === 'string' && isRecord(r.values) && !into.has(r.address))
      into.set(r.address, r.values);
  }
  for (const child of Array.isArray(mod.child_modules) ? mod.child_modules : []) collectValues(child, into);
};

const indexPlan = (plan: Plan): PlanIndex => {
  const changes = new Map<string, ResourceChange>();
  const byType = new Map<string, ResourceChange[]>();
  for (const rc of plan.resource_changes ?? []) {
    if ((rc.mode ?? 'managed') !== 'managed' || rc.deposed !== undefined) continue;
    changes.set(rc.address, rc);
    const same = byType.get(rc.type) ?? [];
    same.push(rc);
    byType.set(rc.type, same);
  }
  const values = new Map<string, Record<string, unknown>>();
  collectValues(step(plan.planned_values, 'root_module'), values);
  collectValues(step(step(plan.prior_state, 'values'), 'root_module'), values);
  const hasConfig = isRecord(step(plan.configuration, 'root_module'));
  return { plan, changes, values, hasConfig, byType, configs: new WeakMap() };
};

export type { ConfigResource, Path, PlanIndex, Slot };
export {
  attributeOf,
  configOf,
  configured,
  expressionAt,
  indexPlan,
  knownString,
  referencedAddress,
  referencesOf,
  slotAt,
};
