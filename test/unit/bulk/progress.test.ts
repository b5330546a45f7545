// The progress display: the pure model (total only once every listing is sized, ETA from the recent
// rate and none in the first seconds) on an injected clock, and the reporters on a fake stream — the
// bar on a terminal (log lines and records never land in the middle of it) and plain lines otherwise.
import { describe, expect, test } from 'vitest';
import { barProgress, plainProgress, progressFor } from '#functions/sweep/progress.ts';
import { createProgressModel, formatEta } from '#functions/sweep/progress-model.ts';
import type { Progress } from '#functions/sweep/run-context.ts';

const progress = (over: Partial<Progress> = {}): Progress => ({
  pass: 'apply',
  decided: 0,
  planned: 0,
  applied: 0,
  failures: 0,
  notReached: 0,
  listed: 0,
  owned: 0,
  expected: 0,
  listingsDone: 0,
  listingsSized: 0,
  listings: 4,
  elapsedMs: 0,
  throttled: 0,
  ...over,
});

const clock = (start = 1_000_000) => {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number): void => {
      t += ms;
    },
  };
};

const fakeStream = (tty: boolean, columns = 200) => {
  let text = '';
  return {
    isTTY: tty,
    columns,
    write: (chunk: string): boolean => {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
};

describe('the progress model', () => {
  test('no total while listings are still starting, then one that does not move', () => {
    // Prepare
    const model = createProgressModel();
    const c = clock();

    // Act: two of four listings sized (16,010 so far), then all four (20,010), then decisions go on.
    const early = model.observe(progress({ listingsSized: 2, expected: 16_010, decided: 500 }), c.now());
    c.advance(1_000);
    const sized = model.observe(progress({ listingsSized: 4, expected: 20_010, decided: 900 }), c.now());
    c.advance(1_000);
    const later = model.observe(progress({ listingsSized: 4, expected: 20_010, decided: 1_400 }), c.now());

    // Assess
    expect(early.total).toBeUndefined();
    expect(sized.total).toBe(20_010);
    expect(later.total).toBe(20_010);
  });

  test('a failed or fully listed listing counts as sized; more decided than expected raises the total', () => {
    const model = createProgressModel();
    const view = model.observe(progress({ listings: 1, listingsSized: 1, expected: 10, decided: 12 }), 0);
    expect(view.total).toBe(12);
  });

  test('no ETA in the first seconds however slow the start, then the recent rate', () => {
    // Prepare: 20,000 to decide; the first 2 s decide 30 (token, first pages), then 400/s.
    const model = createProgressModel();
    const c = clock();
    const base = { listingsSized: 4, expected: 20_000 };
    const views: (number | undefined)[] = [];

    // Act
    let decided = 0;
    for (let s = 0; s < 2; s += 1) {
      decided += 15;
      views.push(model.observe(progress({ ...base, decided }), c.now()).etaMs);
      c.advance(1_000);
    }
    for (let s = 0; s < 12; s += 1) {
      decided += 400;
      views.push(model.observe(progress({ ...base, decided }), c.now()).etaMs);
      c.advance(1_000);
    }

    // Assess: nothing before 3 s; from then on within 25% of the true time left at 400/s.
    expect(views.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    const at = views.length - 1;
    const truth = ((20_000 - decided) / 400) * 1000;
    expect(views[at]).toBeGreaterThan(truth * 0.75);
    expect(views[at]).toBeLessThan(truth * 1.25);
    // The first ETA shown is not dominated by the slow start (14 min for a 62 s run, before).
    const first = views.find((v) => v !== undefined) as number;
    expect(first).toBeLessThan(2 * ((20_000 - 845) / 400) * 1000);
  });

  test('no ETA before enough resources are decided, and 0 when all are', () => {
    const model = createProgressModel({ minDecided: 50 });
    const c = clock();
    model.observe(progress({ listingsSized: 4, expected: 100, decided: 1 }), c.now());
    c.advance(10_000);
    expect(model.observe(progress({ listingsSized: 4, expected: 100, decided: 10 }), c.now()).etaMs).toBe(
      undefined,
    );
    c.advance(1_000);
    expect(model.observe(progress({ listingsSized: 4, expected: 100, decided: 100 }), c.now()).etaMs).toBe(0);
  });

  test('a new pass starts the rate over', () => {
    const model = createProgressModel();
    const c = clock();
    for (let s = 1; s <= 5; s += 1) {
      model.observe(progress({ pass: 'plan', listingsSized: 4, expected: 1000, decided: s * 100 }), c.now());
      c.advance(1_000);
    }
    const apply = model.observe(progress({ listingsSized: 4, expected: 1000, decided: 5 }), c.now());
    expect(apply.etaMs).toBeUndefined();
  });

  test('ETA text', () => {
    expect(formatEta(42_400)).toBe('42 s');
    expect(formatEta(185_000)).toBe('3 min 05 s');
    expect(formatEta(3_720_000)).toBe('1 h 02 min');
  });
});

describe('on a terminal: the bar', () => {
  test('says "listing…" until the total is known, then decided/total; redrawn in place', () => {
    // Prepare
    const s = fakeStream(true);
    const c = clock();
    const bar = barProgress(s, 'scan', { now: c.now });

    // Act
    bar.update(progress({ listingsSized: 1, decided: 3 }));
    c.advance(200);
    bar.update(progress({ listingsSized: 4, expected: 20_010, decided: 300 }));
    bar.stop(progress({ listingsSized: 4, expected: 20_010, decided: 20_010 }));

    // Assess
    const draws = s.text.split('\r\x1b[K').filter(Boolean);
    expect(draws[0]).toMatch(/^scan apply \[listing… 1\/4\] 3 decided/);
    expect(draws[1]).toMatch(/^scan apply \[[█░]{24}\] 300\/20,010 1% .* ETA …$/);
    expect(draws[2]).toMatch(/20,010\/20,010 100% .* ETA 0 s\n$/);
  });

  test('a log line clears the bar first and the bar is drawn again after it', () => {
    // Prepare
    const s = fakeStream(true);
    const c = clock();
    const bar = barProgress(s, 'scan', { now: c.now });
    bar.update(progress({ listingsSized: 4, expected: 100, decided: 10 }));

    // Act
    bar.log('{"level":"warn","msg":"ticket"}');
    bar.around(() => s.write('{"record":1}\n'));

    // Assess: every non-bar line starts at the left edge of a cleared line.
    const drawn =
      s.text
        .slice(s.text.indexOf('\r\x1b[K') + 4)
        .split('\n')[0]
        ?.split('\r')[0] ?? '';
    expect(s.text).toContain(`\r\x1b[K{"level":"warn","msg":"ticket"}\n${drawn.slice(0, 10)}`);
    expect(s.text).toContain('\r\x1b[K{"record":1}\n');
    for (const l of ['{"level"', '{"record"']) {
      const at = s.text.indexOf(l);
      expect(s.text.slice(at - 4, at)).toBe('\r\x1b[K');
    }
  });

  test('is cut to the terminal width (a wrapped line could not be redrawn in place)', () => {
    const s = fakeStream(true, 40);
    barProgress(s, 'scan', { now: () => 0 }).update(
      progress({ listingsSized: 4, expected: 9_999, decided: 1 }),
    );
    expect(s.text.replace('\r\x1b[K', '').length).toBeLessThanOrEqual(39);
  });

  test('is redrawn at most every 100 ms', () => {
    const s = fakeStream(true);
    const c = clock();
    const bar = barProgress(s, 'scan', { now: c.now });
    for (let i = 0; i < 10; i += 1) {
      bar.update(progress({ decided: i }));
      c.advance(20);
    }
    expect(s.text.split('\r\x1b[K').filter(Boolean)).toHaveLength(2);
  });
});

describe('piped: plain lines', () => {
  test('no escape codes, one line per interval and one at the end, with the total and an ETA', () => {
    // Prepare
    const s = fakeStream(false);
    const c = clock();
    const reporter = progressFor(s, { enabled: true, now: c.now });

    // Act: 10 s at 100 per second.
    reporter.update(progress({ listingsSized: 2, decided: 0 }));
    for (let i = 1; i <= 10; i += 1) {
      c.advance(1_000);
      reporter.update(progress({ listingsSized: 4, expected: 2_000, decided: i * 100, elapsedMs: i * 1000 }));
    }
    reporter.log('a notice');
    reporter.stop(progress({ listingsSized: 4, expected: 2_000, decided: 2_000 }));

    // Assess
    expect(s.text).not.toContain('\r');
    expect(s.text).not.toContain('\x1b');
    const lines = s.text.trimEnd().split('\n');
    expect(lines).toHaveLength(5 + 1 + 1);
    expect(lines[0]).toMatch(/^scan apply: 200\/2,000 decided · .* 2\.0 s$/);
    expect(lines[1]).toMatch(/^scan apply: 400\/2,000 decided · .* ETA 16 s$/);
    expect(lines).toContain('a notice');
    expect(lines.at(-1)).toMatch(/^scan apply: 2,000\/2,000 decided .* ETA 0 s$/);
  });

  test('while listing: "(listing…)" and no ETA', () => {
    const s = fakeStream(false);
    const c = clock();
    const reporter = plainProgress(s, 'job', 1_000, { now: c.now });
    c.advance(1_000);
    reporter.update(progress({ listingsSized: 1, decided: 7 }));
    expect(s.text).toMatch(/^job apply: 7 decided \(listing…\) · .* s\n$/);
    expect(s.text).not.toContain('ETA');
  });

  test('disabled: nothing but log lines', () => {
    const s = fakeStream(true);
    const reporter = progressFor(s, { enabled: false });
    reporter.update(progress({ decided: 1 }));
    reporter.log('notice');
    reporter.stop(progress());
    expect(s.text).toBe('notice\n');
  });
});
