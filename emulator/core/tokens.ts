// IAM access tokens: JWTs that ibm-cloud-sdk-core decodes (exp/iat drive its cache and refresh).
import { createHmac, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, EmulatorState } from './state.ts';

interface TokenClaims {
  iam_id: string;
  id: string;
  realmid: string;
  sub: string;
  sub_type: string;
  identifier: string;
  account: { valid: boolean; bss: string; frozen: boolean };
  iat: number;
  exp: number;
  iss: string;
  grant_type: string;
  scope: string;
  client_id: string;
  acr: number;
  amr: string[];
  /** Emulator-only: which key minted this token (the key's name, never the secret). */
  'emulator.key_name': string;
}

interface IssuedToken {
  accessToken: string;
  claims: TokenClaims;
  /** The api key secret, so a scenario reload re-resolves the key's current roles. */
  apiKey: string;
}

const b64url = (obj: unknown): string => Buffer.from(JSON.stringify(obj)).toString('base64url');

const SUB_TYPE = { user: 'IAMUser', serviceid: 'ServiceId', profile: 'Profile' } as const;

class TokenIssuer {
  private readonly secret = randomBytes(32);
  private readonly issued = new Map<string, IssuedToken>();

  issue(key: ApiKeyRecord, state: EmulatorState, grantType: string, nowMs = Date.now()): IssuedToken {
    const iat = Math.floor(nowMs / 1000);
    const claims: TokenClaims = {
      iam_id: key.iam_id,
      id: key.iam_id,
      realmid: key.kind === 'user' ? 'IBMid' : 'iam',
      sub: key.kind === 'user' ? key.name : key.iam_id.replace(/^iam-/, ''),
      sub_type: SUB_TYPE[key.kind],
      identifier: key.iam_id.replace(/^iam-/, ''),
      account: { valid: true, bss: state.account.id, frozen: true },
      iat,
      exp: iat + state.tokenTtlSeconds,
      iss: 'https://iam.cloud.ibm.com/identity',
      grant_type: grantType,
      scope: 'ibm openid',
      client_id: 'default',
      acr: 1,
      amr: ['pwd'],
      'emulator.key_name': key.name,
    };
    const header = b64url({ kid: 'emulator-1', alg: 'HS256', typ: 'JWT' });
    const payload = b64url(claims);
    const signature = createHmac('sha256', this.secret).update(`${header}.${payload}`).digest('base64url');
    const token: IssuedToken = { accessToken: `${header}.${payload}.${signature}`, claims, apiKey: key.key };
    this.issued.set(token.accessToken, token);
    // Keep the table bounded for long benchmark runs: drop expired tokens now and then.
    if (this.issued.size > 10_000) this.prune(nowMs);
    return token;
  }

  /** The token's record if it was issued here and has not expired. */
  verify(accessToken: string, nowMs = Date.now()): IssuedToken | undefined {
    const t = this.issued.get(accessToken);
    if (!t) return undefined;
    if (t.claims.exp * 1000 <= nowMs) return undefined;
    return t;
  }

  private prune(nowMs: number): void {
    for (const [k, t] of this.issued) if (t.claims.exp * 1000 <= nowMs) this.issued.delete(k);
  }
}

export type { IssuedToken, TokenClaims };
export { TokenIssuer };
