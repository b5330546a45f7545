// `npm start` runs `imds-guard demo`: the whole story must play out and exit 0 (its 20 s goal is a row of
// `npm run bench timing`, not a wall-clock bound here).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);

test('the demo tells the whole story and exits 0', { timeout: 120_000 }, async () => {
  // Act
  const { stdout } = await run(process.execPath, ['bin/imds-guard.mjs', 'demo', '--json'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  // Assess
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const summary = lines.at(-1) as {
    event: string;
    outcomes: Record<string, number>;
    step_errors: number;
    function_5xx: number;
  };
  expect(summary.event).toBe('summary');
  expect(summary.step_errors).toBe(0);
  expect(summary.function_5xx).toBe(0);
  for (const outcome of [
    'remediated',
    'compliant',
    'exempt',
    'failed',
    'planned',
    'ticket_opened',
    'ticket_resolved',
  ]) {
    expect(summary.outcomes[outcome], outcome).toBeGreaterThan(0);
  }
  const decisions = lines
    .filter((l) => l.event === 'step')
    .flatMap(
      (l) => (l.decisions as { outcome: string; reason: string; detail?: Record<string, unknown> }[]) ?? [],
    );
  // The container host got hop limit 2, the image that needs metadata was refused by IBM, not retried.
  expect(
    decisions.some(
      (d) =>
        d.outcome === 'remediated' &&
        (d.detail?.patch as { response_hop_limit?: number })?.response_hop_limit === 2,
    ),
  ).toBe(true);
  expect(decisions.some((d) => d.outcome === 'failed' && d.reason.includes('allowed-use'))).toBe(true);
});
