// The deploy documentation a newcomer follows: README's "Deploy to IBM Cloud" (Terraform first, the CLI
// second, doctor before enforcing) and the module's README (every input and output it has).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadModule, MODULE_DIR, type Module, root } from './module.ts';

let mod: Module;
beforeAll(async () => {
  mod = await loadModule();
});

const section = (text: string, heading: string): string => {
  const start = text.indexOf(`\n${heading}\n`);
  const next = text.indexOf('\n## ', start + heading.length + 2);
  return start < 0 ? '' : text.slice(start, next < 0 ? undefined : next);
};

describe('deploy documentation', () => {
  test('README "Deploy to IBM Cloud": Terraform first, the CLI second, doctor before enforcement', () => {
    const s = section(readFileSync(join(root, 'README.md'), 'utf8'), '## Deploy to IBM Cloud');
    const at = (needle: string) => {
      const i = s.indexOf(needle);
      expect(i, needle).toBeGreaterThan(0);
      return i;
    };
    expect(at('imds-guard deploy --terraform')).toBeLessThan(at('### Deploy to Code Engine with the CLI'));
    expect(at('terraform init')).toBeLessThan(at('imds-guard doctor'));
    expect(at('imds-guard doctor')).toBeLessThan(at('Then switch the policy'));
  });

  test('the module README names every input and every output', () => {
    const readme = readFileSync(join(MODULE_DIR, 'README.md'), 'utf8');
    expect(Object.keys(mod.variables).filter((v) => !readme.includes(`\`${v}\``))).toEqual([]);
    expect(Object.keys(mod.outputs).filter((o) => !readme.includes(`\`${o}\``))).toEqual([]);
  });
});
