// One logger, one JSON line per record, in the shape IBM Cloud Logs parses (`level` names).

type Level = 'debug' | 'info' | 'warn' | 'error';
type Fields = Record<string, unknown>;
type Sink = (line: string) => void;

interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** Whether a line at `level` is written: callers skip building the fields of one that is not. */
  enabled(level: Level): boolean;
  child(fields: Fields): Logger;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const satisfies Record<Level, number>;

// Keys whose values must never reach a log line, whatever the caller passes.
const SECRET_KEY = /(api_?key|apikey|authorization|password|secret|token|cookie|signature)$/i;

const redact = (value: unknown, depth = 0): unknown => {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Fields = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && typeof v === 'string' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
};

const stdoutSink: Sink = (line) => {
  process.stdout.write(`${line}\n`);
};

const parseLevel = (raw: string | undefined): Level =>
  raw !== undefined && raw in LEVELS ? (raw as Level) : 'info';

const createLogger = (options: { level?: Level; sink?: Sink; fields?: Fields } = {}): Logger => {
  const min = LEVELS[options.level ?? 'info'];
  const sink = options.sink ?? stdoutSink;
  const base = options.fields ?? {};
  const write = (level: Level, message: string, fields?: Fields): void => {
    if (LEVELS[level] < min) return;
    const record = {
      timestamp: new Date().toISOString(),
      level,
      message,
      ...base,
      ...(redact(fields) as Fields),
    };
    sink(JSON.stringify(record));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    enabled: (level) => LEVELS[level] >= min,
    child: (fields) => createLogger({ level: options.level ?? 'info', sink, fields: { ...base, ...fields } }),
  };
};

/** A logger that keeps its lines in memory: tests inject it instead of mocking. */
const memoryLogger = (level: Level = 'debug'): Logger & { lines: Fields[] } => {
  const lines: Fields[] = [];
  const logger = createLogger({ level, sink: (line) => lines.push(JSON.parse(line) as Fields) });
  return Object.assign(logger, { lines });
};

const silentLogger: Logger = createLogger({ sink: () => {}, level: 'error' });

export type { Fields, Level, Logger, Sink };
export { createLogger, memoryLogger, parseLevel, redact, silentLogger };
