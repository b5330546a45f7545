// Writes a ready-to-apply Terraform root module into a directory: the module of deploy/terraform/ and
// its inputs (terraform.tfvars.json, grants.auto.tfvars.json). A directory that holds anything else is
// refused before a single byte is written: it is someone else's configuration, and mixing ours into it
// would change what their `terraform apply` does.
import { lstat, mkdir, readdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { TerraformInputs } from './terraform.ts';

const TFVARS = 'terraform.tfvars.json';
const GRANTS = 'grants.auto.tfvars.json';

/** Files Terraform itself keeps beside a configuration, and the operator's own variable files. */
const TERRAFORM_OWN = [
  /^\.terraform$/,
  /^\.terraform\.lock\.hcl$/,
  /^terraform\.tfstate(\.backup)?$/,
  /^[^/]+\.auto\.tfvars(\.json)?$/,
  /^\.gitignore$/,
];

/** The directory exists and holds files that are not ours; nothing was written. */
class TerraformDirError extends Error {
  override name = 'TerraformDirError';
}

/** The module's own files, relative to its directory: *.tf, README.md and the Cloud Logs definitions. */
const moduleFiles = async (moduleDir: string): Promise<string[]> => {
  const top = (await readdir(moduleDir)).filter((f) => f.endsWith('.tf') || f === 'README.md');
  const logs: string[] = [];
  for (const kind of ['alerts', 'views']) {
    const names = await readdir(join(moduleDir, 'cloud-logs', kind));
    logs.push(...names.filter((f) => f.endsWith('.json')).map((f) => `cloud-logs/${kind}/${f}`));
  }
  return [...top, ...logs].sort();
};

const exists = async (path: string): Promise<boolean> => {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
};

/** Every entry under dir (directories as themselves, not descended into when Terraform owns them). */
const entriesOf = async (dir: string, base = dir): Promise<{ rel: string; isDir: boolean }[]> => {
  const out: { rel: string; isDir: boolean }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = relative(base, join(dir, entry.name)).split(sep).join('/');
    out.push({ rel, isDir: entry.isDirectory() });
    if (entry.isDirectory() && !TERRAFORM_OWN.some((re) => re.test(rel))) {
      out.push(...(await entriesOf(join(dir, entry.name), base)));
    }
  }
  return out;
};

/** Entries of an existing directory that neither the module, its inputs nor Terraform account for. */
const foreignEntries = async (dir: string, ours: readonly string[]): Promise<string[]> => {
  const known = new Set([...ours, TFVARS, GRANTS]);
  const folders = new Set(
    ours.flatMap((f) =>
      f
        .split('/')
        .slice(0, -1)
        .map((_, i, a) => a.slice(0, i + 1).join('/')),
    ),
  );
  return (await entriesOf(dir))
    .filter(({ rel, isDir }) =>
      isDir
        ? !folders.has(rel) && !TERRAFORM_OWN.some((re) => re.test(rel))
        : !known.has(rel) && !TERRAFORM_OWN.some((re) => re.test(rel)),
    )
    .map(({ rel, isDir }) => (isDir ? `${rel}/` : rel));
};

/** Writes through a temporary name in the same directory, so a reader never sees half a file. */
const writeAtomic = async (path: string, text: string): Promise<void> => {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o644 });
  await rename(temp, path);
};

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

interface Written {
  dir: string;
  /** Module files copied (0 when dir is the module directory itself). */
  copied: number;
  files: string[];
}

/** Checks dir, then writes the module and its inputs into it. Throws TerraformDirError before writing anything. */
const writeTerraformDir = async (
  dir: string,
  moduleDir: string,
  inputs: TerraformInputs,
): Promise<Written> => {
  const files = await moduleFiles(moduleDir);
  if (await exists(dir)) {
    const stat = await lstat(dir);
    if (!stat.isDirectory()) throw new TerraformDirError(`${dir} exists and is not a directory`);
    const foreign = await foreignEntries(dir, files);
    if (foreign.length > 0) {
      const shown = foreign.slice(0, 3).join(', ');
      throw new TerraformDirError(
        `${dir} holds files that are not imds-guard's Terraform module (${shown}${foreign.length > 3 ? `, and ${foreign.length - 3} more` : ''}); use an empty or new directory`,
      );
    }
  }
  await mkdir(dir, { recursive: true });
  const same = (await realpath(dir)) === (await realpath(moduleDir));
  if (!same) {
    for (const f of files) await writeAtomic(join(dir, f), await readFile(join(moduleDir, f), 'utf8'));
  }
  await writeAtomic(join(dir, TFVARS), json(inputs.vars));
  await writeAtomic(join(dir, GRANTS), json(inputs.grants));
  return { dir, copied: same ? 0 : files.length, files: [...(same ? [] : files), TFVARS, GRANTS] };
};

export type { Written };
export { GRANTS, moduleFiles, TerraformDirError, TFVARS, writeTerraformDir };
