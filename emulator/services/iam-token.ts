// POST /identity/token: the grants sdk-core's authenticators use, answered with a JWT —
// `apikey` (IamAuthenticator), `cr-token` (ContainerAuthenticator: a Code Engine compute-resource
// token for a trusted profile it is linked to) and `assume` (IamAssumeAuthenticator: an access token
// exchanged for a trusted profile that trusts its identity). Also the admin route that plays Code
// Engine, minting compute-resource tokens for a component.
import * as v from 'valibot';
import type { Ctx, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { EmulatorState, ProfileRec } from '../core/state.ts';
import { callerOf, type IssuedToken, type TokenIssuer } from '../core/tokens.ts';

const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';
const CR_TOKEN_GRANT = 'urn:ibm:params:oauth:grant-type:cr-token';
const ASSUME_GRANT = 'urn:ibm:params:oauth:grant-type:assume';
const CR_KIND = 'cr-token';

type Form = Record<string, string | undefined>;
type Grant = (ctx: Ctx, form: Form, tokens: TokenIssuer) => IssuedToken;

const missing = (property: string): ApiError =>
  new ApiError(400, 'BXNIM0109E', `Property missing or empty. Location: body, Property: ${property}`);

const required = (form: Form, property: string): string => {
  const value = form[property];
  if (!value) throw missing(property);
  return value;
};

/**
 * The trusted profile a form names, with the account state it lives in: `profile_id`, `profile_crn`,
 * or `profile_name` (+ `account` when asked). Ids and CRNs are unique across accounts; a name is
 * looked up in the `account` given (the caller's own when none is asked for).
 */
const formProfile = (
  ctx: Ctx,
  form: Form,
  needsAccountWithName: boolean,
  home: EmulatorState = ctx.state,
): { profile: ProfileRec; state: EmulatorState } | undefined => {
  const { profile_id: id, profile_crn: crn, profile_name: name } = form;
  if (!id && !crn && !name) throw missing('profile_id');
  let states = ctx.state.allAccounts();
  if (name && !id && !crn) {
    // Names are unique per account only: IBM asks which account (UNCONFIRMED for cr-token).
    const named = needsAccountWithName ? ctx.state.forAccount(required(form, 'account')) : home;
    if (!named) return undefined;
    states = [named];
  }
  for (const state of states) {
    const profile = [...state.profiles.values()].find(
      (p) => (id && p.id === id) || (crn && p.crn === crn) || (name && !id && !crn && p.name === name),
    );
    if (profile) return { profile, state };
  }
  return undefined;
};

const apikeyGrant: Grant = (ctx, form, tokens) => {
  const apikey = required(form, 'apikey');
  // Every served account's keys: the token is scoped to the account that owns the key.
  for (const state of ctx.state.allAccounts()) {
    const key = state.apiKeys.get(apikey);
    if (key) return tokens.issue(key, state, APIKEY_GRANT);
  }
  throw new ApiError(400, 'BXNIM0415E', 'Provided API key could not be found.');
};

const untrusted = (): ApiError =>
  new ApiError(
    400,
    'BXNIM0466E',
    'The compute resource token could not be trusted for the requested profile.',
  );

/**
 * A compute-resource token this emulator minted (POST /_emulator/compute-resource-tokens), trusted by
 * a profile with a `CE` link to exactly that project component. Scenario keys of kind `profile`
 * with a fixed `cr_token` still work as before.
 */
const crTokenGrant: Grant = (ctx, form, tokens) => {
  const crToken = required(form, 'cr_token');
  const found = formProfile(ctx, form, false);
  const profile = found?.profile;
  const legacy = [...ctx.state.apiKeys.values()].find(
    (k) =>
      k.kind === 'profile' && k.cr_token === crToken && profile !== undefined && k.profile_id === profile.id,
  );
  if (legacy) return tokens.issue(legacy, found?.state ?? ctx.state, CR_TOKEN_GRANT);
  const cr = tokens.verifySigned(crToken, ctx.now.getTime());
  if (!cr || cr['emulator.kind'] !== CR_KIND)
    throw new ApiError(400, 'BXNIM0465E', 'The compute resource token is not valid or has expired.');
  if (!profile) throw untrusted();
  const linked = profile.links.some(
    (l) =>
      l.cr_type === 'CE' &&
      l.link.crn === cr.crn &&
      l.link.component_type === cr.component_type &&
      l.link.component_name === cr.component_name,
  );
  if (!linked) throw untrusted();
  const authn = {
    iam_id: `crn-${String(cr.crn)}`,
    name: String(cr.component_name),
    sub_type: 'ComputeResource',
  } as const;
  return tokens.issueForProfile(profile, authn, found.state, CR_TOKEN_GRANT, ctx.now.getTime());
};

/**
 * IBM's trust for assuming a profile is its identities list (GET /v1/profiles/{id}/identities): a
 * service ID listed as `serviceid`, or a user listed as `user` (with `accounts`, only from those).
 */
const assumeGrant: Grant = (ctx, form, tokens) => {
  const token = tokens.verify(required(form, 'access_token'), ctx.now.getTime());
  const account = token?.claims.account.bss ?? '';
  const home = ctx.state.forAccount(account);
  const caller = token && home ? callerOf(token, home) : undefined;
  if (!token || !caller)
    throw new ApiError(400, 'BXNIM0407E', 'Provided access token is not valid or has expired.');
  // Across accounts (an enterprise): the profile's account trusts the caller by its iam_id.
  const found = formProfile(ctx, form, true, home);
  if (!found) throw new ApiError(400, 'BXNIM0470E', 'The trusted profile could not be found.');
  const { profile } = found;
  const trusted =
    caller.kind !== 'profile' &&
    profile.identities.some(
      (i) =>
        i.iam_id === caller.iam_id &&
        ((i.type === 'serviceid' && caller.kind === 'serviceid') ||
          (i.type === 'user' && caller.kind === 'user' && (!i.accounts || i.accounts.includes(account)))),
    );
  if (!trusted)
    throw new ApiError(
      400,
      'BXNIM0468E',
      `The identity ${caller.iam_id} is not trusted to assume trusted profile ${profile.id}.`,
    );
  const authn = {
    iam_id: caller.iam_id,
    name: caller.name,
    sub_type: caller.kind === 'user' ? 'IAMUser' : 'ServiceId',
  } as const;
  return tokens.issueForProfile(profile, authn, found.state, ASSUME_GRANT, ctx.now.getTime());
};

const GRANTS = {
  [APIKEY_GRANT]: apikeyGrant,
  [CR_TOKEN_GRANT]: crTokenGrant,
  [ASSUME_GRANT]: assumeGrant,
} satisfies Record<string, Grant>;

const grantOf = (type: string | undefined): Grant | undefined =>
  type !== undefined && Object.hasOwn(GRANTS, type) ? GRANTS[type as keyof typeof GRANTS] : undefined;

/** What "Code Engine" puts in a component's compute-resource token file. */
const CrTokenRequest = v.strictObject({
  cr_type: v.optional(v.literal('CE'), 'CE'),
  /** The Code Engine project's CRN, as a `CE` link names it. */
  crn: v.pipe(v.string(), v.startsWith('crn:v1:')),
  component_type: v.picklist(['app', 'job', 'function']),
  component_name: v.pipe(v.string(), v.minLength(1)),
  expires_in: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(86_400)), 3600),
});

