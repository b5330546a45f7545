// Image allowed-use expressions (IBM: "follows Common Expression Language, but does not support built-in
// functions and macros"), evaluated by the guard before it asks IBM for a change, so that no change IBM
// must refuse is sent (issue 9, defect 6). The emulator has its own evaluator
// (emulator/services/vpc-allowed-use.ts): the emulator and the product never import each other, and two
// readings of IBM's rule that agree (test/unit/emulator/vpc-allowed-use.test.ts) are a check on both.

type Value = boolean | number | string | null | Value[] | { [key: string]: Value };

type Expr =
  | { kind: 'literal'; value: Value }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'ident'; name: string }
  | { kind: 'member'; object: Expr; name: string }
  | { kind: 'not'; operand: Expr }
  | { kind: 'neg'; operand: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr }
  | { kind: 'in'; left: Expr; right: Expr };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

type Token =
  | { t: 'num'; v: number; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'id'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; at: number };

/** The expression text is not valid CEL (or uses what IBM does not support). */
class AllowedUseSyntaxError extends Error {
  override name = 'AllowedUseSyntaxError';
}

/** The expression is valid but cannot be evaluated (unknown variable, type mismatch). */
class AllowedUseEvalError extends Error {
  override name = 'AllowedUseEvalError';
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', ',', '.', '-'];

const tokenize = (src: string): Token[] => {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ t: 'num', v: Number(text), at: i });
      i += text.length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ t: 'id', v: text, at: i });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          const next = src[j + 1];
          if (next === undefined) break;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          j += 2;
        } else {
          value += src[j];
          j += 1;
        }
      }
      if (src[j] !== c) throw new AllowedUseSyntaxError(`unterminated string at ${i}`);
      out.push({ t: 'str', v: value, at: i });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new AllowedUseSyntaxError(`unexpected character '${c}' at ${i}`);
    out.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  out.push({ t: 'end', at: src.length });
  return out;
};

const RESERVED = new Set(['in', 'true', 'false', 'null']);

/** The parser's place in the tokens. */
interface Cursor {
  readonly tokens: Token[];
  pos: number;
  readonly end: number;
}

const peek = (c: Cursor): Token => c.tokens[c.pos] ?? { t: 'end', at: c.end };

const isOp = (c: Cursor, v: string): boolean => {
  const tok = peek(c);
  return tok.t === 'op' && tok.v === v;
};

const expectOp = (c: Cursor, v: string): void => {
  if (!isOp(c, v)) throw new AllowedUseSyntaxError(`expected '${v}' at ${peek(c).at}`);
  c.pos += 1;
};

/** identifier or literal keyword. */
const identifier = (c: Cursor, tok: { v: string; at: number }): Expr => {
  if (tok.v === 'true' || tok.v === 'false') return { kind: 'literal', value: tok.v === 'true' };
  if (tok.v === 'null') return { kind: 'literal', value: null };
  if (tok.v === 'in') throw new AllowedUseSyntaxError(`unexpected 'in' at ${tok.at}`);
  // Functions and macros are not supported by IBM's dialect.
  if (isOp(c, '(')) throw new AllowedUseSyntaxError(`function calls are not supported (${tok.v})`);
  return { kind: 'ident', name: tok.v };
};

/** `[` expr (`,` expr)* `]`, the `[` read. */
const list = (c: Cursor): Expr => {
  const items: Expr[] = [];
  if (!isOp(c, ']')) {
    items.push(or(c));
    while (isOp(c, ',')) {
      c.pos += 1;
      items.push(or(c));
    }
  }
  expectOp(c, ']');
  return { kind: 'list', items };
};

/** literal | identifier | `(` expr `)` | list. */
const primary = (c: Cursor): Expr => {
  const tok = peek(c);
  c.pos += 1;
  switch (tok.t) {
    case 'num':
    case 'str':
      return { kind: 'literal', value: tok.v };
    case 'id':
      return identifier(c, tok);
    case 'op':
      if (tok.v === '(') {
        const inner = or(c);
        expectOp(c, ')');
        return inner;
      }
      if (tok.v === '[') return list(c);
      throw new AllowedUseSyntaxError(`unexpected '${tok.v}' at ${tok.at}`);
    case 'end':
      throw new AllowedUseSyntaxError('unexpected end of expression');
  }
};

