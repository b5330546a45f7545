// The project, accounts and identity sections: where the guard is deployed and as whom it acts.
import * as v from 'valibot';
import { section } from '../../policy/schema.ts';
import { ConfigName, DEFAULT_CONFIG_MAP, EnvName, Region, Text } from './common.ts';

const AccountId = v.pipe(
  v.string('expected an account id'),
  v.trim(),
  v.regex(/^[0-9a-f]{32}$/, 'an IBM Cloud account id is 32 lowercase hexadecimal characters'),
);

const Project = section({
  name: v.pipe(
    Text,
    v.maxLength(128, 'a project name is at most 128 characters'),
    v.regex(
      /^[\p{L}\p{N} .:_-]+$/u,
      'a project name holds letters, digits, spaces, periods, colons, underscores and hyphens',
    ),
  ),
  region: Region,
  /** Named, not defaulted: older accounts call theirs "default", newer ones "Default". */
  resource_group: Text,
  /** The configmap `deploy` writes (IMDS_GUARD_POLICY and the identity settings). */
  config_map: v.nullish(ConfigName, DEFAULT_CONFIG_MAP),
});

/** A trusted profile in another account, assumed (sdk-core `iamAssume`) by exactly one of these. */
const AssumeRef = section({
  profile_id: v.optional(Text),
  profile_crn: v.optional(v.pipe(Text, v.startsWith('crn:v1:', 'profile_crn is a CRN (crn:v1:…)'))),
  profile_name: v.optional(Text),
});

/**
 * The first account is the one deployed to (the guard's identity acts there). Any other names how it is
 * reached: `assume` (a trusted profile there), and/or an API key by reference — `apikey_secret` (a
 * declared secret) holding it under `apikey_env` (the variable it arrives as). Never the key itself.
 */
const Account = section({
  id: AccountId,
  name: v.optional(Text),
  apikey_secret: v.optional(ConfigName),
  apikey_env: v.optional(EnvName),
  assume: v.optional(AssumeRef),
});

const TrustedProfile = section({
  name: v.pipe(Text, v.maxLength(255, 'a trusted profile name is at most 255 characters')),
  description: v.nullish(
    Text,
    'imds-guard: Code Engine functions that guard instance metadata and trusted profiles',
  ),
});

const ServiceId = section({
  name: v.pipe(Text, v.maxLength(255, 'a service ID name is at most 255 characters')),
  description: v.nullish(
    Text,
    'imds-guard: Code Engine functions that guard instance metadata and trusted profiles',
  ),
  /** Declared secret holding IMDS_GUARD_APIKEY; you create the key, deploy never sees it. */
  apikey_secret: ConfigName,
});

const Identity = section({
  trusted_profile: v.optional(TrustedProfile),
  service_id: v.optional(ServiceId),
});

type Project = v.InferOutput<typeof Project>;
type Account = v.InferOutput<typeof Account>;
type Identity = v.InferOutput<typeof Identity>;

export { Account, Identity, Project };
