// The change journal of `imds-guard scan --apply`: one append-only file per run in the state directory,
// an intent line written (and fdatasync'ed) before each change is sent and an outcome line once IBM has
// answered and the target's decision record is on disk (`recorded`). A run that ends with every intent answered deletes its file; a run that was killed leaves
// it, and the next run against the same account and endpoint reconciles what it holds (reconcile.ts).
import {
  closeSync,
  fdatasync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { type ChangeIntent, type ChangeLog, type ChangeOutcome, newIntent } from '#shared/audit/intent.ts';
import { errorMessage } from '#shared/errors.ts';

interface JournalHeader {
  journal: 'imds-guard scan';
  version: 1;
  run_id: string;
  pid: number;
  host: string;
  /** The account the run acted in (the token's `account.bss`) and the API origin it used. */
  account: string;
  endpoint: string;
  started_at: string;
}

interface FileJournal extends ChangeLog {
  path: string;
  /**
   * The decision record of `target_crn` is on disk: its held outcomes are written now. An outcome that
   * closes an intent waits for its record, so a process killed between IBM's answer and the record
   * leaves the intent open and the next run reconciles it — a change is never without both.
   */
  recorded(target_crn: string): void;
  /** Intents without an outcome, or with an `unknown` one (or whose record is not yet written). */
  unresolved(): number;
  /** Closes the file; deletes it when nothing is left to reconcile. */
  close(): void;
}

/** An intent an earlier run left unresolved, with the run it belongs to. */
interface PendingIntent extends ChangeIntent {
  run_id: string;
  /** The outcome line, when the run wrote one (`unknown`). */
  outcome?: ChangeOutcome;
}

interface Leftovers {
  intents: PendingIntent[];
  /** Journal files of finished (dead) runs for this account and endpoint. */
  files: string[];
  /** Files that could not be read (reported, left in place). */
  unreadable: { file: string; error: string }[];
}

class JournalError extends Error {
  override name = 'JournalError';
}

/** `IMDS_GUARD_STATE_DIR`, else `$XDG_STATE_HOME/imds-guard`, else `~/.local/state/imds-guard`. */
const stateDir = (env: Readonly<Record<string, string | undefined>>): string =>
  env.IMDS_GUARD_STATE_DIR || join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'imds-guard');

/** Batches fdatasync calls: every caller waits for a sync that started after its write. */
const groupSync = (fd: number) => {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const syncOnce = (): Promise<void> =>
    new Promise((resolve, reject) => {
      fdatasync(fd, (err) => (err ? reject(err) : resolve()));
    });
  const next = (): Promise<void> => {
    if (!running) {
      running = syncOnce().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running.then(() => {
      queued = undefined;
      return next();
    });
    return queued;
  };
  return next;
};

const openJournal = (
  dir: string,
  header: Omit<JournalHeader, 'journal' | 'version' | 'pid' | 'host'>,
): FileJournal => {
  let fd: number;
  const path = join(dir, `scan-${header.run_id}.jsonl`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    throw new JournalError(`cannot write the change journal ${path}: ${errorMessage(err)}`, { cause: err });
  }
  const line = (x: object): void => {
    writeSync(fd, `${JSON.stringify(x)}\n`);
  };
  line({ journal: 'imds-guard scan', version: 1, pid: process.pid, host: hostname(), ...header });
  const sync = groupSync(fd);
  const open = new Set<string>();
  /** Outcomes that close an intent, held until the target's decision record is written. */
  const held = new Map<string, ChangeOutcome[]>();
  let closed = false;
  return {
    path,
    intent: async (fields) => {
      const intent = newIntent(fields);
      line({ type: 'intent', ...intent });
      open.add(intent.intent_id);
      await sync();
      return intent;
    },
    outcome: (outcome) => {
      // A process past close() (a hard stop) has nothing left to write to.
      if (closed) return;
      if (outcome.result === 'unknown') return line({ type: 'outcome', ...outcome });
      held.set(outcome.target_crn, [...(held.get(outcome.target_crn) ?? []), outcome]);
    },
    recorded: (crn) => {
      const outcomes = held.get(crn);
      if (closed || !outcomes) return;
      held.delete(crn);
      for (const o of outcomes) {
        line({ type: 'outcome', ...o });
        open.delete(o.intent_id);
      }
    },
    unresolved: () => open.size,
    close: () => {
      if (closed) return;
      closed = true;
      closeSync(fd);
      if (open.size === 0) rmSync(path, { force: true });
    },
  };
};

/** Is the process that wrote a journal still running here (a concurrent scan)? */
const stillRunning = (h: JournalHeader): boolean => {
  if (h.host !== hostname() || h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The intents of one journal file that have no outcome, or an `unknown` one. */
const unresolvedOf = (text: string): { header: JournalHeader; intents: PendingIntent[] } => {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = JSON.parse(lines[0] ?? '{}') as JournalHeader;
  if (header.journal !== 'imds-guard scan') throw new JournalError('not an imds-guard scan journal');
  const intents = new Map<string, PendingIntent>();
  for (const raw of lines.slice(1)) {
    // A line cut short by a kill is the last one: it never described a sent change.
    let entry: { type?: string } & Partial<ChangeIntent> & Partial<ChangeOutcome>;
    try {
      entry = JSON.parse(raw);
    } catch {
      continue;
    }
    const id = entry.intent_id ?? '';
    if (entry.type === 'intent') intents.set(id, { ...(entry as ChangeIntent), run_id: header.run_id });
    else if (entry.type === 'outcome') {
      const known = intents.get(id);
      if (!known) continue;
      if (entry.result === 'unknown') known.outcome = entry as ChangeOutcome;
      else intents.delete(id);
    }
  }
  for (const i of intents.values()) delete (i as { type?: string }).type;
  return { header, intents: [...intents.values()] };
};

/** Journals of earlier runs (not running any more) for this account and endpoint, and what they left. */
const readLeftovers = (dir: string, scope: { account: string; endpoint: string }): Leftovers => {
  const out: Leftovers = { intents: [], files: [], unreadable: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^scan-.+\.jsonl$/.test(n));
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      const { header, intents } = unresolvedOf(readFileSync(file, 'utf8'));
      if (header.account !== scope.account || header.endpoint !== scope.endpoint) continue;
      if (stillRunning(header)) continue;
      out.files.push(file);
      out.intents.push(...intents);
    } catch (err) {
      out.unreadable.push({ file, error: errorMessage(err) });
    }
  }
  return out;
};

/** Removes reconciled journals. */
const removeJournals = (files: readonly string[]): void => {
  for (const f of files) rmSync(f, { force: true });
};

export type { FileJournal, JournalHeader, Leftovers, PendingIntent };
export { JournalError, openJournal, readLeftovers, removeJournals, stateDir, unresolvedOf };
