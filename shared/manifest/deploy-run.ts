// Runs a deploy plan: each step through `ibmcloud` in order, output streamed, stopping at the first
// failure with its exit code. Secret values go only into files in a private temporary directory (0700,
// files 0600) that is removed afterwards; what is printed is the redacted command line. `exec` is
// injected: the CLI spawns the real `ibmcloud`, tests pass their own.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { FileContent, Plan, Step } from './deploy-plan.ts';
import { stepsOf } from './deploy-plan.ts';
import { commandLine } from './deploy-render.ts';

interface ExecResult {
  code: number;
  /** Captured standard output (only when asked for; otherwise it was streamed). */
  stdout: string;
}

/** Runs `ibmcloud <argv>`; with `capture`, returns its standard output instead of streaming it. */
type Exec = (argv: readonly string[], options: { capture: boolean }) => Promise<ExecResult>;

interface RunOptions {
  exec: Exec;
  env: Readonly<Record<string, string | undefined>>;
  /** Progress lines: each command as printed (secrets redacted), and captured values. */
  log: (line: string) => void;
}

type RunResult =
  | { ok: true; ran: number }
  | { ok: false; ran: number; code: number; step: Step; reason: string };

/** The directory on PATH holding an executable `name`, if any. */
const findOnPath = (name: string, path = process.env.PATH ?? ''): string | undefined => {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
};

/** Spawns the real `ibmcloud`: stdin and stderr inherited, stdout streamed or captured. */
const spawnExec =
  (bin: string, out: Writable = process.stdout): Exec =>
  (argv, { capture }) =>
    new Promise((resolve, reject) => {
      const child = spawn(bin, [...argv], { stdio: ['inherit', 'pipe', 'inherit'] });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        if (capture) chunks.push(chunk);
        else out.write(chunk);
      });
      child.once('error', reject);
      child.once('close', (code, signal) =>
        resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(chunks).toString('utf8') }),
      );
    });

/** Environment variables a file is written from. */
const envOf = (content: FileContent | undefined): string[] => {
  switch (content?.kind) {
    case 'env-file':
      return content.entries.map((e) => e.env);
    case 'env-value':
      return [content.env];
    case 'text':
    case undefined:
      return [];
  }
};

/** Environment variables the plan reads secret values from. */
const envNeeded = (plan: Plan): string[] => [
  ...new Set(stepsOf(plan).flatMap((s) => envOf(s.file?.content))),
];

/** Variables the plan needs that are unset or empty, or hold a line break (an env file cannot carry one). */
const envProblems = (plan: Plan, env: RunOptions['env']): string[] =>
  envNeeded(plan).flatMap((name) => {
    const value = env[name];
    if (value === undefined || value === '') return [`${name} is not set`];
    if (/[\r\n]/.test(value)) return [`${name} holds a line break`];
    return [];
  });

const fileText = (content: FileContent, env: RunOptions['env']): string => {
  switch (content.kind) {
    case 'env-file':
      return content.entries.map((e) => `${e.key}=${env[e.env] ?? ''}\n`).join('');
    case 'env-value':
      return env[content.env] ?? '';
    case 'text':
      return content.text;
  }
};

/** `${NAME}` → the value an earlier step captured. */
const substitute = (arg: string, values: ReadonlyMap<string, string>): string =>
  arg.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (whole, name: string) => {
    const value = values.get(name);
    if (value === undefined) throw new Error(`no value for ${whole}: the step that reads it did not run`);
    return value;
  });

/** A property of a command's JSON output (`ibmcloud … --output json`). */
const jsonProperty = (stdout: string, property: string): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(stdout);
    const value = (parsed as Record<string, unknown> | null)?.[property];
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
};

const runPlan = async (plan: Plan, o: RunOptions): Promise<RunResult> => {
  const dir = await mkdtemp(join(tmpdir(), 'imds-guard-deploy-'));
  await chmod(dir, 0o700);
  const values = new Map<string, string>();
  let ran = 0;
  try {
    for (const step of stepsOf(plan)) {
      const argv = step.argv.map((a) => substitute(a, values));
      if (step.file) {
        const path = join(dir, step.file.file);
        await writeFile(path, fileText(step.file.content, o.env), { mode: 0o600 });
        argv[step.file.index] = `${step.file.prefix}${path}`;
      }
      o.log(`+ ${commandLine(step)}`);
      const result = await o.exec(argv, { capture: step.capture !== undefined });
      ran += 1;
      if (result.code !== 0) {
        return { ok: false, ran, code: result.code, step, reason: `ibmcloud exited with ${result.code}` };
      }
      if (step.capture) {
        const value = jsonProperty(result.stdout, step.capture.property);
        if (value === undefined) {
          return {
            ok: false,
            ran,
            code: 1,
            step,
            reason: `its output has no "${step.capture.property}" to remember as ${step.capture.variable}`,
          };
        }
        values.set(step.capture.variable, value);
        o.log(`  ${step.capture.variable}=${value}`);
      }
    }
    return { ok: true, ran };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

export type { Exec, ExecResult, RunOptions, RunResult };
export { envNeeded, envProblems, findOnPath, jsonProperty, runPlan, spawnExec };
