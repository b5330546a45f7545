// TODO(iam-policy): routes of this service (stub until implemented).
import type { RouteModule } from '../core/context.ts';

const iamPolicyRoutes: RouteModule = () => {};

export { iamPolicyRoutes };
