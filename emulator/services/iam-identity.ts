// TODO(iam-identity): routes of this service (stub until implemented).
import type { RouteModule } from '../core/context.ts';

const iamIdentityRoutes: RouteModule = () => {};

export { iamIdentityRoutes };
