// deploy/terraform/ read by HashiCorp's HCL parser and checked against the IBM provider's own schema at
// the version the module pins (no terraform binary here: nothing is planned or applied). What this
// proves: the files are valid HCL; every resource and data source type exists in IBM-Cloud/ibm at that
// version; every argument and nested block is one the provider accepts (and no computed-only one is
// set); every required argument is given; literal enum values are ones the provider accepts; every
// var./local./resource reference points at something declared, with an attribute the type has.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type Block,
  type Body,
  type Excerpt,
  excerpt,
  type Field,
  isExpression,
  loadModule,
  type Module,
  only,
  referencesIn,
  stringsOf,
  type TypeSchema,
  tfFiles,
} from './module.ts';

const TOP_META = new Set(['count', 'for_each', 'depends_on', 'lifecycle', 'provider', 'dynamic']);
const DYNAMIC_META = new Set(['for_each', 'iterator', 'content', 'labels']);

let mod: Module;
let schema: Excerpt;
beforeAll(async () => {
  mod = await loadModule();
  schema = excerpt();
});

const typeSchema = (b: Block): TypeSchema | undefined =>
  (b.kind === 'resource' ? schema.resources : schema.data_sources)[b.type];

const isBlockValue = (x: unknown): x is Body[] =>
  Array.isArray(x) &&
  x.length > 0 &&
  x.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e));

/** Problems of one block body against its schema; `path` is the dotted argument path for messages and enums. */
const problemsOf = (
  body: Body,
  fields: Record<string, Field>,
  ts: TypeSchema,
  path: string[],
  top: boolean,
): string[] => {
  const out: string[] = [];
  const at = (k: string) => [...path, k].join('.');
  const dynamic = (body.dynamic ?? {}) as Record<string, Body[]>;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'dynamic' || (top && TOP_META.has(key))) continue;
    const field = fields[key];
    if (!field) {
      out.push(`${at(key)}: not an argument of ${ts.source}`);
      continue;
    }
    if (field.computed && !field.optional && !field.required)
      out.push(`${at(key)}: computed by the provider, cannot be set`);
    if (field.block) {
      if (!isBlockValue(value)) {
        out.push(
          `${at(key)}: is a nested block, given as ${isExpression(value) ? 'an expression' : typeof value}`,
        );
        continue;
      }
      if (field.max_items !== undefined && value.length > field.max_items)
        out.push(`${at(key)}: at most ${field.max_items} block(s)`);
      for (const b of value) out.push(...problemsOf(b, field.block, ts, [...path, key], false));
    } else if (isBlockValue(value) && field.type !== 'map') {
      out.push(`${at(key)}: is an argument, given as a block`);
    } else if (!isExpression(value)) {
      out.push(...literalProblems(value, field, ts, [...path, key]));
    }
  }
  for (const [key, specs] of Object.entries(dynamic)) {
    const field = fields[key];
    if (!field?.block) {
      out.push(`${at(key)}: dynamic block of something that is not a nested block`);
      continue;
    }
    for (const spec of specs) {
      for (const k of Object.keys(spec))
        if (!DYNAMIC_META.has(k)) out.push(`${at(key)}: dynamic block has ${k}`);
      if (spec.for_each === undefined) out.push(`${at(key)}: dynamic block without for_each`);
      for (const c of (spec.content ?? []) as Body[])
        out.push(...problemsOf(c, field.block, ts, [...path, key], false));
    }
  }
  for (const [key, field] of Object.entries(fields)) {
    if (field.required && !(key in body) && !(key in dynamic))
      out.push(`${at(key)}: required by the provider, not given`);
  }
  return out;
};

/** A literal's type, and for enums, one of the values the provider's validator or documentation allows. */
const literalProblems = (value: unknown, field: Field, ts: TypeSchema, path: string[]): string[] => {
  const where = path.join('.');
  const expected = { string: 'string', number: 'number', bool: 'boolean' }[field.type];
  if (expected && typeof value !== expected && !(expected === 'string' && typeof value === 'number')) {
    return [`${where}: ${field.type} expected, got ${JSON.stringify(value)}`];
  }
  if (typeof value !== 'string') return [];
  const allowed = path.length === 1 ? ts.allowed_values?.[where] : ts.documented_values?.[where];
  return allowed && !allowed.includes(value)
    ? [`${where}: ${value} is not one of ${allowed.join(', ')}`]
    : [];
};

