// The exposure-window histogram: human bin boundaries read on a log scale, trimmed to the data.

/** Exposure-window bins: human boundaries, read on a log scale. */
const EXPOSURE_BINS = [
  { label: '< 1 s', to: 1_000 },
  { label: '1–2 s', to: 2_000 },
  { label: '2–5 s', to: 5_000 },
  { label: '5–10 s', to: 10_000 },
  { label: '10–30 s', to: 30_000 },
  { label: '30 s–1 m', to: 60_000 },
  { label: '1–2 m', to: 120_000 },
  { label: '2–5 m', to: 300_000 },
  { label: '5–15 m', to: 900_000 },
  { label: '15 m–1 h', to: 3_600_000 },
  { label: '1–6 h', to: 21_600_000 },
  { label: '≥ 6 h', to: Number.POSITIVE_INFINITY },
] as const;

const MIN_BINS_SHOWN = 6;

interface ExposureBin {
  label: string;
  from_ms: number;
  /** null: open-ended. */
  to_ms: number | null;
  count: number;
}

const binOf = (ms: number): number => {
  const i = EXPOSURE_BINS.findIndex((b) => ms < b.to);
  return i === -1 ? EXPOSURE_BINS.length - 1 : i;
};

/** Bins from the first to the last non-empty one, widened to a readable minimum. */
const exposureHistogram = (counts: readonly number[]): ExposureBin[] => {
  const nonEmpty = counts.flatMap((c, i) => (c > 0 ? [i] : []));
  if (nonEmpty.length === 0) return [];
  let first = nonEmpty[0] ?? 0;
  let last = nonEmpty[nonEmpty.length - 1] ?? 0;
  while (last - first + 1 < MIN_BINS_SHOWN && (last < EXPOSURE_BINS.length - 1 || first > 0)) {
    if (last < EXPOSURE_BINS.length - 1) last += 1;
    else first -= 1;
  }
  return EXPOSURE_BINS.slice(first, last + 1).map((b, i) => {
    const index = first + i;
    const from = index === 0 ? 0 : (EXPOSURE_BINS[index - 1]?.to ?? 0);
    return {
      label: b.label,
      from_ms: from,
      to_ms: Number.isFinite(b.to) ? b.to : null,
      count: counts[index] ?? 0,
    };
  });
};

export type { ExposureBin };
export { binOf, EXPOSURE_BINS, exposureHistogram };
