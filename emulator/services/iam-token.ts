// POST /identity/token: API-key and compute-resource-token grants, answered with a JWT.
import type { RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { TokenIssuer } from '../core/tokens.ts';

const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';
const CR_TOKEN_GRANT = 'urn:ibm:params:oauth:grant-type:cr-token';

const iamTokenRoutes =
  (tokens: TokenIssuer): RouteModule =>
  (add) => {
    add({
      service: 'iam-token',
      method: 'POST',
      path: '/identity/token',
      auth: false,
      handler: (ctx) => {
        if (ctx.contentType !== 'application/x-www-form-urlencoded') {
          throw new ApiError(
            400,
            'BXNIM0109E',
            'Property missing or empty. Location: body, Property: grant_type',
          );
        }
        const form = (ctx.body ?? {}) as Record<string, string | undefined>;
        const grant = form.grant_type;
        let key: import('../core/state.ts').ApiKeyRecord | undefined;
        if (grant === APIKEY_GRANT) {
          if (!form.apikey)
            throw new ApiError(
              400,
              'BXNIM0109E',
              'Property missing or empty. Location: body, Property: apikey',
            );
          key = ctx.state.apiKeys.get(form.apikey);
          if (!key) throw new ApiError(400, 'BXNIM0415E', 'Provided API key could not be found.');
        } else if (grant === CR_TOKEN_GRANT) {
          if (!form.cr_token)
            throw new ApiError(
              400,
              'BXNIM0109E',
              'Property missing or empty. Location: body, Property: cr_token',
            );
          const profile = [...ctx.state.profiles.values()].find(
            (p) =>
              p.id === form.profile_id || (form.profile_name !== undefined && p.name === form.profile_name),
          );
          key = [...ctx.state.apiKeys.values()].find(
            (k) =>
              k.kind === 'profile' && k.cr_token === form.cr_token && profile && k.profile_id === profile.id,
          );
          if (!key)
            throw new ApiError(
              400,
              'BXNIM0466E',
              'The compute resource token could not be trusted for the requested profile.',
            );
        } else {
          throw new ApiError(400, 'BXNIM0103E', `Unsupported grant_type: ${grant ?? '(none)'}`);
        }
        const issued = tokens.issue(key, ctx.state, grant);
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
  };

export { iamTokenRoutes };