describe('deploy/terraform: valid HCL', () => {
  test('every .tf file parses with HashiCorp HCL (hcl2json) and declares something', () => {
    expect(tfFiles().length).toBeGreaterThanOrEqual(8);
    for (const file of tfFiles()) expect(Object.keys(mod.files[file] ?? {}), file).not.toHaveLength(0);
  });

  test('it pins IBM-Cloud/ibm at the version of the schema excerpt', () => {
    const required = mod.terraform.flatMap((t) => (t.required_providers ?? []) as Body[]);
    expect(required).toHaveLength(1);
    const ibm = required[0]?.ibm as { source: string; version: string };
    expect(ibm.source).toBe('IBM-Cloud/ibm');
    expect(ibm.version).toBe(schema.version);
    expect(schema.commit).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('deploy/terraform against IBM-Cloud/ibm (schema excerpt)', () => {
  test('every resource and data source type exists in the provider at the pinned version', () => {
    const unknown = mod.blocks.filter((b) => !typeSchema(b)).map((b) => `${b.kind} ${b.type}`);
    expect(unknown).toEqual([]);
    expect(mod.blocks.filter((b) => b.kind === 'resource').length).toBeGreaterThanOrEqual(20);
  });

  test('every argument and nested block is the provider’s, every required one is given, enums are valid', () => {
    const problems = mod.blocks.flatMap((b) => {
      const ts = typeSchema(b);
      return ts
        ? problemsOf(b.body, ts.arguments, ts, [], true).map((p) => `${b.file}: ${b.type}.${b.name}: ${p}`)
        : [];
    });
    expect(problems).toEqual([]);
  });

  test('the checker itself catches an unknown argument, a missing required one and a bad enum', () => {
    const ts = schema.resources.ibm_code_engine_function as TypeSchema;
    const body = { name: 'x', runtime: 'nodejs-22', colour: 'blue', managed_domain_mappings: 'everywhere' };
    const problems = problemsOf(body, ts.arguments, ts, [], true);
    expect(problems).toContain(`colour: not an argument of ${ts.source}`);
    expect(problems).toContain('project_id: required by the provider, not given');
    expect(problems).toContain('code_reference: required by the provider, not given');
    expect(problems.some((p) => p.startsWith('managed_domain_mappings: everywhere is not one of'))).toBe(
      true,
    );
  });
});

/** Every expression of the module with where it is. */
const expressions = (): { where: string; value: string }[] =>
  [
    ...mod.blocks.flatMap((b) =>
      stringsOf(b.body).map((s) => ({ where: `${b.type}.${b.name}`, value: s.value })),
    ),
    ...Object.entries(mod.locals).flatMap(([k, v]) =>
      stringsOf(v).map((s) => ({ where: `local.${k}`, value: s.value })),
    ),
    ...Object.entries(mod.outputs).flatMap(([k, v]) =>
      stringsOf(v).map((s) => ({ where: `output.${k}`, value: s.value })),
    ),
    ...Object.entries(mod.variables).flatMap(([k, v]) =>
      stringsOf(v.validation ?? []).map((s) => ({ where: `var.${k}`, value: s.value })),
    ),
    ...mod.terraform.flatMap((t) =>
      stringsOf(t.provider ?? []).map((s) => ({ where: 'provider', value: s.value })),
    ),
    ...Object.values(mod.files).flatMap((f) =>
      stringsOf(f.provider ?? {}).map((s) => ({ where: 'provider', value: s.value })),
    ),
  ].filter((e) => isExpression(e.value));

/** Iterator names of the module's dynamic blocks (`run_env_variables.value`, or `iterator = x`). */
const iterators = (): Set<string> => {
  const names = new Set<string>();
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      for (const [k, v] of Object.entries(x)) {
        if (k === 'dynamic') {
          for (const [name, specs] of Object.entries(v as Record<string, Body[]>)) {
            for (const s of specs)
              names.add(typeof s.iterator === 'string' ? s.iterator.replace(/^\$\{|\}$/g, '') : name);
          }
        }
        walk(v);
      }
    }
  };
  walk(mod.blocks.map((b) => b.body));
  return names;
};

const unresolved = (ref: string, its: Set<string>): string | undefined => {
  const parts = ref.split('.').filter((p) => !/^\d+$/.test(p));
  const [head = '', second = '', third, fourth] = parts;
  if (['each', 'count', 'path', 'self', 'terraform'].includes(head)) return undefined;
  if (its.has(head))
    return ['', 'value', 'key'].includes(second) ? undefined : `${ref}: iterator has value and key only`;
  if (head === 'var') return second in mod.variables ? undefined : `${ref}: no variable ${second}`;
  if (head === 'local') return second in mod.locals ? undefined : `${ref}: no local ${second}`;
  const kind = head === 'data' ? 'data' : 'resource';
  const [type, name, attr] = head === 'data' ? [second, third, fourth] : [head, second, third];
  if (!type?.startsWith('ibm_')) return `${ref}: not a variable, local, resource or iterator`;
  const block = mod.blocks.find((b) => b.kind === kind && b.type === type && b.name === name);
  if (!block) return `${ref}: no ${kind} ${type}.${name}`;
  const ts = typeSchema(block);
  if (attr !== undefined && attr !== 'id' && !(ts && attr in ts.arguments))
    return `${ref}: ${type} has no attribute ${attr}`;
  return undefined;
};

describe('deploy/terraform references', () => {
  test('every var., local., data. and resource reference resolves, with an attribute its type has', async () => {
    const its = iterators();
    const problems: string[] = [];
    for (const e of expressions()) {
      for (const ref of await referencesIn(e.value)) {
        const why = unresolved(ref, its);
        if (why) problems.push(`${e.where}: ${why}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('every variable and every local is used; every output has a description', async () => {
    const used = new Set<string>();
    for (const e of expressions())
      for (const ref of await referencesIn(e.value)) used.add(ref.split('.').slice(0, 2).join('.'));
    expect(Object.keys(mod.variables).filter((v) => !used.has(`var.${v}`))).toEqual([]);
    expect(Object.keys(mod.locals).filter((l) => !used.has(`local.${l}`))).toEqual([]);
    expect(Object.entries(mod.outputs).filter(([, o]) => typeof o.description !== 'string')).toEqual([]);
  });

  test('the reference checker itself reports an undeclared variable and an unknown attribute', () => {
    const its = iterators();
    expect(unresolved('var.nope', its)).toBe('var.nope: no variable nope');
    expect(unresolved('ibm_code_engine_project.guard.colour', its)).toBe(
      'ibm_code_engine_project.guard.colour: ibm_code_engine_project has no attribute colour',
    );
    expect(unresolved('ibm_code_engine_project.guard.crn', its)).toBeUndefined();
    expect(only([{ a: 1 }])).toEqual({ a: 1 });
  });
});
