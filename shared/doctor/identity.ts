// Credentials and identity: the token's claims say who the credentials are (iam_id, account, sub_type);
// one read names them (a service ID's or trusted profile's name). Then: is that the identity the manifest
// deploys? Only then are the access checks below about the guard itself.
import type { Authenticator } from 'ibm-cloud-sdk-core';
import { type TokenClaims, tokenClaims } from '../cloud/auth.ts';
import type { Clients } from '../cloud/clients.ts';
import { CloudApiError, errorMessage } from '../errors.ts';
import type { Deployment } from '../manifest/schema.ts';
import { cloudCall } from '../runtime/retry.ts';
import { type Check, check, type Identity } from './types.ts';

type Claims = TokenClaims & { sub_type?: string; email?: string; name?: string };

const KIND_OF: Record<string, Identity['kind']> = {
  ServiceId: 'service-id',
  Profile: 'trusted-profile',
  IAMUser: 'user',
  user: 'user',
};

const KIND_TEXT = {
  'service-id': 'service ID',
  'trusted-profile': 'trusted profile',
  user: 'user',
  other: 'identity',
} as const satisfies Record<Identity['kind'], string>;

/** sdk-core's token errors carry IAM's status and message; both go into one line, never the key. */
const tokenError = (err: unknown): string => {
  const e = err as { status?: number; message?: string };
  return e.status ? `IAM answered ${e.status}: ${errorMessage(err)}` : errorMessage(err);
};

/** The identity's own name: one read (its service ID or profile); the id when that read is refused. */
const nameOf = async (clients: Clients, kind: Identity['kind'], claims: Claims): Promise<string> => {
  const iamId = claims.iam_id ?? '';
  const id = iamId.replace(/^iam-/, '');
  try {
    switch (kind) {
      case 'service-id': {
        const identity = await clients.identity();
        return (await cloudCall(identity.getServiceId({ id }))).result.name;
      }
      case 'trusted-profile': {
        const identity = await clients.identity();
        return (await cloudCall(identity.getProfile({ profileId: id }))).result.name;
      }
      case 'user':
        return claims.email ?? claims.name ?? claims.sub ?? iamId;
      case 'other':
        return claims.sub ?? iamId;
    }
  } catch (err) {
    if (err instanceof CloudApiError && err.status > 0 && err.status < 500) return id;
    throw err;
  }
};

const describe = (i: Identity): string =>
  `${KIND_TEXT[i.kind]} ${i.name}${i.name === i.iamId ? '' : ` (${i.iamId})`}`;

/** `credentials`: a token, its claims, and the identity's name; undefined identity when it failed. */
const checkCredentials = async (
  auth: Authenticator,
  clients: Clients,
): Promise<{ check: Check; identity: Identity | undefined }> => {
  const title = 'credentials work';
  let claims: Claims;
  try {
    claims = await tokenClaims(auth);
  } catch (err) {
    return {
      check: check('credentials', 'fail', title, `no IAM token: ${tokenError(err)}`, [
        'check IMDS_GUARD_APIKEY (or the credentials file / IMDS_GUARD_AUTH_TYPE settings): docs/doctor.md, "Credentials"',
      ]),
      identity: undefined,
    };
  }
  const iamId = claims.iam_id;
  const accountId = claims.account?.bss;
  if (!iamId || !accountId)
    return {
      check: check('credentials', 'fail', title, 'the IAM token carries no iam_id or account', []),
      identity: undefined,
    };
  const subType = claims.sub_type ?? '';
  const kind = KIND_OF[subType] ?? 'other';
  const identity: Identity = { iamId, accountId, subType, kind, name: await nameOf(clients, kind, claims) };
  return {
    check: check('credentials', 'ok', title, `${describe(identity)} in account ${accountId}`),
    identity,
  };
};

/** `identity`: are the credentials the identity the manifest deploys (whose access the guard runs with)? */
const checkIdentity = (d: Deployment, identity: Identity): Check => {
  const tp = d.identity.trusted_profile;
  const sid = d.identity.service_id;
  const want = tp
    ? { kind: 'trusted-profile' as const, name: tp.name }
    : sid
      ? { kind: 'service-id' as const, name: sid.name }
      : undefined;
  const title = 'the credentials are the guard identity';
  if (!want)
    return check(
      'identity',
      'warn',
      title,
      'the manifest names no identity (identity: trusted_profile or service_id)',
    );
  if (identity.kind === want.kind && identity.name === want.name)
    return check('identity', 'ok', title, `${KIND_TEXT[want.kind]} ${want.name}, as identity: says`);
  const assume = tp
    ? [
        `run doctor as the guard: IMDS_GUARD_AUTH_TYPE=iamAssume IMDS_GUARD_IAM_PROFILE_NAME=${tp.name} with your API key in IMDS_GUARD_APIKEY (or run it in Code Engine)`,
      ]
    : [
        `run doctor with an API key of service ID ${want.name} (the one in secret ${sid?.apikey_secret ?? ''})`,
      ];
  return check(
    'identity',
    'warn',
    title,
    `these are the credentials of ${describe(identity)}, not of the guard's ${KIND_TEXT[want.kind]} ${want.name}: the access checks below are about ${identity.name}`,
    assume,
  );
};

export { checkCredentials, checkIdentity, describe as describeIdentity, KIND_TEXT };
