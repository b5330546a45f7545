// Atlassian Document Format as Jira Cloud REST v3 insists on it for `description` and comment `body`:
// a `doc` node, version 1, known node types, non-empty text. A subset: the nodes a ticket needs.
import { ApiError } from '../core/errors.ts';

const BLOCKS = new Set([
  'paragraph',
  'heading',
  'codeBlock',
  'bulletList',
  'orderedList',
  'listItem',
  'blockquote',
  'rule',
]);
const INLINES = new Set(['text', 'hardBreak']);

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Why a node is not valid ADF, or undefined when it is. */
const nodeProblem = (node: unknown, depth: number): string | undefined => {
  if (!isObject(node) || typeof node.type !== 'string') return 'a node without a type';
  if (depth > 20) return 'nesting too deep';
  if (node.type === 'text')
    return typeof node.text === 'string' && node.text.length > 0 ? undefined : 'a text node without text';
  if (!BLOCKS.has(node.type) && !INLINES.has(node.type)) return `unknown node type '${node.type}'`;
  if (node.content === undefined) return undefined;
  if (!Array.isArray(node.content)) return `'${node.type}' content must be a list`;
  for (const child of node.content) {
    const p = nodeProblem(child, depth + 1);
    if (p) return p;
  }
  return undefined;
};

/**
 * Throws Jira's field error unless `value` is an ADF document. A plain string (the v2 format) is refused
 * with the message Jira gives for it; other malformed documents get `INVALID_INPUT`.
 */
const requireAdf = (value: unknown, field: string): void => {
  const target = { name: field, type: 'field' as const };
  if (!isObject(value) || value.type !== 'doc')
    throw new ApiError(
      400,
      'bad_request',
      'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
      { target },
    );
  if (value.version !== 1 || !Array.isArray(value.content))
    throw new ApiError(400, 'bad_request', 'INVALID_INPUT', { target });
  for (const block of value.content) {
    if (nodeProblem(block, 1)) throw new ApiError(400, 'bad_request', 'INVALID_INPUT', { target });
  }
};

export { requireAdf };
