// Object names: trail batches sort by time under hourly prefixes (cheap to list a window), and every
// name ends in a random part so two containers writing in the same millisecond never collide.
import { randomBytes } from 'node:crypto';
import { bareEtag } from './types.ts';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const randomPart = (): string => randomBytes(8).toString('hex');

/** `<prefix>/<yyyy>/<mm>/<dd>/<hh>/<fn>-<yyyymmdd>T<hhmmss><ms>Z-<random>.jsonl[.gz]`, in UTC. */
const trailObjectKey = (
  prefix: string,
  fn: string,
  at: Date,
  options: { gzip?: boolean; random?: string } = {},
): string => {
  const [y, mo, d, h] = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours()];
  const stamp = `${y}${pad(mo)}${pad(d)}T${pad(h)}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}${pad(at.getUTCMilliseconds(), 3)}Z`;
  const dir = [prefix, String(y), pad(mo), pad(d), pad(h)].filter((p) => p !== '').join('/');
  return `${dir}/${fn}-${stamp}-${options.random ?? randomPart()}.jsonl${options.gzip ? '.gz' : ''}`;
};

const RANDOM_TAIL = /-[0-9a-f]{16}(\.jsonl(?:\.gz)?)$/;

/** The same name with a new random part (after a clash). */
const renameKey = (key: string, random: string = randomPart()): string =>
  RANDOM_TAIL.test(key) ? key.replace(RANDOM_TAIL, `-${random}$1`) : `${key}-${random}`;

/** `<marker-prefix>/<bucket>/<key>@<etag>`: one marker per version of a processed object. */
const markerKey = (markerPrefix: string, bucket: string, key: string, etag: string): string =>
  `${markerPrefix ? `${markerPrefix}/` : ''}${bucket}/${key}@${bareEtag(etag) || 'no-etag'}`;

export { markerKey, randomPart, renameKey, trailObjectKey };
