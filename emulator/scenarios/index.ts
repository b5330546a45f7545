// Built-in scenarios, found relative to the package root (works from sources and from dist/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'imds-guard')
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('imds-guard package root not found');
    dir = up;
  }
};

const builtinScenarioPath = (name = 'demo'): string =>
  join(packageRoot(), 'emulator', 'scenarios', `${name}.yaml`);

export { builtinScenarioPath, packageRoot };
