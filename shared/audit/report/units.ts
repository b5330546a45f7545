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

const DAY = 86_400_000;

/** The time of day, as precise as the bucket step: "09:00", "09:00:05", "09:00:05.2". */
const clockOf = (ms: number, step: number): string => {
  const d = new Date(ms);
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  if (step >= 60_000) return hm;
  const hms = `${hm}:${pad2(d.getUTCSeconds())}`;
  return step >= 1_000 ? hms : `${hms}.${Math.floor(d.getUTCMilliseconds() / 100)}`;
};

const dayOf = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
};

/** An axis label for a bucket of `step` ms: "12 Mar" for days and weeks, else the time of day. */
const formatTick = (ms: number, step: number): string => (step >= DAY ? dayOf(ms) : clockOf(ms, step));

/** A bucket in full, for tooltips and headings: "12 Mar 2025" or "12 Mar 2025 09:00:05 UTC". */
const formatBucket = (ms: number, step: number): string => {
  const d = new Date(ms);
  const date = `${dayOf(ms)} ${d.getUTCFullYear()}`;
  return step >= DAY ? date : `${date} ${clockOf(ms, step)} UTC`;
};

/** Whether a tick should carry the date too: the first one, and each one that starts a new day. */
const startsDay = (ms: number, previous: number | undefined): boolean =>
  previous === undefined || Math.floor(ms / DAY) !== Math.floor(previous / DAY);

export {
  dayOf,
  formatBucket,
  formatCount,
  formatDuration,
  formatPercent,
  formatTick,
  formatUtc,
  formatUtcLong,
  startsDay,
};
