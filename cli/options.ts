// Option parsers shared by commands: bad values stop with a clear message (commander exits 1).
import { InvalidArgumentError } from 'commander';

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

export { parsePort, parsePositiveInt };
