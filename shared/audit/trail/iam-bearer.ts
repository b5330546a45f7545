// IAM bearer tokens for object storage, from the process's one authenticator (shared/cloud/auth.ts):
// IBM COS accepts `Authorization: Bearer <IAM token>` on its S3 API, so no HMAC keys are needed when
// the guard's identity (API key or trusted profile) has a COS role on the bucket. Its own bundle file.
import { authenticatorFor } from '../../cloud/auth.ts';
import type { Config } from '../../config.ts';

/** A token provider: sdk-core caches the token and refreshes it before it expires. */
const bearerFor = (config: Config): (() => Promise<string>) => {
  const auth = authenticatorFor(config);
  return async () => {
    // authenticate() replaces `headers` on the options object rather than mutating it.
    const options: { headers: Record<string, string> } = { headers: {} };
    await auth.authenticate(options);
    return (options.headers.Authorization ?? '').replace(/^Bearer\s+/i, '');
  };
};

export { bearerFor };
