// Reads a collection page (`{"instances": [{…}, …], "next": {…}, "total_count": n, …}`) from its bytes,
// decoding only the keys a lister keeps: of a 5 KB listed instance, the few hundred bytes its decision
// reads. Nothing else is turned into strings or objects, so a page costs about one pass over its bytes
// (no 0.5 MB string, no tree of objects to collect). What is decoded equals JSON.parse's reading (a
// string without escapes straight from its bytes, anything else through JSON.parse); what is skipped is
// checked for balanced brackets and closed strings only.

/**
 * What to keep of an object: each key, whole (`true`) or only some of its own keys when it is an
 * object (`vpc: { id: true, name: true }`; any other value is kept whole).
 */
interface Shape {
  readonly [key: string]: true | Shape;
}

/** A key to keep, its UTF-8 bytes, and what to keep of it. */
interface Wanted {
  name: string;
  bytes: Uint8Array;
  nested: KeySet | undefined;
}

/** Keys by byte length (an array: ~40 lookups per item), for a match on the raw key without decoding it. */
type KeySet = (Wanted[] | undefined)[];

const keySet = (shape: Shape): KeySet => {
  const set: KeySet = [];
  for (const [name, keep] of Object.entries(shape)) {
    const bytes = Buffer.from(name, 'utf8');
    const nested = keep === true ? undefined : keySet(keep);
    set[bytes.length] = [...(set[bytes.length] ?? []), { name, bytes, nested }];
  }
  return set;
};

/** `buf.toString('utf8', start, end)` without its argument checks (1,000 calls a page). */
const utf8 = (b: Buffer, start: number, end: number): string =>
  (b as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(start, end);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class PageSyntaxError extends SyntaxError {
  override name = 'PageSyntaxError';
  constructor(what: string, at: number) {
    super(`unexpected JSON in the page: ${what} at byte ${at}`);
  }
}

/** The reader over one body: a position, and the bytes. */
interface Reader {
  b: Buffer;
  i: number;
}

const ws = (r: Reader): void => {
  const { b } = r;
  let i = r.i;
  for (;;) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i += 1;
  }
  r.i = i;
};

const expect = (r: Reader, byte: number): void => {
  ws(r);
  if (r.b[r.i] !== byte) throw new PageSyntaxError(`expected ${String.fromCharCode(byte)}`, r.i);
  r.i += 1;
};

/** Past the string starting at r.i (its opening quote); true when it holds an escape. */
const skipString = (r: Reader): boolean => {
  const { b } = r;
  let i = r.i + 1;
  let escaped = false;
  for (;;) {
    const c = b[i];
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      escaped = true;
      i += 1;
    } else if (c === undefined) throw new PageSyntaxError('unterminated string', r.i);
    i += 1;
  }
  r.i = i + 1;
  return escaped;
};

/**
 * Where the closing quote lies, searched from `from` with indexOf (memchr), as most bytes of a page are
 * in long strings (hrefs, CRNs): a quote after an odd number of backslashes is part of the string.
 * `start` is where the string's content starts (for the error).
 */
const quoteFrom = (b: Buffer, from: number, start: number): number => {
  let i = from;
  for (;;) {
    const q = b.indexOf(QUOTE, i);
    if (q < 0) throw new PageSyntaxError('unterminated string', start - 1);
    let k = q - 1;
    while (b[k] === BACKSLASH) k -= 1;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    i = q + 1;
  }
};

/** Bytes looked at one by one before indexOf takes over: a key or a short value ends sooner than a call. */
const NEAR = 24;

/** The index after the string whose content starts at `i` (past its opening quote). */
const stringEnd = (b: Buffer, i: number): number => {
  const near = Math.min(i + NEAR, b.length);
  for (let k = i; k < near; k += 1) {
    const c = b[k];
    if (c === QUOTE) return k + 1;
    if (c === BACKSLASH) return quoteFrom(b, i, i);
  }
  return quoteFrom(b, near, i);
};

/** Past one value of any kind (objects and arrays by bracket depth). */
const skipValue = (r: Reader): void => {
  ws(r);
  const { b } = r;
  const c = b[r.i];
  if (c === QUOTE) {
    r.i = stringEnd(b, r.i + 1);
    return;
  }
  if (c !== 0x7b && c !== 0x5b) {
    // A number, true, false or null: up to the next delimiter.
    let i = r.i;
    for (;;) {
      const d = b[i];
      if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09)
        break;
      if (d === undefined) throw new PageSyntaxError('unexpected end', i);
      i += 1;
    }
    if (i === r.i) throw new PageSyntaxError('expected a value', i);
    r.i = i;
    return;
  }
  let depth = 0;
  let i = r.i;
  for (;;) {
    const d = b[i];
    i += 1;
    if (d === QUOTE) i = stringEnd(b, i);
    else if (d === 0x7b || d === 0x5b) depth += 1;
    else if (d === 0x7d || d === 0x5d) {
      depth -= 1;
      if (depth === 0) break;
    } else if (d === undefined) throw new PageSyntaxError('unterminated object or array', r.i);
  }
  r.i = i;
};

