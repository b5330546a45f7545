// The VPC instance metadata service's identity operations, as seen from the VSI the scenario names
// `metadata_host`: an instance identity token (`PUT /instance_identity/v1/token`, or
// `/identity/v1/token` from version 2025-08-26) exchanged for an IAM token of a trusted profile linked
// to the instance (`POST …/iam_token`, `…/iam_tokens`). What sdk-core's VpcInstanceAuthenticator calls.
// An instance whose metadata service is disabled (or that is not running) answers nothing at all.
import type { Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { InstanceRec, ProfileRec } from '../core/state.ts';
import type { TokenIssuer } from '../core/tokens.ts';

const CR_TOKEN_GRANT = 'urn:ibm:params:oauth:grant-type:cr-token';
const IDENTITY_KIND = 'instance-identity';
/** The first version of the `/identity/v1/…` paths; `/instance_identity/v1/…` are for earlier ones. */
const V2_FROM = '2025-08-26';
const V1_FROM = '2022-03-01';
/** Instance identity token lifetime, seconds: default 5 minutes, 5 s to 1 hour (IBM docs). */
const TTL = { default: 300, min: 5, max: 3600 } as const;

type Paths = 'v1' | 'v2';

const bad = (code: string, message: string, target?: string): ApiError =>
  new ApiError(400, code, message, target ? { target: { name: target, type: 'field' } } : {});

/** The VSI this endpoint belongs to, if it answers at all. */
const hostOf = (ctx: Ctx): InstanceRec | undefined => {
  const host = ctx.state.metadataHost;
  const inst = host ? ctx.state.regionState(host.region)?.instances.get(host.instanceId) : undefined;
  return inst && inst.status === 'running' && inst.metadata_service.enabled ? inst : undefined;
};

const checkVersion = (ctx: Ctx, paths: Paths): void => {
  const version = ctx.query.get('version') ?? '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version))
    throw new ApiError(400, 'missing_version', 'The `version` query parameter is required (YYYY-MM-DD).', {
      target: { name: 'version', type: 'query' },
    });
  const [from, until] = paths === 'v1' ? [V1_FROM, V2_FROM] : [V2_FROM, '9999-12-31'];
  if (version < from || version >= until)
    throw new ApiError(
      400,
      'invalid_version',
      paths === 'v1'
        ? `This operation needs a version from ${V1_FROM} and before ${V2_FROM}; later versions use /identity/v1/.`
        : `This operation needs a version of ${V2_FROM} or later.`,
      { target: { name: 'version', type: 'query', value: version } },
    );
};

/** curl's `-d '{}'` arrives as form data: the service reads the body as JSON whatever its type. */
const jsonBody = (ctx: Ctx): Record<string, unknown> => {
  if (ctx.rawBody.trim() === '') return {};
  try {
    const body: unknown = JSON.parse(ctx.rawBody);
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // refused below
  }
  throw bad('invalid_body', 'The request body must be a JSON object.');
};

const stamp = (iat: number, exp: number) => ({
  created_at: new Date(iat * 1000).toISOString(),
  expires_at: new Date(exp * 1000).toISOString(),
  expires_in: exp - iat,
});

const createIdentityToken = (ctx: Ctx, tokens: TokenIssuer, paths: Paths): Reply => {
  const inst = hostOf(ctx);
  if (!inst) return { status: 0, drop: true };
  checkVersion(ctx, paths);
  if (ctx.headers['metadata-flavor'] !== 'ibm')
    throw new ApiError(400, 'missing_metadata_flavor', 'The `Metadata-Flavor: ibm` header is required.', {
      target: { name: 'Metadata-Flavor', type: 'header' },
    });
  const ttl = jsonBody(ctx).expires_in ?? TTL.default;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < TTL.min || ttl > TTL.max)
    throw bad(
      'invalid_expires_in',
      `expires_in must be an integer from ${TTL.min} to ${TTL.max}.`,
      'expires_in',
    );
  const iat = Math.floor(ctx.now.getTime() / 1000);
  const exp = iat + ttl;
  const access_token = tokens.sign({
    'emulator.kind': IDENTITY_KIND,
    iss: 'https://api.metadata.cloud.ibm.com',
    sub: `crn-${inst.crn}`,
    instance_id: inst.id,
    crn: inst.crn,
    account_id: ctx.state.account.id,
    iat,
    exp,
  });
  return { status: 200, body: { access_token, ...stamp(iat, exp) } };
};

