// Authenticators, built as sdk-core's getAuthenticatorFromEnvironment builds them, from credentials
// read in its conventions (auth-config.ts). One per identity per process, shared by every client so
// the token is fetched once and cached by sdk-core; a failed token request is not cached (sdk-core
// asks again on the next call), and a construction error is thrown, never kept.
import { createHash } from 'node:crypto';
import {
  type Authenticator,
  BearerTokenAuthenticator,
  ContainerAuthenticator,
  IamAssumeAuthenticator,
  IamAuthenticator,
  VpcInstanceAuthenticator,
} from 'ibm-cloud-sdk-core';
import type { Config } from '../config.ts';
import { ConfigError, errorMessage } from '../errors.ts';
import type { AuthConfig, AuthType } from './auth-config.ts';
import { leanTokenRequests } from './token-transport.ts';

/** One identity's credentials and, for the emulator, the origin that replaces its token URL. */
interface Credentials extends AuthConfig {
  /** IMDS_GUARD_ENDPOINT: IAM's token URL (the metadata service's, for `vpc`) becomes this origin. */
  endpoint?: string | undefined;
}

type Options = Record<string, unknown>;

// Casts: sdk-core's constructors take typed options; getAuthenticatorFromEnvironment passes the
// properties it read, untyped, exactly like this.
const BUILDERS = {
  iam: (o) => new IamAuthenticator(o as never),
  container: (o) => new ContainerAuthenticator(o as never),
  vpc: (o) => new VpcInstanceAuthenticator(o as never),
  iamAssume: (o) => new IamAssumeAuthenticator(o as never),
  bearerToken: (o) => new BearerTokenAuthenticator(o as never),
} satisfies Record<AuthType, (options: Options) => Authenticator>;

/** sdk-core's renaming after reading: client-level `url`/`disableSsl` dropped, `auth…` ones renamed. */
const authenticatorOptions = (c: Credentials): Options => {
  const { url: _url, disableSsl: _ssl, authUrl, authDisableSsl, ...rest } = c.properties;
  return {
    ...rest,
    ...(authUrl ? { url: authUrl } : {}),
    ...(authDisableSsl ? { disableSslVerification: authDisableSsl } : {}),
    ...(c.endpoint ? { url: c.endpoint } : {}),
  };
};

/** sdk-core's option names in its messages → the settings a user writes. */
const settingName = (prefix: string, message: string): string =>
  message.replace(
    /`?\b(apikey|iamProfileName|iamProfileId|iamProfileCrn|iamAccountId|crTokenFilename|bearerToken|serviceVersion|tokenLifetime|clientId|clientSecret)\b`?/g,
    (_m, name: string) => `${prefix}_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
  );

const build = (c: Credentials): Authenticator => {
  try {
    const options = authenticatorOptions(c);
    return leanTokenRequests(BUILDERS[c.type](options), options);
  } catch (cause) {
    const where = c.source === 'environment' ? '' : ` (${c.source})`;
    throw new ConfigError(
      `${c.prefix}_AUTH_TYPE=${c.type}${where}: ${settingName(c.prefix, errorMessage(cause))}`,
      { cause },
    );
  }
};

// Several identities may coexist (tests, and later one per account); a few dozen at most.
const MAX_CACHED = 32;
const cache = new Map<string, Authenticator>();

/** The authenticator for one identity: the same object every time its credentials are the same. */
const authenticatorForCredentials = (c: Credentials): Authenticator => {
  const key = createHash('sha256')
    .update(JSON.stringify([c.type, c.properties, c.endpoint ?? null]))
    .digest('hex');
  let auth = cache.get(key);
  if (!auth) {
    auth = build(c);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, auth);
  }
  return auth;
};

/** The guard's own credentials from its configuration; a ConfigError when none are set. */
const credentialsOf = (cfg: Pick<Config, 'auth' | 'endpoint'>): Credentials => {
  if (!cfg.auth)
    throw new ConfigError(
      'no credentials: set IMDS_GUARD_APIKEY (or IBMCLOUD_API_KEY), IMDS_GUARD_AUTH_TYPE with its settings, or an ibm-credentials.env file',
    );
  return { ...cfg.auth, endpoint: cfg.endpoint };
};

/** The process-wide authenticator of the guard's own identity. */
const authenticatorFor = (cfg: Pick<Config, 'auth' | 'endpoint'>): Authenticator =>
  authenticatorForCredentials(credentialsOf(cfg));

interface TokenClaims {
  iam_id?: string;
  sub?: string;
  sub_type?: string;
  account?: { bss?: string };
  exp?: number;
  iat?: number;
}

/**
 * A metadata service that answers nothing is one switched off on this VSI (or not a VSI at all):
 * say so. Not a network blip to retry, so the network code is not carried over.
 */
const explain = (auth: Authenticator, err: unknown): unknown =>
  auth.authenticationType() === 'vpc' && typeof (err as { status?: unknown }).status !== 'number'
    ? new Error(
        `the instance metadata service did not answer (${errorMessage(err)}): is metadata_service enabled on this VSI, and is this a VSI?`,
        { cause: err },
      )
    : err;

/** Claims of the token this process acts with (fetched once and cached by sdk-core). */
const tokenClaims = async (auth: Authenticator): Promise<TokenClaims> => {
  // authenticate() replaces `headers` on the options object rather than mutating it.
  const options: { headers: Record<string, string> } = { headers: {} };
  try {
    await auth.authenticate(options);
  } catch (err) {
    throw explain(auth, err);
  }
  const token = (options.headers.Authorization ?? '').replace(/^Bearer\s+/i, '');
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return {};
  }
};

export type { Credentials, TokenClaims };
export { authenticatorFor, authenticatorForCredentials, credentialsOf, tokenClaims };
