// `region:<name>`: every region the guard acts in answers. The regions are those named by the Activity
// Tracker route (the locations whose events reach the guard), the policy's rules and exemptions; without
// any, the project's region. One cheap read each: `GET /regions/{name}` on that region's VPC endpoint.
import { errorMessage } from '../errors.ts';
import { cloudCall } from '../runtime/retry.ts';
import { type Check, check, type DoctorContext } from './types.ts';

const REGION = /^[a-z]{2}-[a-z]{2,5}$/;

/** Literal region names only: globs (`us-*`) and `global`/`*` name no endpoint. */
const regionsOf = (ctx: DoctorContext): string[] => {
  const fromRoute = (ctx.deployment.activity_tracker?.route.rules ?? []).flatMap((r) => r.locations);
  const fromRules = ctx.policy.instances.rules.flatMap((r) => r.match.regions ?? []);
  const fromExemptions = ctx.policy.instances.exemptions.list.flatMap((e) =>
    e.match.region !== undefined ? [e.match.region] : [],
  );
  const named = [...fromRoute, ...fromRules, ...fromExemptions].filter((r) => REGION.test(r));
  return [...new Set(named.length > 0 ? named : [ctx.deployment.project.region])].sort();
};

const checkRegion = async (ctx: DoctorContext, region: string): Promise<Check> => {
  const title = `VPC region ${region} answers`;
  try {
    const vpc = await ctx.clients.vpc(region);
    const res = await cloudCall(vpc.getRegion({ name: region }));
    const status = res.result.status;
    return status === 'available'
      ? check(`region:${region}`, 'ok', title, `${res.result.endpoint ?? region}: available`)
      : check(`region:${region}`, 'fail', title, `the region is ${status}`, [
          `remove ${region} from the route and the policy, or wait until IBM reports it available`,
        ]);
  } catch (err) {
    return check(`region:${region}`, 'fail', title, `GET /regions/${region}: ${errorMessage(err)}`, [
      `check the region name in manifest.yaml; a 403 means the access check for is (instanceId=*) above fails too`,
    ]);
  }
};

const checkRegions = async (ctx: DoctorContext): Promise<Check[]> =>
  Promise.all(regionsOf(ctx).map((r) => checkRegion(ctx, r)));

export { checkRegions, regionsOf };
