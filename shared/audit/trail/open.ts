// Opening an object store: the S3 client (its own bundle file) is loaded on first use, and sdk-core's
// authenticator (another file) only when requests carry IAM tokens instead of HMAC signatures.
import { createHash } from 'node:crypto';
import type { Config, CosConnection } from '../../config.ts';
import { ConfigError } from '../../errors.ts';
import type { ObjectStore } from './types.ts';

const stores = new Map<string, Promise<ObjectStore>>();

const build = async (config: Config, connection: CosConnection): Promise<ObjectStore> => {
  const { createStore } = await import('./s3.ts');
  if (connection.accessKeyId && connection.secretAccessKey) return createStore(connection);
  if (!config.auth)
    throw new ConfigError(
      'object storage needs HMAC keys (…_ACCESS_KEY_ID and …_SECRET_ACCESS_KEY) or IAM credentials (IMDS_GUARD_APIKEY or a trusted profile)',
    );
  const { bearerFor } = await import('./iam-bearer.ts');
  return createStore(connection, { bearer: bearerFor(config) });
};

/** One store per connection and credentials, per process. */
const openStore = async (config: Config, connection: CosConnection): Promise<ObjectStore> => {
  const key = createHash('sha256')
    .update(JSON.stringify([connection, config.auth ?? null, config.endpoint ?? null]))
    .digest('hex');
  let store = stores.get(key);
  if (!store) {
    store = build(config, connection);
    stores.set(key, store);
    // A configuration error must not stick: the next call reports it again.
    store.catch(() => stores.delete(key));
  }
  return store;
};

export { openStore };
