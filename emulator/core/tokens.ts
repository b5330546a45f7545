// IAM access tokens: JWTs that ibm-cloud-sdk-core decodes (exp/iat drive its cache and refresh). A
// token speaks for an API key's identity or for a trusted profile; who that is, and which roles it
// holds, is read from the current state on every request. The issuer also signs the emulator's other
// JWTs: compute-resource tokens (Code Engine) and instance identity tokens (VPC metadata service).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { profileRoles } from './roles.ts';
import type { ApiKeyRecord, EmulatorState, ProfileRec } from './state.ts';

/** Who applied a trusted profile: a compute resource, or the identity that assumed it. */
interface Authn {
  /** `crn-<compute resource CRN>` or the assuming identity's iam_id. */
  iam_id: string;
  name: string;
  sub_type: 'ComputeResource' | 'ServiceId' | 'IAMUser';
}

/** Who a token speaks for. */
type TokenSubject = { kind: 'key'; apiKey: string } | { kind: 'profile'; profileId: string; authn: Authn };

interface TokenClaims {
  iam_id: string;
  id: string;
  realmid: string;
  sub: string;
  sub_type: string;
  identifier: string;
  name?: string;
  account: { valid: boolean; bss: string; frozen: boolean };
  iat: number;
  exp: number;
  iss: string;
  grant_type: string;
  scope: string;
  client_id: string;
  acr: number;
  amr: string[];
  /** A trusted profile's token: who applied the profile (UNCONFIRMED claim shape, docs/fidelity/iam.md). */
  authn?: { iam_id: string; sub: string; name: string; sub_type: string };
  /** Emulator-only: which key minted this token (the key's name, never the secret). */
  'emulator.key_name'?: string;
}

interface IssuedToken {
  accessToken: string;
  claims: TokenClaims;
  subject: TokenSubject;
}

const b64url = (obj: unknown): string => Buffer.from(JSON.stringify(obj)).toString('base64url');

const SUB_TYPE = { user: 'IAMUser', serviceid: 'ServiceId', profile: 'Profile' } as const;

const ISSUER = 'https://iam.cloud.ibm.com/identity';

class TokenIssuer {
  private readonly secret = randomBytes(32);
  private readonly issued = new Map<string, IssuedToken>();

  /** A signed JWT with these claims (HS256 under this emulator's secret). */
  sign(claims: object): string {
    const header = b64url({ kid: 'emulator-1', alg: 'HS256', typ: 'JWT' });
    const payload = b64url(claims);
    const signature = createHmac('sha256', this.secret).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }

  /** The claims of a JWT this emulator signed and that has not expired; undefined otherwise. */
  verifySigned(jwt: string, nowMs = Date.now()): Record<string, unknown> | undefined {
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return undefined;
    const want = createHmac('sha256', this.secret).update(`${header}.${payload}`).digest();
    const got = Buffer.from(signature, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      return typeof claims.exp === 'number' && claims.exp * 1000 > nowMs ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  /** An access token for an API key's identity (user or service ID). */
  issue(key: ApiKeyRecord, state: EmulatorState, grantType: string, nowMs = Date.now()): IssuedToken {
    const iat = Math.floor(nowMs / 1000);
    return this.remember(
      {
        iam_id: key.iam_id,
        id: key.iam_id,
        realmid: key.kind === 'user' ? 'IBMid' : 'iam',
        sub: key.kind === 'user' ? key.name : key.iam_id.replace(/^iam-/, ''),
        sub_type: SUB_TYPE[key.kind],
        identifier: key.iam_id.replace(/^iam-/, ''),
        ...this.common(state, grantType, iat, state.tokenTtlSeconds),
        'emulator.key_name': key.name,
      },
      { kind: 'key', apiKey: key.key },
      nowMs,
    );
  }

  /** An access token for a trusted profile, applied by a compute resource or an assuming identity. */
  issueForProfile(
    profile: ProfileRec,
    authn: Authn,
    state: EmulatorState,
    grantType: string,
    nowMs = Date.now(),
  ): IssuedToken {
    const iat = Math.floor(nowMs / 1000);
    return this.remember(
      {
        iam_id: profile.iam_id,
        id: profile.iam_id,
        realmid: 'iam',
        sub: profile.id,
        sub_type: SUB_TYPE.profile,
        identifier: profile.id,
        name: profile.name,
        ...this.common(state, grantType, iat, state.tokenTtlSeconds),
        authn: { iam_id: authn.iam_id, sub: authn.iam_id, name: authn.name, sub_type: authn.sub_type },
      },
      { kind: 'profile', profileId: profile.id, authn },
      nowMs,
    );
  }

  /** The token's record if it was issued here and has not expired. */
  verify(accessToken: string, nowMs = Date.now()): IssuedToken | undefined {
    const t = this.issued.get(accessToken);
    if (!t) return undefined;
    if (t.claims.exp * 1000 <= nowMs) return undefined;
    return t;
  }

  private common(state: EmulatorState, grantType: string, iat: number, ttl: number) {
    return {
      account: { valid: true, bss: state.account.id, frozen: true },
      iat,
      exp: iat + ttl,
      iss: ISSUER,
      grant_type: grantType,
      scope: 'ibm openid',
      client_id: 'default',
      acr: 1,
      amr: ['pwd'],
    };
  }

  private remember(claims: TokenClaims, subject: TokenSubject, nowMs: number): IssuedToken {
    const token: IssuedToken = { accessToken: this.sign(claims), claims, subject };
    this.issued.set(token.accessToken, token);
    // Keep the table bounded for long benchmark runs: drop expired tokens now and then.
    if (this.issued.size > 10_000) this.prune(nowMs);
    return token;
  }

  private prune(nowMs: number): void {
    for (const [k, t] of this.issued) if (t.claims.exp * 1000 <= nowMs) this.issued.delete(k);
  }
}

/**
 * Who a token speaks for now: its API key's record, or the trusted profile as a caller whose roles
 * are its policies and its access groups' policies. Undefined when the key or profile is gone.
 */
const callerOf = (token: IssuedToken, state: EmulatorState): ApiKeyRecord | undefined => {
  const s = token.subject;
  switch (s.kind) {
    case 'key':
      return state.apiKeys.get(s.apiKey);
    case 'profile': {
      const p = state.profiles.get(s.profileId);
      if (!p) return undefined;
      return {
        key: '',
        name: s.authn.name,
        kind: 'profile',
        iam_id: p.iam_id,
        profile_id: p.id,
        authn_id: s.authn.iam_id,
        roles: profileRoles(state, p.iam_id),
      };
    }
  }
};

export type { Authn, IssuedToken, TokenClaims, TokenSubject };
export { callerOf, TokenIssuer };
