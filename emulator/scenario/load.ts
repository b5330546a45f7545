// Scenario text (YAML or JSON) → validated document → state, with `file:line:col` on every error.
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import type { EmulatorState } from '../core/state.ts';
import { buildState, type DocPath, ScenarioRefError } from './build.ts';
import { ScenarioDoc } from './schema.ts';

interface ScenarioIssue {
  message: string;
  path: string;
  line?: number;
  col?: number;
}

class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly issues: ScenarioIssue[],
  ) {
    super(
      issues
        .map(
          (i) =>
            `${file}${i.line !== undefined ? `:${i.line}:${i.col ?? 1}` : ''}: ${i.message}${i.path ? ` (at ${i.path})` : ''}`,
        )
        .join('\n'),
    );
  }
}

const dotted = (path: DocPath): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/** Position of the deepest node that exists along `path` (a missing key points at its parent). */
const locate = (doc: Document, lc: LineCounter, path: DocPath): { line: number; col: number } | undefined => {
  for (let n = path.length; n >= 0; n -= 1) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = lc.linePos(node.range[0]);
      return { line: pos.line, col: pos.col };
    }
  }
  return undefined;
};

/** Parses and validates a scenario document (without building state). */
const parseScenario = (
  text: string,
  file = '<scenario>',
): { doc: ScenarioDoc; yaml: Document; lines: LineCounter } => {
  const lines = new LineCounter();
  const yaml = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (yaml.errors.length > 0) {
    throw new ScenarioError(
      file,
      yaml.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { message: e.message.split('\n')[0] ?? e.message, path: '', line: pos.line, col: pos.col };
      }),
    );
  }
  const raw: unknown = yaml.toJS({ maxAliasCount: 100 }) ?? {};
  const result = v.safeParse(ScenarioDoc, raw);
  if (!result.success) {
    throw new ScenarioError(
      file,
      result.issues.slice(0, 20).map((issue) => {
        const path: DocPath = (issue.path ?? []).map((p) => p.key as string | number);
        const where = locate(yaml, lines, path);
        return { message: issue.message, path: dotted(path), ...(where ?? {}) };
      }),
    );
  }
  return { doc: result.output, yaml, lines };
};

/** Parses, validates and builds the emulator state for a scenario document. */
const loadScenario = (text: string, file = '<scenario>'): EmulatorState => {
  const { doc, yaml, lines } = parseScenario(text, file);
  try {
    return buildState(doc);
  } catch (err) {
    if (err instanceof ScenarioRefError) {
      const where = locate(yaml, lines, err.path);
      throw new ScenarioError(file, [{ message: err.message, path: dotted(err.path), ...(where ?? {}) }]);
    }
    throw err;
  }
};

const buildFromObject = (raw: unknown, file: string): EmulatorState => {
  const result = v.safeParse(ScenarioDoc, raw);
  if (!result.success) {
    throw new ScenarioError(
      file,
      result.issues.slice(0, 20).map((issue) => ({
        message: issue.message,
        path: dotted((issue.path ?? []).map((p) => p.key as string | number)),
      })),
    );
  }
  try {
    return buildState(result.output);
  } catch (err) {
    if (err instanceof ScenarioRefError)
      throw new ScenarioError(file, [{ message: err.message, path: dotted(err.path) }]);
    throw err;
  }
};

/**
 * Builds state from an already-parsed object (JSON over the admin API). When the object's source
 * `text` is at hand, errors are re-derived from it to carry line:col (JSON is YAML); the object path
 * stays the fast one for valid documents.
 */
const loadScenarioObject = (raw: unknown, file = '<scenario>', text?: string): EmulatorState => {
  try {
    return buildFromObject(raw, file);
  } catch (err) {
    if (err instanceof ScenarioError && text !== undefined) loadScenario(text, file);
    throw err;
  }
};

/** Reads a scenario file; an unreadable file is a ScenarioError naming it, not a stack trace. */
const readScenarioFile = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ScenarioError(file, [{ message: `cannot read the scenario file (${code})`, path: '' }]);
  }
};

export type { ScenarioIssue };
export { loadScenario, loadScenarioObject, parseScenario, readScenarioFile, ScenarioError };
