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

const createReader = (text: string) => {
  let i = 0;
  const skipWs = (): void => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  };

  const readString = (): Partial => {
    // text[i] is the opening quote.
    const start = i;
    i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '"') {
        i++;
        try {
          return { value: JSON.parse(text.slice(start, i)), complete: true };
        } catch {
          return { value: undefined, complete: false };
        }
      } else i++;
    }
    return { value: undefined, complete: false };
  };

  const readObject = (depth: number): Partial => {
    const obj: Record<string, unknown> = {};
    i++;
    for (;;) {
      skipWs();
      if (text[i] === '}') {
        i++;
        return { value: obj, complete: true };
      }
      if (text[i] !== '"') return { value: obj, complete: false };
      const key = readString();
      if (!key.complete || typeof key.value !== 'string') return { value: obj, complete: false };
      skipWs();
      if (text[i] !== ':') return { value: obj, complete: false };
      i++;
      const member = readValue(depth + 1);
      // A container cut short still holds its complete members; a cut scalar is dropped.
      if (member.complete || (typeof member.value === 'object' && member.value !== null))
        setKey(obj, key.value, member.value);
      if (!member.complete) return { value: obj, complete: false };
      skipWs();
      if (text[i] === ',') i++;
      else if (text[i] !== '}') return { value: obj, complete: false };
    }
  };

  const readArray = (depth: number): Partial => {
    const arr: unknown[] = [];
    i++;
    for (;;) {
      skipWs();
      if (text[i] === ']') {
        i++;
        return { value: arr, complete: true };
      }
      if (i >= text.length) return { value: arr, complete: false };
      const item = readValue(depth + 1);
      if (item.complete || (typeof item.value === 'object' && item.value !== null)) arr.push(item.value);
      if (!item.complete) return { value: arr, complete: false };
      skipWs();
      if (text[i] === ',') i++;
      else if (text[i] !== ']') return { value: arr, complete: false };
    }
  };

  const readValue = (depth: number): Partial => {
    skipWs();
    if (depth > MAX_DEPTH || i >= text.length) return { value: undefined, complete: false };
    const c = text[i];
    if (c === '{') return readObject(depth);
    if (c === '[') return readArray(depth);
    if (c === '"') return readString();
    for (const [word, value] of Object.entries(LITERALS)) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { value, complete: true };
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    // A number touching the cut may be missing digits (`20` of `201`): not complete.
    if (!m || NUMBER.lastIndex >= text.length) return { value: undefined, complete: false };
    i = NUMBER.lastIndex;
    return { value: Number(m[0]), complete: true };
  };

  return { readValue };
};

/** Reads as much of `text` as is whole. `complete` is true only for well-formed JSON. */
const parsePartialJson = (text: string): Partial => createReader(text).readValue(0);

export type { Partial };
export { parsePartialJson };
