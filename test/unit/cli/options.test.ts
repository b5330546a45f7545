// The CLI's shared option helpers: colour per no-color.org, --quiet/--verbose seen from a command, and
// waiting for a stop signal.
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { colorFor, UsageError, untilStopSignal, verbosityOf } from '#cli/options.ts';

describe('colorFor', () => {
  test.each([
    ['a terminal', { isTTY: true }, {}, true],
    ['a terminal with NO_COLOR=1', { isTTY: true }, { NO_COLOR: '1' }, false],
    ['a terminal with an empty NO_COLOR', { isTTY: true }, { NO_COLOR: '' }, true],
    ['a pipe', { isTTY: false }, {}, false],
  ])('%s → %s', (_label, stream, env, expected) => {
    expect(colorFor(stream, env)).toBe(expected);
  });
});

describe('verbosityOf', () => {
  const run = (args: string[]): string => {
    let seen = '';
    const program = new Command().option('-q, --quiet').option('-v, --verbose').exitOverride();
    program.command('x').action((_opts: unknown, command: Command) => {
      seen = verbosityOf(command);
    });
    program.parse(['node', 'imds-guard', ...args]);
    return seen;
  };

  test('before or after the command name', () => {
    expect(run(['x'])).toBe('normal');
    expect(run(['-q', 'x'])).toBe('quiet');
    expect(run(['x', '--verbose'])).toBe('verbose');
  });

  test('both at once is a usage error', () => {
    expect(() => run(['x', '-q', '-v'])).toThrow(UsageError);
  });
});

describe('untilStopSignal', () => {
  // serve and emulator print their "listening" line after this call: a SIGTERM sent as soon as the
  // line is read must find the handler (it flaked when the handler came after the line).
  test('its handlers are in place when it returns, resolve on SIGTERM, and are removed after', async () => {
    // Prepare
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    // Act
    const stopped = untilStopSignal();
    const during = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    process.emit('SIGTERM', 'SIGTERM');
    await stopped;
    // Assess
    expect(during).toEqual({ term: before.term + 1, int: before.int + 1 });
    expect({ term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') }).toEqual(before);
  });
});
