// VPC images: GET /images/{id} in IBM's shape (docs/fidelity/vpc.md "Images"), read by the guard for an
// image's allowed-use expressions before it disables an instance's metadata service. Reads need `is`
// Viewer, as IBM's `is.image.image.read` does.
import type { Ctx, Reply } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { ImageRec } from '../core/state.ts';
import type { View } from './vpc-render.ts';
import type { VpcRoute } from './vpc-route.ts';
import { CODES } from './vpc-validate.ts';

/** IBM's `Image` (the fields a client may read here); `allowed_use` only when the image sets one. */
const renderImage = (ctx: Ctx, v: View, im: ImageRec) => ({
  ...(im.allowed_use_instance !== undefined
    ? {
        allowed_use: {
          // GUESS: the API version the expressions are evaluated with; the caller's when not recorded.
          api_version: ctx.query.get('version') ?? '',
          bare_metal_server: 'true',
          instance: im.allowed_use_instance,
        },
      }
    : {}),
  crn: im.crn,
  encryption: 'none',
  file: {},
  href: `${v.base}/images/${im.id}`,
  id: im.id,
  name: im.name,
  operating_system: { architecture: 'amd64', name: im.os, href: `${v.base}/operating_systems/${im.os}` },
  owner_type: 'user',
  resource_type: 'image',
  status: 'available',
  visibility: 'private',
});

const getImage = (ctx: Ctx, v: View): Reply => {
  const id = ctx.params.id ?? '';
  const im = v.rs.images.get(id);
  if (!im)
    throw new ApiError(404, CODES.notFound, 'Image not found', {
      target: { name: 'id', type: 'parameter', value: id },
    });
  return { status: 200, body: renderImage(ctx, v, im) };
};

const imageRoutes: readonly VpcRoute[] = [
  { method: 'GET', path: '/images/:id', role: 'Viewer', handler: getImage },
];

export { imageRoutes, renderImage };
