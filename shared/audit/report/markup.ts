// A tiny HTML/SVG builder whose plain strings are always escaped: record text (untrusted) can only
// reach the page as text, never as markup. Only `Markup` values pass through unescaped.

class Markup {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

type Attr = string | number | boolean | null | undefined;
type Child = Markup | string | number | null | undefined | false | readonly Child[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML text nodes and quoted attribute values. */
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

// HTML void elements never get a closing tag; empty SVG shapes close themselves (valid in foreign
// content only, so HTML elements always get an end tag).
const VOID = new Set(['meta', 'link', 'br', 'hr', 'img', 'input', 'col', 'wbr']);
const SVG_SHAPES = new Set(['rect', 'path', 'line', 'circle', 'ellipse', 'polyline', 'polygon']);
const NAME = /^[a-zA-Z][a-zA-Z0-9:-]*$/;

/** Numbers in attributes: two decimals are plenty for a viewBox and keep the page small. */
const num = (n: number): string => String(Math.round(n * 100) / 100);

const renderChild = (c: Child): string => {
  if (c === null || c === undefined || c === false) return '';
  if (c instanceof Markup) return c.html;
  if (Array.isArray(c)) return c.map(renderChild).join('');
  if (typeof c === 'number') return num(c);
  return escapeHtml(String(c));
};

const h = (tag: string, attrs: Record<string, Attr> = {}, ...children: Child[]): Markup => {
  if (!NAME.test(tag)) throw new Error(`bad tag name ${tag}`);
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== null && v !== undefined && v !== false)
    .map(([k, v]) => {
      if (!NAME.test(k)) throw new Error(`bad attribute name ${k}`);
      if (v === true) return ` ${k}`;
      return ` ${k}="${typeof v === 'number' ? num(v) : escapeHtml(String(v))}"`;
    })
    .join('');
  const inner = children.map(renderChild).join('');
  if (VOID.has(tag)) return new Markup(`<${tag}${a}>`);
  if (inner === '' && SVG_SHAPES.has(tag)) return new Markup(`<${tag}${a}/>`);
  return new Markup(`<${tag}${a}>${inner}</${tag}>`);
};

/** Trusted markup written by this module (CSS, fixed strings): never record text. */
const raw = (html: string): Markup => new Markup(html);

const fragment = (...children: Child[]): Markup => new Markup(children.map(renderChild).join(''));

export type { Attr, Child };
export { escapeHtml, fragment, h, Markup, num, raw };