/** `{id}`, `{crn}` or `{name}` of a trusted profile of this account. */
const namedProfile = (ctx: Ctx, ref: unknown): ProfileRec => {
  const r = (ref && typeof ref === 'object' ? ref : {}) as { id?: unknown; crn?: unknown; name?: unknown };
  const found = [...ctx.state.profiles.values()].find(
    (p) =>
      (r.id !== undefined && p.id === r.id) ||
      (r.crn !== undefined && p.crn === r.crn) ||
      (r.name !== undefined && p.name === r.name),
  );
  if (!found)
    throw bad(
      'trusted_profile_not_found',
      'The trusted profile in `trusted_profile` was not found.',
      'trusted_profile',
    );
  return found;
};

const createIamToken = (ctx: Ctx, tokens: TokenIssuer, paths: Paths): Reply => {
  const inst = hostOf(ctx);
  if (!inst) return { status: 0, drop: true };
  checkVersion(ctx, paths);
  const m = /^Bearer\s+(\S+)$/i.exec(ctx.headers.authorization ?? '');
  const claims = m?.[1] ? tokens.verifySigned(m[1], ctx.now.getTime()) : undefined;
  if (!claims || claims['emulator.kind'] !== IDENTITY_KIND || claims.instance_id !== inst.id)
    throw new ApiError(
      401,
      'not_authorized',
      'The instance identity access token is missing, not valid or expired.',
    );
  const body = jsonBody(ctx);
  const defaultId = inst.default_trusted_profile?.profile_id;
  const profile =
    body.trusted_profile !== undefined
      ? namedProfile(ctx, body.trusted_profile)
      : defaultId !== undefined
        ? ctx.state.profiles.get(defaultId)
        : undefined;
  if (!profile)
    throw bad(
      'trusted_profile_required',
      'No trusted profile was specified and the instance has no default trusted profile.',
      'trusted_profile',
    );
  if (!profile.links.some((l) => l.cr_type === 'VSI' && l.link.crn === inst.crn))
    throw bad(
      'trusted_profile_not_linked',
      `Trusted profile ${profile.id} is not linked to this instance.`,
      'trusted_profile',
    );
  const issued = tokens.issueForProfile(
    profile,
    { iam_id: `crn-${inst.crn}`, name: inst.name, sub_type: 'ComputeResource' },
    ctx.state,
    CR_TOKEN_GRANT,
    ctx.now.getTime(),
  );
  return {
    status: 200,
    body: { access_token: issued.accessToken, ...stamp(issued.claims.iat, issued.claims.exp) },
  };
};

const PATHS = {
  v1: { token: '/instance_identity/v1/token', iam: '/instance_identity/v1/iam_token' },
  v2: { token: '/identity/v1/token', iam: '/identity/v1/iam_tokens' },
} as const satisfies Record<Paths, { token: string; iam: string }>;

const instanceIdentityRoutes =
  (tokens: TokenIssuer): RouteModule =>
  (add) => {
    for (const paths of ['v1', 'v2'] as const) {
      add({
        service: 'metadata',
        method: 'PUT',
        path: PATHS[paths].token,
        auth: false,
        handler: (ctx) => createIdentityToken(ctx, tokens, paths),
      });
      add({
        service: 'metadata',
        method: 'POST',
        path: PATHS[paths].iam,
        auth: false,
        handler: (ctx) => createIamToken(ctx, tokens, paths),
      });
    }
  };

export { instanceIdentityRoutes };
