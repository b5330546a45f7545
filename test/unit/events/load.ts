// Fixture loading for the events tests: ours (events/fixtures) and IBM's (test/fixtures/ibm-docs, see its SOURCES.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const OURS = join(REPO, 'events', 'fixtures');
const IBM_DOCS = join(REPO, 'test', 'fixtures', 'ibm-docs');

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** `at/<action>.json` → action → event. */
const loadEvents = (): Map<string, Record<string, unknown>> =>
  new Map(
    readdirSync(join(OURS, 'at'))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => [f.slice(0, -5), readJson(join(OURS, 'at', f)) as Record<string, unknown>]),
  );

/** One generated fixture: `<dir>/<action>.json`. */
const loadFixture = (dir: string, action: string): unknown => readJson(join(OURS, dir, `${action}.json`));

/** Every file below events/fixtures, relative paths. */
const listOurFiles = (dir = OURS, prefix = ''): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listOurFiles(join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`],
  );

/** Every file in IBM's published-payload folder except its SOURCES.md. */
const listIbmFiles = (): string[] =>
  readdirSync(IBM_DOCS)
    .filter((f) => f !== 'SOURCES.md')
    .sort();

const readIbm = (name: string): string => readFileSync(join(IBM_DOCS, name), 'utf8');

/** Every JSON value we ship or IBM published: seeds for mutation fuzzing. */
const allJsonSamples = (): unknown[] => [
  ...listOurFiles()
    .filter((f) => f.endsWith('.json'))
    .map((f) => readJson(join(OURS, f))),
  ...listIbmFiles()
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readIbm(f)) as unknown),
];

export { allJsonSamples, IBM_DOCS, listIbmFiles, listOurFiles, loadEvents, loadFixture, OURS, readIbm };
