// Running the real tools for the system tests: processes, the CLI, throwaway network namespaces with a
// stand-in metadata service on 169.254.169.254, and connection attempts as a given user.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const run = (cmd: string, args: string[], input?: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A tool may exit before reading its input; its exit code says why, so EPIPE is not the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });

/** Like `run`, but a non-zero exit fails the test with the tool's own words. */
const runOk = async (cmd: string, args: string[], input?: string): Promise<string> => {
  const r = await run(cmd, args, input);
  expect(r, `${cmd} ${args.join(' ')}`).toMatchObject({ code: 0 });
  return r.stdout;
};

const generate = (args: string[]): Promise<string> =>
  runOk(process.execPath, ['bin/imds-guard.mjs', 'firewall', ...args]);

interface CloudConfigFiles {
  script: string;
  unit: string;
}

const cloudConfigFiles = (text: string): CloudConfigFiles => {
  const doc = parse(text) as { write_files: { path: string; content: string }[] };
  const content = (suffix: string): string =>
    doc.write_files.find((f) => f.path.endsWith(suffix))?.content ?? '';
  return { script: content('/imds-guard-firewall'), unit: content('/imds-guard-firewall.service') };
};

let namespaces = 0;

/** A fresh network namespace with loopback up and the metadata address on it; deleted afterwards. */
const withNetns = async <T>(fn: (ns: string) => Promise<T>): Promise<T> => {
  const ns = `imdsg-${process.pid}-${namespaces++}`;
  await runOk('ip', ['netns', 'add', ns]);
  try {
    await runOk('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await runOk('ip', ['-n', ns, 'addr', 'add', '169.254.169.254/32', 'dev', 'lo']);
    return await fn(ns);
  } finally {
    await run('ip', ['netns', 'del', ns]);
  }
};

const inNetns = (ns: string, cmd: string, args: string[], input?: string): Promise<Run> =>
  run('ip', ['netns', 'exec', ns, cmd, ...args], input);

const inNetnsOk = (ns: string, cmd: string, args: string[], input?: string): Promise<string> =>
  runOk('ip', ['netns', 'exec', ns, cmd, ...args], input);

const STUB = `
const net = require('node:net');
let up = 0;
for (const port of [80, 443, 8080])
  net.createServer((s) => { s.on('error', () => {}); s.end('metadata\\n'); }).listen(port, '169.254.169.254', () => { if (++up === 3) console.log('ready'); });
`;

/** Listens on 169.254.169.254 ports 80, 443 and 8080 inside the namespace until the returned stop. */
const startMetadataStub = (ns: string): Promise<() => void> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', STUB]);
    child.on('error', reject);
    child.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve(() => child.kill());
    });
    child.on('exit', (code) => reject(new Error(`metadata stub exited ${code}`)));
  });

interface Who {
  uid: number | string;
  gid: number | string;
  groups?: string;
}

const idOf = (flag: '-u' | '-g', name: string): number =>
  Number(execFileSync('id', [flag, name]).toString().trim());

/** Opens a TCP connection to 169.254.169.254:port as `who`: 'connected', or what the kernel said. */
const connectAs = async (ns: string, who: Who, port: number): Promise<string> => {
  const identity = [
    `--reuid=${who.uid}`,
    `--regid=${who.gid}`,
    who.groups === undefined ? '--clear-groups' : `--groups=${who.groups}`,
  ];
  const r = await inNetns(ns, 'timeout', [
    '20',
    'setpriv',
    ...identity,
    'bash',
    '-c',
    `exec 3<>/dev/tcp/169.254.169.254/${port} && echo connected`,
  ]);
  if (r.code === 0) return r.stdout.trim();
  return /Connection refused/.test(r.stderr) ? 'refused' : `failed (${r.code}): ${r.stderr.trim()}`;
};

export type { Run, Who };
export {
  cloudConfigFiles,
  connectAs,
  generate,
  idOf,
  inNetns,
  inNetnsOk,
  run,
  runOk,
  startMetadataStub,
  withNetns,
};
