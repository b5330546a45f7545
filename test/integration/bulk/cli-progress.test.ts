// `imds-guard scan --apply` progress as a user sees it: on a terminal (a pseudo-terminal from
// util-linux `script`) the bar is drawn in place and a warn line logged during the apply (the log
// ticket sink's `ticket` line for a broad trusted profile) starts on a cleared line of its own, never
// in the middle of the bar; piped, stderr holds plain lines only.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { envFor } from '../../helpers/emulator.ts';
import { type Account, GUARD_KEY, startAccount } from './support.ts';

const POLICY = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
const ARGS = ['--apply', '--include', 'instances,templates,profiles', '--concurrency', '4'];

let account: Account;

beforeAll(async () => {
  account = await startAccount({ instances: 400, regions: 2, seed: 'bulk-progress', profiles: 12 });
});

afterAll(async () => {
  await account.close();
});

const run = (command: string, args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });

const scanEnv = () => envFor(account.url, GUARD_KEY, { IMDS_GUARD_POLICY: JSON.stringify(POLICY) });

const CLEAR = '\r\x1b[K';

describe('scan --apply progress', () => {
  test.skipIf(!HAS_SCRIPT)('on a terminal: warn lines never land in the middle of the bar', async () => {
    // Act: the scan on a pseudo-terminal (stdout and stderr both), 100 columns wide.
    const command = `stty cols 100 2>/dev/null; exec ${process.execPath} bin/imds-guard.mjs scan ${ARGS.join(' ')} --json`;
    const r = await run('script', ['-qec', command, '/dev/null'], { ...scanEnv(), TERM: 'xterm' });

    // Assess: the bar was drawn, and warn lines were logged while it was up.
    expect(r.code).toBe(0);
    const text = r.out;
    expect(text).toMatch(/scan apply \[[█░]{24}\] [\d,]+\/[\d,]+ \d+%/);
    const lineStarts = [...text.matchAll(/\{"timestamp":"[^"]*","level":"(\w+)"/g)];
    const warns = lineStarts.filter((m) => m[1] === 'warn').map((m) => m.index);
    expect(warns.length).toBeGreaterThan(0);
    const barBefore = warns.filter((at) => text.lastIndexOf('scan apply [', at) >= 0);
    expect(barBefore.length).toBeGreaterThan(0);
    // Every log line, and every record, starts at the left edge of a cleared line (or a fresh line).
    const records = [...text.matchAll(/\{"fn":"scan"/g)];
    expect(records.length).toBeGreaterThan(400);
    for (const { index: at } of [...lineStarts, ...records]) {
      const before = text.slice(Math.max(0, at - CLEAR.length), at);
      expect(before === CLEAR || before.endsWith('\n')).toBe(true);
    }
    // Nothing was written on the bar's line after it was drawn except a clear: no "…%{" joins.
    expect(text).not.toMatch(/(ETA [^\r\n]*|ETA …)\{/);
  });

  test('piped: plain lines on stderr, no escape codes', async () => {
    const r = await run(process.execPath, ['bin/imds-guard.mjs', 'scan', ...ARGS], scanEnv());
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('\r');
    expect(r.err).not.toContain('\x1b');
    expect(r.err).toMatch(/^scan apply: [\d,]+\/[\d,]+ decided · /m);
  });
});
