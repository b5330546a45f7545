// VPC (Regional Infrastructure API, IAM service `is`) under `/vpc/{region}/v1`: regions and zones,
// VPCs, instances, instance templates and instance groups. docs/fidelity/vpc.md lists every guess.
import type { Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { RegionState } from '../core/state.ts';
import { imageRoutes } from './vpc-images.ts';
import { instanceRoutes } from './vpc-instances.ts';
import { networkRoutes } from './vpc-network.ts';
import { renderRegion, renderZone, type View } from './vpc-render.ts';
import { mountVpc, type VpcRoute } from './vpc-route.ts';
import { templateRoutes } from './vpc-templates.ts';
import { CODES } from './vpc-validate.ts';
import { vpcCollectionRoutes } from './vpc-vpcs.ts';

const namedRegion = (ctx: Ctx, v: View): RegionState => {
  const name = ctx.params.name ?? '';
  const rs = v.state.regionState(name);
  if (!rs)
    throw new ApiError(404, CODES.notFound, 'Region not found', {
      target: { name: 'name', type: 'parameter', value: name },
    });
  return rs;
};

const listRegions = (_ctx: Ctx, v: View): Reply => ({
  status: 200,
  body: {
    regions: [...v.state.regions.values()]
      .map((rs) => rs.region)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((r) => renderRegion(v, r)),
  },
});

const regionRoutes: readonly VpcRoute[] = [
  { method: 'GET', path: '/regions', role: 'Viewer', handler: listRegions },
  {
    method: 'GET',
    path: '/regions/:name',
    role: 'Viewer',
    handler: (ctx, v) => ({ status: 200, body: renderRegion(v, namedRegion(ctx, v).region) }),
  },
  {
    method: 'GET',
    path: '/regions/:name/zones',
    role: 'Viewer',
    handler: (ctx, v) => {
      const r = namedRegion(ctx, v).region;
      return { status: 200, body: { zones: r.zones.map((z) => renderZone(v, r, z)) } };
    },
  },
  {
    method: 'GET',
    path: '/regions/:name/zones/:zone',
    role: 'Viewer',
    handler: (ctx, v) => {
      const r = namedRegion(ctx, v).region;
      const z = r.zones.find((x) => x.name === ctx.params.zone);
      if (!z)
        throw new ApiError(404, CODES.notFound, 'Zone not found', {
          target: { name: 'name', type: 'parameter', value: ctx.params.zone ?? '' },
        });
      return { status: 200, body: renderZone(v, r, z) };
    },
  },
];

const vpcRoutes: RouteModule = mountVpc([
  ...regionRoutes,
  ...instanceRoutes,
  ...templateRoutes,
  ...networkRoutes,
  ...imageRoutes,
  ...vpcCollectionRoutes,
]);

export { vpcRoutes };
