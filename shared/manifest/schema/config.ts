// The secrets and configmaps sections: names and keys only, never secret values.
import * as v from 'valibot';
import { section } from '../../policy/schema.ts';
import { ConfigName, EnvName, EnvValue } from './common.ts';

/** Names and keys only: values come from the environment at deploy time, or the secret already exists. */
const Secret = section({
  name: ConfigName,
  from: v.picklist(
    ['env', 'existing'],
    (issue) =>
      `from must be env (values read from environment variables when deploying) or existing (a secret already in the project) (got ${issue.received})`,
  ),
  /** from: env → mapping `key: ENV_VAR`; from: existing → list of the keys it must hold. */
  keys: v.union(
    [v.record(EnvName, EnvName), v.array(EnvName)],
    'keys is a mapping `key: ENVIRONMENT_VARIABLE` (from: env) or a list of key names (from: existing)',
  ),
});

/** Non-sensitive settings only (credentials belong in a secret). */
const ConfigMap = section({
  name: ConfigName,
  data: v.record(EnvName, EnvValue, 'expected a mapping KEY: value'),
});

type Secret = v.InferOutput<typeof Secret>;
type ConfigMap = v.InferOutput<typeof ConfigMap>;

export { ConfigMap, Secret };