/** primary (`.` field)*. */
const member = (c: Cursor): Expr => {
  let e = primary(c);
  while (isOp(c, '.')) {
    c.pos += 1;
    const tok = peek(c);
    if (tok.t !== 'id' || RESERVED.has(tok.v))
      throw new AllowedUseSyntaxError(`expected a field name at ${tok.at}`);
    c.pos += 1;
    if (isOp(c, '(')) throw new AllowedUseSyntaxError(`function calls are not supported (${tok.v})`);
    e = { kind: 'member', object: e, name: tok.v };
  }
  return e;
};

/** (`!` | `-`)* member. */
const unary = (c: Cursor): Expr => {
  if (isOp(c, '!')) {
    c.pos += 1;
    return { kind: 'not', operand: unary(c) };
  }
  if (isOp(c, '-')) {
    c.pos += 1;
    return { kind: 'neg', operand: unary(c) };
  }
  return member(c);
};

const COMPARE_OPS: readonly string[] = ['==', '!=', '<', '<=', '>', '>='];

/** unary ((compare | `in`) unary)?. */
const relation = (c: Cursor): Expr => {
  const left = unary(c);
  const tok = peek(c);
  if (tok.t === 'op' && COMPARE_OPS.includes(tok.v)) {
    c.pos += 1;
    return { kind: 'compare', op: tok.v as CompareOp, left, right: unary(c) };
  }
  if (tok.t === 'id' && tok.v === 'in') {
    c.pos += 1;
    return { kind: 'in', left, right: unary(c) };
  }
  return left;
};

/** next (op next)*, left-associative: `&&` over relations, `||` over `&&`. */
const chain = (c: Cursor, op: '&&' | '||', kind: 'and' | 'or', next: (c: Cursor) => Expr): Expr => {
  let left = next(c);
  while (isOp(c, op)) {
    c.pos += 1;
    left = { kind, left, right: next(c) };
  }
  return left;
};

const and = (c: Cursor): Expr => chain(c, '&&', 'and', relation);

const or = (c: Cursor): Expr => chain(c, '||', 'or', and);

/** Recursive descent over CEL's precedence: || < && < relations < unary < member < primary. */
const parse = (src: string): Expr => {
  const c: Cursor = { tokens: tokenize(src), pos: 0, end: src.length };
  const root = or(c);
  if (peek(c).t !== 'end') throw new AllowedUseSyntaxError(`unexpected input at ${peek(c).at}`);
  return root;
};

const typeOf = (v: Value): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'object' ? 'map' : typeof v;
};

const equal = (a: Value, b: Value): boolean => {
  if (typeOf(a) !== typeOf(b))
    throw new AllowedUseEvalError(`no such overload: ${typeOf(a)} == ${typeOf(b)}`);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => equal(x, b[i] ?? null));
  return a === b;
};

/** `&&` and `||`: CEL's logical operators are commutative over errors, a decisive side wins. */
const logical = (e: Extract<Expr, { kind: 'and' | 'or' }>, vars: Record<string, Value>): boolean => {
  const decisive = e.kind === 'or';
  const side = (x: Expr): boolean | AllowedUseEvalError => {
    try {
      const v = evaluate(x, vars);
      if (typeof v !== 'boolean') return new AllowedUseEvalError(`no such overload: ${typeOf(v)} ${e.kind}`);
      return v;
    } catch (err) {
      if (err instanceof AllowedUseEvalError) return err;
      throw err;
    }
  };
  const l = side(e.left);
  if (l === decisive) return decisive;
  const r = side(e.right);
  if (r === decisive) return decisive;
  if (l instanceof AllowedUseEvalError) throw l;
  if (r instanceof AllowedUseEvalError) throw r;
  return !decisive;
};

/** `==`, `!=` on any two values of one type; the orderings on two numbers or two strings. */
const compare = (e: Extract<Expr, { kind: 'compare' }>, vars: Record<string, Value>): boolean => {
  const l = evaluate(e.left, vars);
  const r = evaluate(e.right, vars);
  if (e.op === '==') return equal(l, r);
  if (e.op === '!=') return !equal(l, r);
  if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string')))
    throw new AllowedUseEvalError(`no such overload: ${typeOf(l)} ${e.op} ${typeOf(r)}`);
  switch (e.op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
  }
};

