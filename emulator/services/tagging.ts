// TODO(tagging): routes of this service (stub until implemented).
import type { RouteModule } from '../core/context.ts';

const taggingRoutes: RouteModule = () => {};

export { taggingRoutes };
