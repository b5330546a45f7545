// The Terraform module of deploy/terraform/ as HashiCorp's own HCL parser reads it (@cdktf/hcl2json,
// the HCL library compiled to wasm), and the IBM provider schema it is checked against
// (test/fixtures/terraform-provider-ibm/schema-excerpt.json, extracted from the provider's source).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getReferencesInExpression, parse } from '@cdktf/hcl2json';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const MODULE_DIR = join(root, 'deploy', 'terraform');
const EXCERPT_FILE = join(root, 'test', 'fixtures', 'terraform-provider-ibm', 'schema-excerpt.json');

interface Field {
  type: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  max_items?: number;
  elem?: string;
  block?: Record<string, Field>;
}

interface TypeSchema {
  source: string;
  arguments: Record<string, Field>;
  allowed_values?: Record<string, string[]>;
  documented_values?: Record<string, string[]>;
}

interface Excerpt {
  provider: string;
  version: string;
  commit: string;
  resources: Record<string, TypeSchema>;
  data_sources: Record<string, TypeSchema>;
}

type Body = Record<string, unknown>;

/** One `resource`/`data` block: its type, name and body as hcl2json gives them. */
interface Block {
  file: string;
  kind: 'resource' | 'data';
  type: string;
  name: string;
  body: Body;
}

interface Module {
  files: Record<string, Body>;
  blocks: Block[];
  variables: Record<string, Body>;
  locals: Record<string, unknown>;
  outputs: Record<string, Body>;
  terraform: Body[];
}

const excerpt = (): Excerpt => JSON.parse(readFileSync(EXCERPT_FILE, 'utf8')) as Excerpt;

const tfFiles = (dir = MODULE_DIR): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();

/** hcl2json wraps every block body in a one-element list. */
const only = (x: unknown): Body => (Array.isArray(x) ? (x[0] as Body) : (x as Body));

const loadModule = async (dir = MODULE_DIR): Promise<Module> => {
  const m: Module = { files: {}, blocks: [], variables: {}, locals: {}, outputs: {}, terraform: [] };
  for (const file of tfFiles(dir)) {
    const parsed = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Body;
    m.files[file] = parsed;
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((parsed[kind] ?? {}) as Record<string, Body>)) {
        for (const [name, body] of Object.entries(byName))
          m.blocks.push({ file, kind, type, name, body: only(body) });
      }
    }
    for (const [name, body] of Object.entries((parsed.variable ?? {}) as Record<string, unknown>))
      m.variables[name] = only(body);
    for (const [name, body] of Object.entries((parsed.output ?? {}) as Record<string, unknown>))
      m.outputs[name] = only(body);
    for (const locals of (parsed.locals ?? []) as Body[]) Object.assign(m.locals, locals);
    for (const t of (parsed.terraform ?? []) as Body[]) m.terraform.push(t);
  }
  return m;
};

const isExpression = (x: unknown): x is string => typeof x === 'string' && x.includes('${');

/** Every string in a body (expressions and literals), with the dotted argument path it sits at. */
const stringsOf = (x: unknown, path: string[] = []): { path: string[]; value: string }[] => {
  if (typeof x === 'string') return [{ path, value: x }];
  if (Array.isArray(x)) return x.flatMap((v) => stringsOf(v, path));
  if (x && typeof x === 'object') return Object.entries(x).flatMap(([k, v]) => stringsOf(v, [...path, k]));
  return [];
};

/**
 * The references in an expression: HCL's own traversals (getReferencesInExpression), plus the
 * traversals with a computed index (`ibm_x.y[each.key].id`, `var.x[each.key]`), which it leaves out.
 */
const referencesIn = async (expression: string): Promise<string[]> => {
  const found = (await getReferencesInExpression('module.tf', expression)).map((r) => r.value);
  const indexed = [
    ...expression.matchAll(/\b((?:data\.)?ibm_[a-z0-9_]+\.[a-z0-9_]+)\[[^\]]*\]\.([a-z0-9_]+)/g),
  ].map((m) => `${m[1]}.${m[2]}`);
  const named = [...expression.matchAll(/(?<![\w.])((?:var|local)\.[a-z0-9_]+)/g)].map((m) => m[1] ?? '');
  return [...new Set([...found, ...indexed, ...named])];
};

export type { Block, Body, Excerpt, Field, Module, TypeSchema };
export { excerpt, isExpression, loadModule, MODULE_DIR, only, referencesIn, root, stringsOf, tfFiles };
