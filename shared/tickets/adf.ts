// Plain ticket text ↔ Atlassian Document Format (Jira Cloud REST v3 wants ADF for descriptions and
// comments). The text's paragraphs become ADF paragraphs (lines joined by hard breaks) and the tag block
// becomes a code block, so `adfText` gives back lines that `parseTicketTags` reads.

interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
}

interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

const TAG_BLOCK = '\n--\n';

const paragraph = (block: string): AdfNode => {
  const lines = block.split('\n');
  const content: AdfNode[] = [];
  lines.forEach((line, i) => {
    if (i > 0) content.push({ type: 'hardBreak' });
    // ADF refuses empty text nodes.
    if (line.length > 0) content.push({ type: 'text', text: line });
  });
  return { type: 'paragraph', content };
};

/** Text → ADF: blank-line separated paragraphs, the tag block (after the last `--` line) as code. */
const adfFromText = (text: string): AdfDoc => {
  const at = text.lastIndexOf(TAG_BLOCK);
  const head = at >= 0 ? text.slice(0, at) : text;
  const tags = at >= 0 ? text.slice(at + TAG_BLOCK.length) : '';
  const blocks = head
    .split(/\n{2,}/)
    .map((b) => b.replace(/^\n+|\n+$/g, ''))
    .filter((b) => b.length > 0);
  const content = blocks.map(paragraph);
  if (tags.trim().length > 0)
    content.push({ type: 'codeBlock', attrs: { language: 'text' }, content: [{ type: 'text', text: tags }] });
  return {
    type: 'doc',
    version: 1,
    content: content.length > 0 ? content : [{ type: 'paragraph', content: [] }],
  };
};

const inlineText = (nodes: readonly AdfNode[] | undefined): string =>
  (nodes ?? []).map((n) => (n.type === 'hardBreak' ? '\n' : (n.text ?? inlineText(n.content)))).join('');

/** ADF → text, one block per paragraph: enough to read the tag block back. */
const adfText = (doc: unknown): string => {
  if (typeof doc === 'string') return doc;
  const d = doc as AdfDoc | null;
  if (!d || !Array.isArray(d.content)) return '';
  return d.content.map((block) => inlineText(block.content)).join('\n\n');
};

export type { AdfDoc, AdfNode };
export { adfFromText, adfText };
