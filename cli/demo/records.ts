// Where the demo's decision records go: one JSON line each, exactly as the functions log them (plus
// the scans' summary lines), in a file the demo names; and the `report` command that reads it, quoted
// so that it pastes into a shell as printed.
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DecisionRecord } from '#shared/audit/decision.ts';

interface RecordsFile {
  dir: string;
  path: string;
  html: string;
  write(lines: readonly (DecisionRecord | Record<string, unknown>)[]): void;
}

/** The line as shared/audit/logger.ts writes it: timestamp, level, message first. */
const toLine = (r: DecisionRecord | Record<string, unknown>): string => {
  const { timestamp, level, message, ...rest } = r as Record<string, unknown>;
  return JSON.stringify({ timestamp, level, message, ...rest });
};

/** `out` (created when missing), or a fresh directory under the system's temp dir. */
const openRecordsFile = (out?: string): RecordsFile => {
  const dir = out ? resolve(out) : mkdtempSync(join(tmpdir(), 'imds-guard-demo-'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'decisions.jsonl');
  writeFileSync(path, '');
  return {
    dir,
    path,
    html: join(dir, 'report.html'),
    // Appended synchronously as each step ends, so an interrupted demo keeps what it decided.
    write: (lines) => {
      if (lines.length > 0) appendFileSync(path, `${lines.map(toLine).join('\n')}\n`);
    },
  };
};

/** A word the shell reads back as is: bare when safe, else single-quoted. */
const shellQuote = (word: string): string =>
  /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * The command that turns the records into the HTML report: `npx imds-guard` inside the package (what
 * `npm start` runs from), else the package's own bin by path, so it never reaches for the registry.
 */
const reportCommand = (file: RecordsFile, where: { cwd: string; root: string }): string => {
  const inside = resolve(where.cwd) === resolve(where.root);
  const cli = inside ? ['npx', 'imds-guard'] : ['node', join(where.root, 'bin', 'imds-guard.mjs')];
  return [...cli, 'report', file.path, '--html', file.html].map(shellQuote).join(' ');
};

export type { RecordsFile };
export { openRecordsFile, reportCommand, shellQuote, toLine };
