// `deploy --dry-run` prints lines a user pastes into bash (issue 9, item 10): every line must be shell as
// it is — no `<file>` placeholders (a redirection in bash) — with files written by earlier lines from
// environment variables or a here-doc. Checked with `bash -n`, then run against stand-in commands.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const read = (rel: string): string => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');
const PLANS = {
  sample: read('../../fixtures/deploy.expected.txt'),
  repository: read('../../fixtures/deploy.manifest.expected.txt'),
};

const work = mkdtempSync(join(tmpdir(), 'imds-guard-shell-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** bash -n on a script: its syntax errors, or '' when it parses. */
const syntaxErrors = (script: string): string => {
  try {
    execFileSync('bash', ['-n'], { input: script, stdio: ['pipe', 'pipe', 'pipe'] });
    return '';
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? err);
  }
};

/** The printed lines, here-doc bodies excluded (they are data, not commands). */
const commandLines = (text: string): string[] => {
  const out: string[] = [];
  let end: string | undefined;
  for (const line of text.split('\n')) {
    if (end !== undefined) {
      if (line === end) end = undefined;
      continue;
    }
    const heredoc = /<<'([A-Z_]+)'/.exec(line);
    if (heredoc) end = heredoc[1];
    else out.push(line);
  }
  return out;
};

describe.each(Object.entries(PLANS))('the %s plan pastes into bash', (name, text) => {
  test('the whole text parses (bash -n)', () => {
    expect(syntaxErrors(text)).toBe('');
  });

  test('every line outside a here-doc parses on its own (bash -n)', () => {
    const bad = commandLines(text).filter((line) => syntaxErrors(`${line}\n`) !== '');
    expect(bad).toEqual([]);
  });

  test('run with stand-in ibmcloud and jq: every file exists when read, with the variables it names', () => {
    // Prepare: ibmcloud logs its arguments and the files they name; jq prints a fixed id
    const bin = join(work, `bin-${name}`);
    execFileSync('mkdir', ['-p', bin]);
    const log = join(work, `${name}.log`);
    writeFileSync(
      join(bin, 'ibmcloud'),
      `#!/bin/bash\nfor a in "$@"; do printf '%s\\n' "$a" >> '${log}'; f="\${a#*=}"; f="\${f#@}"; if [ -f "$f" ]; then cat "$f" >> '${log}'; echo >> '${log}'; fi; done\necho '{}'\n`,
    );
    writeFileSync(join(bin, 'jq'), '#!/bin/bash\ncat > /dev/null\necho captured-value\n');
    chmodSync(join(bin, 'ibmcloud'), 0o755);
    chmodSync(join(bin, 'jq'), 0o755);
    // Every variable the printed lines read a secret from, set as the user would have it.
    const names = [...text.matchAll(/"\$([A-Z_][A-Z0-9_]*)"/g)].map((m) => m[1] ?? '');
    const env: Record<string, string> = { PATH: `${bin}:/usr/bin:/bin` };
    for (const name of names.filter((n) => n !== 'DEPLOY_DIR')) env[name] = `value-of-${name}`;
    // Act
    execFileSync('bash', ['-eu'], { input: text, env, stdio: ['pipe', 'pipe', 'pipe'] });
    // Assess
    const seen = readFileSync(log, 'utf8');
    expect(seen).toContain('"accounts"');
    expect(seen).not.toContain('$DEPLOY_DIR');
    expect(seen).toContain('IMDS_GUARD_SELF_IDS=captured-value');
    if (name === 'sample') {
      expect(seen).toContain('username=value-of-SAMPLE_ES_USERNAME\npassword=value-of-SAMPLE_ES_APIKEY\n');
      expect(seen).toContain('value-of-SAMPLE_BACKUP_ES_APIKEY');
    }
  });
});