/** The kept key a raw key (the bytes between its quotes) stands for, if any. */
const matchKey = (
  r: Reader,
  start: number,
  end: number,
  escaped: boolean,
  keys: KeySet,
): Wanted | undefined => {
  if (escaped) {
    const name = JSON.parse(utf8(r.b, start - 1, end + 1)) as string;
    for (const group of keys) for (const w of group ?? []) if (w.name === name) return w;
    return undefined;
  }
  const candidates = keys[end - start];
  if (!candidates) return undefined;
  const { b } = r;
  for (const w of candidates) {
    let k = 0;
    while (k < w.bytes.length && b[start + k] === w.bytes[k]) k += 1;
    if (k === w.bytes.length) return w;
  }
  return undefined;
};

/** One value, decoded: a string without escapes straight from its bytes, anything else by JSON.parse. */
const readValue = (r: Reader): unknown => {
  ws(r);
  const start = r.i;
  if (r.b[start] === QUOTE) {
    const escaped = skipString(r);
    if (!escaped) return utf8(r.b, start + 1, r.i - 1);
  } else skipValue(r);
  return JSON.parse(utf8(r.b, start, r.i));
};

/** A kept member's value: an object read for its nested keys, anything else whole. */
const readKept = (r: Reader, w: Wanted): unknown => {
  if (w.nested) {
    ws(r);
    if (r.b[r.i] === 0x7b) {
      const into: Record<string, unknown> = {};
      readObject(r, w.nested, into);
      return into;
    }
  }
  return readValue(r);
};

/**
 * The members of the object at r.i: kept keys decoded into `into`, the rest skipped; `onKey` may take
 * a member's value itself (returns true when it did). A repeated key keeps its last value, as JSON.parse.
 */
const readObject = (
  r: Reader,
  keys: KeySet,
  into: Record<string, unknown>,
  onKey?: (key: string) => boolean,
): void => {
  expect(r, 0x7b);
  ws(r);
  if (r.b[r.i] === 0x7d) {
    r.i += 1;
    return;
  }
  for (;;) {
    ws(r);
    if (r.b[r.i] !== QUOTE) throw new PageSyntaxError('expected a key', r.i);
    const start = r.i + 1;
    const escaped = skipString(r);
    const kept = matchKey(r, start, r.i - 1, escaped, keys);
    expect(r, 0x3a);
    if (kept === undefined) skipValue(r);
    else if (!onKey?.(kept.name)) into[kept.name] = readKept(r, kept);
    ws(r);
    const c = r.b[r.i];
    r.i += 1;
    if (c === 0x7d) return;
    if (c !== 0x2c) throw new PageSyntaxError('expected , or }', r.i - 1);
  }
};

/** The array of objects at r.i, each read with `keys`. */
const readItems = (r: Reader, keys: KeySet): Record<string, unknown>[] => {
  const items: Record<string, unknown>[] = [];
  expect(r, 0x5b);
  ws(r);
  if (r.b[r.i] === 0x5d) {
    r.i += 1;
    return items;
  }
  for (;;) {
    const item: Record<string, unknown> = {};
    readObject(r, keys, item);
    items.push(item);
    ws(r);
    const c = r.b[r.i];
    r.i += 1;
    if (c === 0x5d) return items;
    if (c !== 0x2c) throw new PageSyntaxError('expected , or ]', r.i - 1);
  }
};

interface PageShape {
  /** The key of the item array (`instances`). */
  items: string;
  /** What is kept of each item. */
  item: Shape;
  /** What is kept of the page (`next`, `total_count`). */
  page: Shape;
}

/** A page reader for one shape: the page's kept keys, and its items with their kept keys. */
const pageReader = <T>(shape: PageShape) => {
  const pageKeys = keySet({ ...shape.page, [shape.items]: true });
  const itemKeys = keySet(shape.item);
  return (body: Buffer): T => {
    // A byte order mark is skipped, as axios strips it before JSON.parse.
    const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
    const r: Reader = { b: body, i: bom ? 3 : 0 };
    const page: Record<string, unknown> = {};
    readObject(r, pageKeys, page, (key) => {
      if (key !== shape.items) return false;
      page[key] = readItems(r, itemKeys);
      return true;
    });
    ws(r);
    if (r.i !== body.length) throw new PageSyntaxError('unexpected data after the page', r.i);
    return page as T;
  };
};

export type { PageShape, Shape };
export { PageSyntaxError, pageReader };
