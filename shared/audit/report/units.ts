// Formatting shared by the text and HTML renderings: counts, percentages, durations, UTC times.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** 12345 → "12,345" (fixed grouping, whatever the machine's locale). */
const formatCount = (n: number): string => {
  const [int, frac] = String(Math.round(n * 100) / 100).split('.');
  const grouped = (int ?? '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
};

/** 0.1234 → "12.3%"; the denominator 0 gives "–". */
const formatPercent = (part: number, whole: number): string =>
  whole === 0 ? '–' : `${(Math.round((part / whole) * 1000) / 10).toFixed(1)}%`;

/** Milliseconds for humans: "850 ms", "4.2 s", "3 m 12 s", "1 h 05 m", "2 d 3 h"; null → "–". */
const formatDuration = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const v = Math.max(0, ms);
  if (v < 1_000) return `${Math.round(v)} ms`;
  if (v < 10_000) return `${(Math.round(v / 100) / 10).toFixed(1)} s`;
  if (v < 60_000) return `${Math.round(v / 1_000)} s`;
  if (v < 3_600_000) {
    const m = Math.floor(v / 60_000);
    const s = Math.round((v - m * 60_000) / 1_000);
    return s === 60 ? `${m + 1} m 00 s` : `${m} m ${pad2(s)} s`;
  }
  if (v < 86_400_000) {
    const h = Math.floor(v / 3_600_000);
    const m = Math.round((v - h * 3_600_000) / 60_000);
    return m === 60 ? `${h + 1} h 00 m` : `${h} h ${pad2(m)} m`;
  }
  const d = Math.floor(v / 86_400_000);
  const h = Math.round((v - d * 86_400_000) / 3_600_000);
  return h === 24 ? `${d + 1} d` : h === 0 ? `${d} d` : `${d} d ${h} h`;
};

/** "2025-03-12 09:05 UTC" */
const formatUtc = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
};

/** "12 Mar 2025, 09:05" (UTC) */
const formatUtcLong = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
};

/** Axis labels: "12 Mar" for days, "12 Mar 09:00" for hours. */
const formatBucket = (ms: number, unit: 'hour' | 'day'): string => {
  const d = new Date(ms);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  return unit === 'day' ? day : `${day} ${pad2(d.getUTCHours())}:00`;
};

export { formatBucket, formatCount, formatDuration, formatPercent, formatUtc, formatUtcLong };
