// What every command shares: the usage error (exit 2, one line — cli/main.ts maps it once), option
// parsers whose bad values are usage errors too, reading an input file or stdin, how much to say
// (--quiet/--verbose) and whether to colour it (NO_COLOR).
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';

/** The caller's mistake (a bad argument, an unreadable input file): one line on stderr, exit 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

/** Resolves on the first SIGINT or SIGTERM; the handlers are in place when it returns. */
const untilStopSignal = (): Promise<void> =>
  new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

const parsePort = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number 0..65535');
  return n;
};

const parsePositiveInt = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

const WHY_UNREADABLE = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
} satisfies Record<string, string>;

const unreadable = (err: unknown): string => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(WHY_UNREADABLE, code)
    ? WHY_UNREADABLE[code as keyof typeof WHY_UNREADABLE]
    : err instanceof Error
      ? err.message
      : String(err);
};

/** A file's bytes, or stdin's for `-`; a file that cannot be read is a usage error naming the option. */
const readInput = async (source: string, option: string): Promise<Buffer> => {
  if (source === '-') {
    // Waiting for a terminal to type JSON is never what was meant.
    if (process.stdin.isTTY) throw new UsageError(`${option}: give a file, or pipe the input on stdin`);
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(source);
  } catch (err) {
    throw new UsageError(`${option} ${source}: cannot read it (${unreadable(err)})`, { cause: err });
  }
};

/** How much a command says on stderr (its results on stdout are the same either way). */
type Verbosity = 'quiet' | 'normal' | 'verbose';

/** The global --quiet/--verbose (cli/main.ts), as seen from a command's action. */
const verbosityOf = (command: Command): Verbosity => {
  const o = command.optsWithGlobals<{ quiet?: boolean; verbose?: boolean }>();
  if (o.quiet && o.verbose) throw new UsageError('--quiet and --verbose contradict each other; give one');
  return o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal';
};

/** Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org). */
const colorFor = (
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>> = process.env,
) => !env.NO_COLOR && stream.isTTY === true;

export type { Verbosity };
export { colorFor, parsePort, parsePositiveInt, readInput, UsageError, untilStopSignal, verbosityOf };
