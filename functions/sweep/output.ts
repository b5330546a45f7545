// Where a bulk run's records go (JSON lines to stdout or a file, buffered) and the human plan table
// (grouped by region: what would change, why, under which rule). Bounded memory: the table keeps at
// most `rowsPerRegion` rows per region and counts the rest.
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import type { DecisionRecord, Outcome } from '#shared/audit/decision.ts';
import { changeOf } from './summary.ts';

interface LineWriter {
  write(line: string): void;
  /** Hands what is buffered to the OS now (after a record of a change: it must survive a kill). */
  flush(): void;
  close(): void;
}

const FLUSH_AT = 64 * 1024;

/**
 * Lines into one reused Buffer, written to `fd` when 64 KB are gathered and on `flush()`: each line is
 * encoded once, straight into the buffer (no 64 KB string built, flattened and encoded per flush).
 */
const fdLines = (fd: number): { write(line: string): void; flush(): void } => {
  const out = Buffer.allocUnsafeSlow(FLUSH_AT + 4096);
  let used = 0;
  const flush = (): void => {
    if (used > 0) writeSync(fd, out, 0, used);
    used = 0;
  };
  return {
    write: (line) => {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; a line that may not fit goes out on its own.
      if (used + 3 * line.length + 1 > out.length) {
        flush();
        if (3 * line.length + 1 > out.length) {
          writeSync(fd, `${line}\n`);
          return;
        }
      }
      used += out.write(line, used, 'utf8');
      out[used] = 0x0a;
      used += 1;
      if (used >= FLUSH_AT) flush();
    },
    flush,
  };
};

/** JSON lines to a file (created or truncated), flushed every 64 KB, on `flush()` and on close. */
const fileWriter = (path: string): LineWriter => {
  const fd = openSync(path, 'w');
  const lines = fdLines(fd);
  let closed = false;
  return {
    write: (line) => {
      if (!closed) lines.write(line);
    },
    flush: () => {
      if (!closed) lines.flush();
    },
    close: () => {
      if (closed) return;
      lines.flush();
      closeSync(fd);
      closed = true;
    },
  };
};

/** The descriptor of a stream that is a regular file (stdout redirected to one), else undefined. */
const fileFd = (stream: { write(chunk: string): unknown }): number | undefined => {
  const fd = (stream as { fd?: unknown }).fd;
  try {
    return typeof fd === 'number' && fstatSync(fd).isFile() ? fd : undefined;
  } catch {
    return undefined;
  }
};

/**
 * JSON lines to a stream (stdout: synchronous for files and pipes on Linux, so memory stays flat). A
 * file gets the bytes straight from writeSync (fdLines), not through a Buffer per flush.
 */
const streamWriter = (stream: { write(chunk: string): unknown }): LineWriter => {
  const fd = fileFd(stream);
  if (fd !== undefined) {
    const lines = fdLines(fd);
    return { write: lines.write, flush: lines.flush, close: lines.flush };
  }
  let buf = '';
  const flush = (): void => {
    if (buf) stream.write(buf);
    buf = '';
  };
  return {
    write: (line) => {
      buf += `${line}\n`;
      if (buf.length >= FLUSH_AT) flush();
    },
    flush,
    close: flush,
  };
};

// ---- The plan table --------------------------------------------------------------------------------

interface Row {
  kind: string;
  name: string;
  outcome: Outcome;
  change: string;
  rule: string;
  why: string;
}

interface RegionRows {
  rows: Row[];
  more: number;
  counts: Partial<Record<Outcome, number>>;
}

const str = (x: unknown): string =>
  typeof x === 'string' ? x : x === undefined || x === null ? '' : JSON.stringify(x);

const record = (x: unknown): Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};

/** `enabled true→false, protocol http→https` from an instance record's patch and before state. */
const instanceChange = (r: DecisionRecord): string => {
  const patch = record(r.detail?.patch);
  const before = record(r.before);
  const short = { enabled: 'enabled', protocol: 'protocol', response_hop_limit: 'hop limit' } as Record<
    string,
    string
  >;
  return Object.entries(patch)
    .map(([k, v]) => `${short[k] ?? k} ${str(before[k])}→${str(v)}`)
    .join(', ');
};

