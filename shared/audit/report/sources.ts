// Where report input comes from. A spec (`-`, a path, `<scheme>://…`) resolves to one or more
// sources; each opens as a byte stream (gzip is detected by the reader). New inputs plug in as a
// scheme in RESOLVERS — e.g. `cos://bucket/prefix` expanding to one source per trail object.
import { createReadStream } from 'node:fs';
import { access, constants, stat } from 'node:fs/promises';
import { type LineSource, SourceError } from '../line-source.ts';

/** Turns one spec into its sources; throws SourceError when the input cannot be read at all. */
type SourceResolver = (spec: string) => Promise<LineSource[]>;

const stdinSource = (input: AsyncIterable<Uint8Array> = process.stdin): LineSource => ({
  label: 'stdin',
  open: () => input,
});

const fileSource: SourceResolver = async (path) => {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new SourceError(`${path} is a directory, not a file of JSON lines`);
    await access(path, constants.R_OK);
  } catch (err) {
    if (err instanceof SourceError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new SourceError(`cannot read ${path}: ${why}`, { cause: err });
  }
  return [{ label: path, open: () => createReadStream(path) }];
};

const RESOLVERS = {
  stdin: async () => [stdinSource()],
  file: fileSource,
  // The COS audit trail (shared/audit/trail/read.ts); the S3 client loads only for cos:// inputs.
  cos: async (spec) => (await import('../trail/read.ts')).cosSources(spec),
} satisfies Record<string, SourceResolver>;

type Scheme = keyof typeof RESOLVERS;

/** `-` is stdin, `name://…` a scheme, anything else a path. */
const schemeOf = (spec: string): string => {
  if (spec === '-') return 'stdin';
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec);
  return m ? (m[1] ?? '').toLowerCase() : 'file';
};

/** Every source the specs name, in order; no specs means stdin. Fails before any reading starts. */
const resolveSources = async (
  specs: readonly string[],
  resolvers: Partial<Record<string, SourceResolver>> = RESOLVERS,
): Promise<LineSource[]> => {
  const out: LineSource[] = [];
  for (const spec of specs.length === 0 ? ['-'] : specs) {
    const scheme = schemeOf(spec);
    const resolve = resolvers[scheme];
    if (!resolve) {
      const known = Object.keys(resolvers)
        .filter((k) => k !== 'stdin' && k !== 'file')
        .map((k) => `${k}://`);
      throw new SourceError(
        `${spec}: ${scheme}:// inputs are not supported${known.length ? ` (supported: ${known.join(', ')})` : ''}; give a file of JSON lines or - for stdin`,
      );
    }
    out.push(...(await resolve(spec)));
  }
  return out;
};

export type { LineSource, Scheme, SourceResolver };
export { RESOLVERS, resolveSources, SourceError, schemeOf, stdinSource };
