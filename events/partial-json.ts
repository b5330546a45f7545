// A tolerant JSON reader for text cut short (Cloud Logs truncates `log_example` at 1000 characters).
// It keeps every value that is complete and drops the one the cut went through, so a half-written
// CRN is never mistaken for a whole one. Keys are tracked by path: `requestData.action` is not `action`.

interface Partial {
  value: unknown;
  /** False when the text ended (or broke) inside this value. */
  complete: boolean;
}

const MAX_DEPTH = 32;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = { true: true, false: false, null: null } satisfies Record<string, unknown>;

const setKey = (obj: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
};

/** The text, and how far it has been read. */
interface Cursor {
  readonly text: string;
  i: number;
}

const skipWs = (c: Cursor): void => {
  while (c.i < c.text.length && /\s/.test(c.text[c.i] ?? '')) c.i++;
};

const readString = (c: Cursor): Partial => {
  // text[i] is the opening quote.
  const { text } = c;
  const start = c.i;
  c.i++;
  while (c.i < text.length) {
    const ch = text[c.i];
    if (ch === '\\') c.i += 2;
    else if (ch === '"') {
      c.i++;
      try {
        return { value: JSON.parse(text.slice(start, c.i)), complete: true };
      } catch {
        return { value: undefined, complete: false };
      }
    } else c.i++;
  }
  return { value: undefined, complete: false };
};

/** A container cut short still holds its complete members; a cut scalar is dropped. */
const keeps = (member: Partial): boolean =>
  member.complete || (typeof member.value === 'object' && member.value !== null);

const readObject = (c: Cursor, depth: number): Partial => {
  const { text } = c;
  const obj: Record<string, unknown> = {};
  c.i++;
  for (;;) {
    skipWs(c);
    if (text[c.i] === '}') {
      c.i++;
      return { value: obj, complete: true };
    }
    if (text[c.i] !== '"') return { value: obj, complete: false };
    const key = readString(c);
    if (!key.complete || typeof key.value !== 'string') return { value: obj, complete: false };
    skipWs(c);
    if (text[c.i] !== ':') return { value: obj, complete: false };
    c.i++;
    const member = readValue(c, depth + 1);
    if (keeps(member)) setKey(obj, key.value, member.value);
    if (!member.complete) return { value: obj, complete: false };
    skipWs(c);
    if (text[c.i] === ',') c.i++;
    else if (text[c.i] !== '}') return { value: obj, complete: false };
  }
};

const readArray = (c: Cursor, depth: number): Partial => {
  const { text } = c;
  const arr: unknown[] = [];
  c.i++;
  for (;;) {
    skipWs(c);
    if (text[c.i] === ']') {
      c.i++;
      return { value: arr, complete: true };
    }
    if (c.i >= text.length) return { value: arr, complete: false };
    const item = readValue(c, depth + 1);
    if (keeps(item)) arr.push(item.value);
    if (!item.complete) return { value: arr, complete: false };
    skipWs(c);
    if (text[c.i] === ',') c.i++;
    else if (text[c.i] !== ']') return { value: arr, complete: false };
  }
};

/** `true`, `false`, `null` or a number. */
const readScalar = (c: Cursor): Partial => {
  const { text } = c;
  for (const [word, value] of Object.entries(LITERALS)) {
    if (text.startsWith(word, c.i)) {
      c.i += word.length;
      return { value, complete: true };
    }
  }
  NUMBER.lastIndex = c.i;
  const m = NUMBER.exec(text);
  // A number touching the cut may be missing digits (`20` of `201`): not complete.
  if (!m || NUMBER.lastIndex >= text.length) return { value: undefined, complete: false };
  c.i = NUMBER.lastIndex;
  return { value: Number(m[0]), complete: true };
};

const readValue = (c: Cursor, depth: number): Partial => {
  skipWs(c);
  if (depth > MAX_DEPTH || c.i >= c.text.length) return { value: undefined, complete: false };
  const ch = c.text[c.i];
  if (ch === '{') return readObject(c, depth);
  if (ch === '[') return readArray(c, depth);
  if (ch === '"') return readString(c);
  return readScalar(c);
};

/** Reads as much of `text` as is whole. `complete` is true only for well-formed JSON. */
const parsePartialJson = (text: string): Partial => readValue({ text, i: 0 }, 0);

export type { Partial };
export { parsePartialJson };
