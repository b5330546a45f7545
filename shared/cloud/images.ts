// VPC images as the guard reads them: GET /images/{id} (the generated `ibm-vpc` SDK's `getImage`, IAM
// `is.image.image.read`, Viewer on the image) for the image's allowed-use expressions, read once per image
// per VPC client (one per region per warm container). Bound to an existing VpcClient so the same
// authenticator, retries and call counting apply.
import { validateParams } from 'ibm-cloud-sdk-core';
import { CloudApiError, errorMessage } from '../errors.ts';
import { cloudCall } from '../runtime/retry.ts';
import type { RequestOptions, VpcClient, VpcResponse } from './vpc.ts';

/**
 * IBM's `allowed_use` of an image: CEL-like expressions a (would-be) instance or bare metal server must
 * satisfy, and the API version they are written against. Absent keys mean "always allowed".
 */
interface ImageAllowedUse {
  api_version?: string;
  bare_metal_server?: string;
  instance?: string;
}

/** The subset of IBM's `Image` the guard reads. */
interface Image {
  id: string;
  crn: string;
  name: string;
  status?: string;
  allowed_use?: ImageAllowedUse;
  [key: string]: unknown;
}

const getImage = (
  vpc: VpcClient,
  params: { id: string },
  req?: RequestOptions,
): Promise<VpcResponse<Image>> => {
  const err = validateParams(params, ['id'], ['id']);
  if (err) return Promise.reject(err);
  return vpc.send(
    'get_image',
    { url: '/images/{id}', method: 'GET', path: { id: params.id } },
    { Accept: 'application/json' },
    req,
  );
};

/** What the guard knows of an image's allowed use: the read, the image gone, or a read that failed. */
type ImageRead =
  | { ok: true; image: { id: string; name: string }; allowed_use: ImageAllowedUse }
  | { ok: false; error: string };

// Images are few and their expressions rarely change: one read per image per client, kept for the
// container's life. A failed read is not kept (the next decision asks again).
const cache = new WeakMap<VpcClient, Map<string, Promise<ImageRead>>>();

const readOnce = async (vpc: VpcClient, id: string): Promise<ImageRead> => {
  try {
    const { result } = await cloudCall(getImage(vpc, { id }));
    return { ok: true, image: { id: result.id, name: result.name }, allowed_use: result.allowed_use ?? {} };
  } catch (err) {
    const why = err instanceof CloudApiError ? `IBM answered ${err.status || 'nothing'}` : 'no answer';
    return { ok: false, error: `image ${id} could not be read (${why}: ${errorMessage(err)})` };
  }
};

/** The image's allowed use, read at most once per image and client while reads succeed. */
const readImageAllowedUse = (vpc: VpcClient, id: string): Promise<ImageRead> => {
  let byId = cache.get(vpc);
  if (!byId) {
    byId = new Map();
    cache.set(vpc, byId);
  }
  const known = byId.get(id);
  if (known) return known;
  const read = readOnce(vpc, id);
  byId.set(id, read);
  void read.then((r) => {
    if (!r.ok) byId.delete(id);
  });
  return read;
};

export type { Image, ImageAllowedUse, ImageRead };
export { getImage, readImageAllowedUse };
