// `imds-guard deploy --terraform DIR`: manifest.yaml → a Terraform root module in DIR (the module of
// deploy/terraform/ and its inputs, shared/manifest/terraform.ts). Runs nothing against IBM Cloud.
import { join } from 'node:path';
import { packageRoot } from '#emulator/scenarios/index.ts';
import type { LoadedManifest } from '#shared/manifest/load.ts';
import { terraformInputs } from '#shared/manifest/terraform.ts';
import { GRANTS, TerraformDirError, TFVARS, writeTerraformDir } from '#shared/manifest/terraform-write.ts';

/** deploy/terraform of this package: the module that DIR receives. */
const moduleDir = (): string => join(packageRoot(), 'deploy', 'terraform');

const nextSteps = (dir: string, notices: readonly string[]): string[] => [
  ...(notices.length > 0 ? ['before terraform apply:', ...notices.map((n) => `  - ${n}`)] : []),
  'then:',
  `  cd ${dir} && terraform init && terraform plan    # review, then terraform apply`,
  '  terraform output post_apply_commands            # Code Engine subscriptions have no provider resource: run these',
  '  imds-guard doctor                               # before enabling enforcement',
];

/** Writes the module and its inputs; exit 2 with one line when DIR holds someone else's files. */
const writeTerraform = async (loaded: LoadedManifest, dir: string): Promise<number> => {
  const d = loaded.deployment;
  if (!d) {
    process.stderr.write(
      `${loaded.file} has no deployment sections (project:, accounts:, identity:, functions: …); nothing to write. See docs/deploy.md.\n`,
    );
    return 2;
  }
  const inputs = terraformInputs(d, loaded.policy);
  try {
    const written = await writeTerraformDir(dir, moduleDir(), inputs);
    const grants = inputs.grants.grants.length;
    process.stdout.write(
      [
        `wrote ${dir}: ${written.copied > 0 ? `${written.copied} module files, ` : ''}${TFVARS}, ${GRANTS} (${grants} grant${grants === 1 ? '' : 's'})`,
        ...nextSteps(dir, inputs.notices),
      ].join('\n') + '\n',
    );
    return 0;
  } catch (err) {
    if (!(err instanceof TerraformDirError)) throw err;
    process.stderr.write(`${err.message}; nothing was written\n`);
    return 2;
  }
};

export { moduleDir, writeTerraform };
