// The policy a function runs with: IMDS_GUARD_POLICY (JSON) when set — what deployed functions use —
// else the manifest, whose YAML reader (load.ts, its own bundle file) is loaded only then.
import type { Config } from '../config.ts';
import { type LoadedPolicy, type LoadOptions, parsePolicyJson, tighten, validate } from './issues.ts';

const loadRuntimePolicy = async (
  config: Pick<Config, 'policyJson' | 'manifestPath' | 'dryRun' | 'selfIds'>,
  options: LoadOptions = {},
): Promise<LoadedPolicy> => {
  if (config.policyJson !== undefined && config.policyJson.trim() !== '') {
    const { policy, base } = parsePolicyJson(config.policyJson, 'IMDS_GUARD_POLICY');
    return tighten(validate(policy, 'IMDS_GUARD_POLICY', base, undefined, options.now ?? new Date()), config);
  }
  const { loadPolicy } = await import('./load.ts');
  return loadPolicy(config, options);
};

export { loadRuntimePolicy };
