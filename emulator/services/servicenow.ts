// TODO(servicenow): routes of this service (stub until implemented).
import type { RouteModule } from '../core/context.ts';

const servicenowRoutes: RouteModule = () => {};

export { servicenowRoutes };
