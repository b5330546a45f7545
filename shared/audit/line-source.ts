// A report input as a byte stream, and the error for one that cannot be read: a leaf both the report's
// source resolvers and the COS trail reader use (so neither imports the other).

interface LineSource {
  /** How messages name it: a path, `stdin`, `cos://bucket/key`… (`label:line` for malformed lines). */
  label: string;
  /** The raw bytes, possibly gzip-compressed. */
  open(): AsyncIterable<Uint8Array>;
}

/** The input cannot be read (missing, a directory, no permission, unknown scheme): a usage error. */
class SourceError extends Error {
  override name = 'SourceError';
}

export type { LineSource };
export { SourceError };