const iamTokenRoutes =
  (tokens: TokenIssuer): RouteModule =>
  (add) => {
    add({
      service: 'iam-token',
      method: 'POST',
      path: '/identity/token',
      auth: false,
      handler: (ctx) => {
        if (ctx.contentType !== 'application/x-www-form-urlencoded') throw missing('grant_type');
        const form = (ctx.body ?? {}) as Form;
        const grant = grantOf(form.grant_type);
        if (!grant)
          throw new ApiError(400, 'BXNIM0103E', `Unsupported grant_type: ${form.grant_type ?? '(none)'}`);
        const issued = grant(ctx, form, tokens);
        return {
          status: 200,
          body: {
            access_token: issued.accessToken,
            refresh_token: 'not_supported',
            ims_user_id: 0,
            token_type: 'Bearer',
            expires_in: issued.claims.exp - issued.claims.iat,
            expiration: issued.claims.exp,
            scope: 'ibm openid',
          },
        };
      },
    });

    add({
      service: 'admin',
      method: 'POST',
      path: '/_emulator/compute-resource-tokens',
      auth: false,
      handler: (ctx) => {
        const parsed = v.safeParse(CrTokenRequest, ctx.body);
        if (!parsed.success)
          throw new ApiError(
            400,
            'bad_request',
            `Invalid request: ${parsed.issues.map((i) => i.message).join('; ')}`,
          );
        const r = parsed.output;
        const iat = Math.floor(ctx.now.getTime() / 1000);
        const exp = iat + r.expires_in;
        const token = tokens.sign({
          'emulator.kind': CR_KIND,
          iss: 'https://codeengine.cloud.ibm.com',
          sub: `crn-${r.crn}`,
          cr_type: r.cr_type,
          crn: r.crn,
          component_type: r.component_type,
          component_name: r.component_name,
          iat,
          exp,
        });
        return { status: 201, body: { token, expires_at: new Date(exp * 1000).toISOString() } };
      },
    });
  };

export { iamTokenRoutes };
