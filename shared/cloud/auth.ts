// One authenticator per process, shared by every client so the IAM token is fetched once and cached.
import { type Authenticator, ContainerAuthenticator, IamAuthenticator } from 'ibm-cloud-sdk-core';
import type { Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { serviceUrl } from './endpoints.ts';

let shared: { key: string; auth: Authenticator } | undefined;

const buildAuthenticator = (cfg: Config): Authenticator => {
  const url = serviceUrl(cfg, 'iam-token');
  const auth = cfg.auth;
  if (!auth) {
    throw new ConfigError(
      'no credentials: set IMDS_GUARD_APIKEY, or IMDS_GUARD_AUTH_TYPE=container with a profile',
    );
  }
  switch (auth.type) {
    case 'iam':
      return new IamAuthenticator({ apikey: auth.apikey, url });
    case 'container':
      return new ContainerAuthenticator({
        url,
        ...(auth.profileName ? { iamProfileName: auth.profileName } : {}),
        ...(auth.profileId ? { iamProfileId: auth.profileId } : {}),
        ...(auth.crTokenFilename ? { crTokenFilename: auth.crTokenFilename } : {}),
      });
  }
};

/** The process-wide authenticator for this configuration (rebuilt only if credentials or URLs change). */
const authenticatorFor = (cfg: Config): Authenticator => {
  const key = JSON.stringify([cfg.auth, serviceUrl(cfg, 'iam-token')]);
  if (shared?.key !== key) shared = { key, auth: buildAuthenticator(cfg) };
  return shared.auth;
};

interface TokenClaims {
  iam_id?: string;
  sub?: string;
  account?: { bss?: string };
  exp?: number;
  iat?: number;
}

/** Claims of the token this process acts with (fetched once and cached by sdk-core). */
const tokenClaims = async (auth: Authenticator): Promise<TokenClaims> => {
  // authenticate() replaces `headers` on the options object rather than mutating it.
  const options: { headers: Record<string, string> } = { headers: {} };
  await auth.authenticate(options);
  const token = (options.headers.Authorization ?? '').replace(/^Bearer\s+/i, '');
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return {};
  }
};

export type { TokenClaims };
export { authenticatorFor, tokenClaims };
