// TODO(access-groups): routes of this service (stub until implemented).
import type { RouteModule } from '../core/context.ts';

const accessGroupsRoutes: RouteModule = () => {};

export { accessGroupsRoutes };