const evaluate = (e: Expr, vars: Record<string, Value>): Value => {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'list':
      return e.items.map((x) => evaluate(x, vars));
    case 'ident': {
      if (!Object.hasOwn(vars, e.name)) throw new AllowedUseEvalError(`undeclared reference to '${e.name}'`);
      return vars[e.name] ?? null;
    }
    case 'member': {
      const obj = evaluate(e.object, vars);
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || !Object.hasOwn(obj, e.name))
        throw new AllowedUseEvalError(`no such key: ${e.name}`);
      return obj[e.name] ?? null;
    }
    case 'not': {
      const v = evaluate(e.operand, vars);
      if (typeof v !== 'boolean') throw new AllowedUseEvalError(`no such overload: !${typeOf(v)}`);
      return !v;
    }
    case 'neg': {
      const v = evaluate(e.operand, vars);
      if (typeof v !== 'number') throw new AllowedUseEvalError(`no such overload: -${typeOf(v)}`);
      return -v;
    }
    case 'and':
    case 'or':
      return logical(e, vars);
    case 'compare':
      return compare(e, vars);
    case 'in': {
      const l = evaluate(e.left, vars);
      const r = evaluate(e.right, vars);
      if (!Array.isArray(r)) throw new AllowedUseEvalError(`no such overload: ${typeOf(l)} in ${typeOf(r)}`);
      return r.some((x) => typeOf(x) === typeOf(l) && equal(x, l));
    }
  }
};

// Images are few and their expressions rarely change: parse each text once.
const compiled = new Map<string, Expr | AllowedUseSyntaxError>();

const parseAllowedUse = (src: string): Expr => {
  let entry = compiled.get(src);
  if (!entry) {
    try {
      entry = parse(src);
    } catch (err) {
      if (!(err instanceof AllowedUseSyntaxError)) throw err;
      entry = err;
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(src, entry);
  }
  if (entry instanceof AllowedUseSyntaxError) throw entry;
  return entry;
};

/**
 * What IBM would say to a (would-be) instance: `allowed` (the expression is `true`), `refused` (it
 * evaluates to anything else), or `unknown` when this reading cannot tell (text or variables it does not
 * understand) — then the caller leaves the verdict to IBM rather than guess.
 */
type AllowedUseVerdict =
  | { verdict: 'allowed' }
  | { verdict: 'refused'; reason: string }
  | { verdict: 'unknown'; reason: string };

const checkAllowedUse = (src: string, vars: Record<string, Value>): AllowedUseVerdict => {
  try {
    const v = evaluate(parseAllowedUse(src), vars);
    if (v === true) return { verdict: 'allowed' };
    return {
      verdict: 'refused',
      reason: typeof v === 'boolean' ? 'evaluates to false' : `evaluates to ${typeOf(v)}`,
    };
  } catch (err) {
    if (err instanceof AllowedUseSyntaxError || err instanceof AllowedUseEvalError)
      return { verdict: 'unknown', reason: err.message };
    throw err;
  }
};

interface InstanceFacts {
  metadata_service: { enabled: boolean; protocol: string; response_hop_limit: number };
  enable_secure_boot?: boolean | undefined;
  gpu?: { count: number; manufacturer: string; memory: number; model: string } | undefined;
}

/** The variables an `allowed_use.instance` expression sees for a (would-be) instance. */
const instanceVariables = (facts: InstanceFacts): Record<string, Value> => ({
  metadata_service: { ...facts.metadata_service },
  enable_secure_boot: facts.enable_secure_boot ?? false,
  gpu: { ...(facts.gpu ?? { count: 0, manufacturer: '', memory: 0, model: '' }) },
});

export type { AllowedUseVerdict, Expr as AllowedUseExpr, InstanceFacts, Value as AllowedUseValue };
export { AllowedUseEvalError, AllowedUseSyntaxError, checkAllowedUse, instanceVariables, parseAllowedUse };
