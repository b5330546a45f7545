// TODO(vpc): routes of this service (stub until implemented).
import type { RouteModule } from '../core/context.ts';

const vpcRoutes: RouteModule = () => {};

export { vpcRoutes };