const changeText = (r: DecisionRecord): string => {
  const d = r.detail ?? {};
  switch (d.kind) {
    case 'instance':
      return instanceChange(r);
    case 'instance-template': {
      // The copy's name: from the plan (prototype), or from what was made.
      const made = record(record(r.after).template);
      const before = record(record(r.before).template);
      const name = str(record(d.prototype).name) || (made.name !== before.name ? str(made.name) : '');
      return name ? `copy → ${name}` : '';
    }
    case 'profile': {
      const ticket = record(d.ticket);
      const fix = record(d.fix);
      return [
        fix.status ? `session caps ${str(fix.status)}` : '',
        ticket.action ? `ticket ${str(ticket.plan ?? ticket.action)}` : '',
      ]
        .filter(Boolean)
        .join(', ');
    }
    default:
      return '';
  }
};

/** The finding, without the boilerplate the row's other columns already say. */
const whyText = (reason: string, width: number): string => {
  const parts = reason
    .split('; ')
    .filter(
      (p) =>
        !/^rule ".*" applies|^no rule matched$|^instances\.default applies$|^dry run: would PATCH/.test(p),
    )
    .map((p) => p.replace(/^dry run: /, ''));
  const text = (parts.join('; ') || reason).replace(/\s+/g, ' ');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
};

const nameOf = (r: DecisionRecord): string => {
  const d = r.detail ?? {};
  const profile = record(d.profile);
  return str(d.name) || str(profile.name) || (r.target_crn?.split(':').pop() ?? '(none)');
};

/** Rows worth a line: anything but compliant (those are counted per region). */
const createPlanTable = (options: { rowsPerRegion?: number; whyWidth?: number } = {}) => {
  const limit = options.rowsPerRegion ?? 50;
  const whyWidth = options.whyWidth ?? 90;
  const regions = new Map<string, RegionRows>();
  const accounts = new Set<string>();
  return {
    add: (r: DecisionRecord): void => {
      const where = str(r.detail?.region) || (r.detail?.kind === 'profile' ? 'global (IAM)' : '(no region)');
      // Many accounts: grouped by account and region (the account is shown once there are two).
      if (r.account) accounts.add(r.account);
      const region = `${r.account ?? ''}\t${where}`;
      let g = regions.get(region);
      if (!g) {
        g = { rows: [], more: 0, counts: {} };
        regions.set(region, g);
      }
      g.counts[r.outcome] = (g.counts[r.outcome] ?? 0) + 1;
      if (r.outcome === 'compliant') return;
      if (g.rows.length >= limit) {
        g.more += 1;
        return;
      }
      const change = changeOf(r);
      g.rows.push({
        kind: str(r.detail?.kind) || 'listing',
        name: nameOf(r),
        outcome: r.outcome,
        change:
          change === undefined && r.detail?.mode === 'audit' ? `(audit) ${changeText(r)}` : changeText(r),
        rule: str(r.detail?.rule) || '',
        why: whyText(r.reason, whyWidth),
      });
    },
    render: (): string => {
      const out: string[] = [];
      const head: Row = {
        kind: 'KIND',
        name: 'NAME',
        outcome: 'OUTCOME' as Outcome,
        change: 'CHANGE',
        rule: 'RULE',
        why: 'WHY',
      };
      for (const [region, g] of [...regions.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const counts = Object.entries(g.counts)
          .map(([o, n]) => `${n} ${o}`)
          .join(' · ');
        const [account, where] = region.split('\t');
        out.push(`${accounts.size > 1 ? `account ${account} · ` : ''}${where}  (${counts})`);
        if (g.rows.length === 0) continue;
        const sorted = [...g.rows].sort(
          (a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
        );
        const rows = [head, ...sorted];
        const cols: (keyof Row)[] = ['kind', 'name', 'outcome', 'change', 'rule'];
        const widths = cols.map((c) => Math.min(48, Math.max(...rows.map((r) => r[c].length))));
        for (const r of rows) {
          const cells = cols.map((c, i) => r[c].slice(0, widths[i]).padEnd(widths[i] ?? 0));
          out.push(`  ${cells.join('  ')}  ${r.why}`.trimEnd());
        }
        if (g.more > 0) out.push(`  … and ${g.more} more (all of them with --json or --output FILE)`);
      }
      return out.join('\n');
    },
  };
};

export type { LineWriter };
export { createPlanTable, fileWriter, streamWriter, whyText };
