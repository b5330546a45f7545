// `--since T`: an ISO 8601 date or date-time, or a duration back from now (`90s`, `30m`, `24h`, `7d`, `2w`).

class InvalidSinceError extends Error {
  override name = 'InvalidSinceError';
}

const UNIT_MS = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} satisfies Record<string, number>;

type Unit = keyof typeof UNIT_MS;

const RELATIVE = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i;
// Date, or date-time with optional seconds/fraction and zone; a date-time without a zone is UTC.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** The instant `--since` names, relative to `now`; throws InvalidSinceError with a usage hint. */
const parseSince = (raw: string, now: Date = new Date()): Date => {
  const text = raw.trim();
  const rel = RELATIVE.exec(text);
  if (rel) {
    const amount = Number(rel[1]);
    const unit = (rel[2] ?? '').toLowerCase() as Unit;
    return new Date(now.getTime() - amount * UNIT_MS[unit]);
  }
  if (ISO.test(text)) {
    const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) && text.length > 10;
    const normalized = text.replace(' ', 'T');
    const ms = Date.parse(text.length === 10 || hasZone ? normalized : `${normalized}Z`);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  throw new InvalidSinceError(
    `"${raw}" is not a time: use an ISO date or date-time (2025-03-01, 2025-03-01T12:00:00Z) or a duration back from now (30m, 24h, 7d, 2w)`,
  );
};

export { InvalidSinceError, parseSince };
