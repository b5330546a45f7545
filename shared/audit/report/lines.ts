// Bytes → text lines, streaming: gzip detected from the magic bytes, UTF-8 decoded across chunk
// boundaries, `\n` or `\r\n` endings, and a cap so one runaway line cannot exhaust memory.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

/** A line longer than this is reported, not kept (a query API event holds many results; 64 MiB is plenty). */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

type Line = { text: string; tooLong?: false } | { text: ''; tooLong: true };

const isGzip = (chunk: Uint8Array): boolean => chunk[0] === 0x1f && chunk[1] === 0x8b;

/** The input's bytes, gunzipped when they start with the gzip magic number. */
async function* decompressed(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest = async function* (): AsyncGenerator<Uint8Array> {
    yield first.value;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  };
  if (!isGzip(first.value)) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  // pipeline destroys the gunzip stream with the source's error, so iteration below throws it.
  const done = pipeline(Readable.from(rest()), gunzip);
  done.catch(() => {}); // surfaced through the iteration below
  for await (const chunk of gunzip) yield chunk as Uint8Array;
  await done;
}

/** Lines of the input (without their endings), numbered from 1 by the caller. */
async function* splitLines(input: AsyncIterable<Uint8Array>): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  // The current line's pieces: searching only new text for "\n" keeps long lines linear.
  let parts: string[] = [];
  let length = 0;
  let dropping = false;
  const finish = (): Line => {
    const line: Line = dropping
      ? { text: '', tooLong: true }
      : { text: parts.length === 1 ? (parts[0] ?? '') : parts.join('') };
    parts = [];
    length = 0;
    dropping = false;
    if (!line.tooLong && line.text.endsWith('\r')) return { text: line.text.slice(0, -1) };
    return line;
  };
  const keep = (piece: string): void => {
    if (dropping || piece === '') return;
    parts.push(piece);
    length += piece.length;
    if (length > MAX_LINE_CHARS) {
      parts = [];
      length = 0;
      dropping = true;
    }
  };
  const feed = function* (text: string): Generator<Line> {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      keep(text.slice(start, nl));
      yield finish();
      start = nl + 1;
    }
    keep(text.slice(start));
  };
  for await (const chunk of decompressed(input)) yield* feed(decoder.write(Buffer.from(chunk)));
  yield* feed(decoder.end());
  if (parts.length > 0 || dropping) yield finish();
}

export type { Line };
export { decompressed, MAX_LINE_CHARS, splitLines };
