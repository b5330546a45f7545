// A doctor report for people (a checklist: ✓ ✗ ! - on a terminal, words when piped, colour unless
// NO_COLOR) and for automation (`--json`: the report object, one stable shape).
import { CHECK_STATUSES, type Check, type CheckStatus, type DoctorReport } from './types.ts';

interface RenderOptions {
  /** Symbols and layout for a terminal; plain words when output is piped. */
  tty: boolean;
  color: boolean;
}

const SYMBOL = { ok: '✓', fail: '✗', warn: '!', skip: '-' } as const satisfies Record<CheckStatus, string>;
const WORD = { ok: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip' } as const satisfies Record<
  CheckStatus,
  string
>;
const COLOR = { ok: 32, fail: 31, warn: 33, skip: 90 } as const satisfies Record<CheckStatus, number>;

const paint = (text: string, code: number, on: boolean): string =>
  on ? `\u001b[${code}m${text}\u001b[0m` : text;

const line = (c: Check, o: RenderOptions): string[] => {
  const mark = o.tty ? SYMBOL[c.status] : WORD[c.status];
  const head = `${paint(mark, COLOR[c.status], o.color)} ${c.title}: ${c.detail}`;
  const indent = o.tty ? '    ' : '      ';
  // A skipped check's lines say how to look by hand; the others' say how to fix.
  const label = c.status === 'skip' ? 'check: ' : 'fix: ';
  return [head, ...c.fix.map((f, i) => `${indent}${i === 0 ? label : ' '.repeat(label.length)}${f}`)];
};

const counts = (checks: readonly Check[]): string => {
  const n = (s: CheckStatus): number => checks.filter((c) => c.status === s).length;
  const words = { ok: 'ok', fail: 'failed', warn: 'to look at', skip: 'skipped' } satisfies Record<
    CheckStatus,
    string
  >;
  return CHECK_STATUSES.filter((s) => n(s) > 0)
    .map((s) => `${n(s)} ${words[s]}`)
    .join(', ');
};

const renderText = (r: DoctorReport, o: RenderOptions): string => {
  const who = r.identity ? ` as ${r.identity.name}` : '';
  const verdict = r.ok
    ? 'everything the manifest needs holds'
    : 'something the manifest needs does not hold: fix the ✗ lines, then run doctor again';
  const lines = [
    `imds-guard doctor: account ${r.account}${who} (${r.manifest})`,
    ...r.checks.flatMap((c) => line(c, o)),
    `${counts(r.checks)}: ${o.tty ? verdict : verdict.replace('✗', 'FAIL')}`,
  ];
  return `${lines.join('\n')}\n`;
};

const renderJson = (r: DoctorReport): string => `${JSON.stringify(r, null, 2)}\n`;

export type { RenderOptions };
export { renderJson, renderText };
