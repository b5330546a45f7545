// Terraform type constraints (`object({ a = string, b = optional(list(string), []) })`) parsed from a
// variable's `type`, and a check that a JSON value conforms to one, as Terraform converts tfvars.
type TfType =
  | { kind: 'string' | 'number' | 'bool' | 'any' }
  | { kind: 'list' | 'set' | 'map'; of: TfType }
  | { kind: 'object'; attrs: Record<string, { type: TfType; optional: boolean }> };

/** Parses `map(object({…}))` and friends; throws on anything else. */
const parseType = (text: string): TfType => {
  const src = text.replace(/^\$\{/, '').replace(/\}$/, '');
  let i = 0;
  const ws = () => {
    while (i < src.length && /[\s,]/.test(src[i] ?? '')) i += 1;
  };
  const word = (): string => {
    ws();
    const m = /^[a-z_][a-z0-9_]*/.exec(src.slice(i));
    if (!m) throw new Error(`type expected at ${src.slice(i, i + 20)}`);
    i += m[0].length;
    return m[0];
  };
  const expect = (c: string) => {
    ws();
    if (src[i] !== c) throw new Error(`expected ${c} at ${src.slice(i, i + 20)}`);
    i += 1;
  };
  /** Skips a default value (any balanced expression) up to the closing paren of optional(). */
  const skipDefault = () => {
    let depth = 0;
    for (; i < src.length; i += 1) {
      const c = src[i];
      if (c === '"') for (i += 1; src[i] !== '"'; i += 1) if (src[i] === '\\') i += 1;
      if (c === '(' || c === '[' || c === '{') depth += 1;
      if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) return;
        depth -= 1;
      }
    }
  };
  const type = (): { type: TfType; optional: boolean } => {
    const w = word();
    if (w === 'string' || w === 'number' || w === 'bool' || w === 'any')
      return { type: { kind: w }, optional: false };
    if (w === 'optional') {
      expect('(');
      const inner = type();
      ws();
      if (src[i] !== ')') skipDefault();
      expect(')');
      return { type: inner.type, optional: true };
    }
    if (w === 'list' || w === 'set' || w === 'map') {
      expect('(');
      const of = type().type;
      expect(')');
      return { type: { kind: w, of }, optional: false };
    }
    if (w === 'object') {
      expect('(');
      expect('{');
      const attrs: Record<string, { type: TfType; optional: boolean }> = {};
      for (ws(); src[i] !== '}'; ws()) {
        const name = word();
        expect('=');
        attrs[name] = type();
      }
      expect('}');
      expect(')');
      return { type: { kind: 'object', attrs }, optional: false };
    }
    throw new Error(`unknown type ${w}`);
  };
  const t = type().type;
  ws();
  if (i !== src.length) throw new Error(`trailing text: ${src.slice(i)}`);
  return t;
};

/** Why a JSON value would not convert to the type (Terraform's conversion rules, simplified), or []. */
const conformance = (value: unknown, t: TfType, at = 'value'): string[] => {
  if (value === null) return [];
  switch (t.kind) {
    case 'any':
      return [];
    case 'string':
      return ['string', 'number', 'boolean'].includes(typeof value) ? [] : [`${at}: expected a string`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at}: expected a number`];
    case 'bool':
      return typeof value === 'boolean' ? [] : [`${at}: expected a bool`];
    case 'list':
    case 'set':
      return Array.isArray(value)
        ? value.flatMap((v, n) => conformance(v, t.of, `${at}[${n}]`))
        : [`${at}: expected a list`];
    case 'map':
      return typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value as object).flatMap(([k, v]) => conformance(v, t.of, `${at}.${k}`))
        : [`${at}: expected a map`];
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected an object`];
      const v = value as Record<string, unknown>;
      return [
        ...Object.keys(v)
          .filter((k) => !(k in t.attrs))
          .map((k) => `${at}.${k}: not an attribute of the type`),
        ...Object.entries(t.attrs).flatMap(([k, a]) =>
          k in v
            ? conformance(v[k], a.type, `${at}.${k}`)
            : a.optional
              ? []
              : [`${at}.${k}: required attribute missing`],
        ),
      ];
    }
    default: {
      const never: never = t;
      return never;
    }
  }
};

export type { TfType };
export { conformance, parseType };
