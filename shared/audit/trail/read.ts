// `cos://bucket/prefix` as report input: every trail object under the prefix, in key order (which is
// time order, see names.ts), each streamed when the reader gets to it. The connection and credentials
// are the trail's (IMDS_GUARD_TRAIL_ENDPOINT, _REGION, HMAC keys or the IAM API key); gzip objects are
// recognised by the reader. The S3 client is loaded only when a cos:// input is given.
import { loadConfig } from '../../config.ts';
import { errorMessage } from '../../errors.ts';
import { type LineSource, SourceError } from '../line-source.ts';
import { openStore } from './open.ts';

interface CosSpec {
  bucket: string;
  prefix: string;
}

/** `cos://bucket/some/prefix` → bucket and prefix (`''` for the whole bucket). */
const parseCosSpec = (spec: string): CosSpec => {
  const m = /^cos:\/\/([^/]+)\/?(.*)$/i.exec(spec.trim());
  if (!m?.[1]) throw new SourceError(`${spec}: expected cos://BUCKET/PREFIX`);
  return { bucket: m[1], prefix: m[2] ?? '' };
};

/** One source per object under the prefix; fails before reading when the bucket cannot be listed. */
const cosSources = async (
  spec: string,
  env: Record<string, string | undefined> = process.env,
): Promise<LineSource[]> => {
  const { bucket, prefix } = parseCosSpec(spec);
  const config = loadConfig(env);
  let sources: LineSource[];
  try {
    const store = await openStore(config, config.trail.connection);
    sources = [];
    for await (const o of store.list(bucket, prefix))
      sources.push({ label: `cos://${bucket}/${o.key}`, open: () => store.stream(bucket, o.key) });
  } catch (err) {
    throw new SourceError(`${spec}: ${errorMessage(err)}`, { cause: err });
  }
  if (sources.length === 0) throw new SourceError(`${spec}: no objects under this prefix`);
  return sources;
};

export type { CosSpec };
export { cosSources, parseCosSpec };
