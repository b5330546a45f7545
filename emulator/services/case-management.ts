// TODO(case-management): routes of this service (stub until implemented).
import type { RouteModule } from '../core/context.ts';

const caseManagementRoutes: RouteModule = () => {};

export { caseManagementRoutes };
