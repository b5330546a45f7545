// A function bundle can hold two copies of call-counter.ts (the acting file and its lazily loaded
// ticketing file, scripts/build.mjs): a call counted by either copy lands in the tally the caller opened.
import { expect, test } from 'vitest';
import { countCalls } from '#shared/runtime/call-counter.ts';

test('a second copy of the module counts into the tally the first one opened', async () => {
  // Prepare: a second module instance, as a separately bundled file would have.
  const second = '../../../shared/runtime/call-counter.ts?second-copy';
  const copy = (await import(/* @vite-ignore */ second)) as typeof import('#shared/runtime/call-counter.ts');
  expect(copy.countCalls).not.toBe(countCalls);
  // Act: the first copy opens the tally; the second copy's caller counts a sink call inside it.
  const { tally } = await countCalls(async () => {
    const t = copy.currentTally();
    if (t) t.calls += 1;
  });
  // Assess
  expect(tally.calls).toBe(1);
});
