// What a service handler sees and returns. Handlers are small functions over this context.
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorService } from './errors.ts';
import type { ApiKeyRecord, EmulatorState, IamService, Role } from './state.ts';
import type { IssuedToken } from './tokens.ts';

/** A change the emulator applied; the event module turns it into an Activity Tracker event. */
interface ChangeEvent {
  action: string;
  outcome?: 'success' | 'failure';
  target: { id: string; name: string; typeURI: string; resourceGroupId?: string };
  reasonCode: number;
  reasonType?: string;
  reasonForFailure?: string;
  message: string;
  severity?: 'normal' | 'warning' | 'critical';
  /** `us-south`, `us-south-1`, or `global` for IAM and other global services. */
  location: string;
  logSourceCRN?: string;
  requestData?: Record<string, unknown>;
  responseData?: Record<string, unknown>;
  /** Who did it; defaults to the authenticated caller. */
  initiator?: ApiKeyRecord;
  userAgent?: string;
  address?: string;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer nothing and close the connection (a switched-off endpoint; `status` is ignored). */
  drop?: boolean;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

interface Ctx {
  state: EmulatorState;
  service: EmulatorService;
  method: Method;
  /** Path without the query string. */
  path: string;
  /** Path and query as received. */
  url: string;
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Lower-cased media type without parameters, '' when absent. */
  contentType: string;
  rawBody: string;
  /** JSON (or form) body parsed by content type; undefined when there is none. */
  body: unknown;
  /** The authenticated key (routes with `auth: false` have none). */
  caller: ApiKeyRecord | undefined;
  token: IssuedToken | undefined;
  trace: string;
  now: Date;
  /** Region from the path, for regional services. */
  region: string | undefined;
  /** Throws IBM's 403 unless the caller holds at least `role` on `service`. */
  require(service: IamService, role: Role): void;
  /** Records a change: journaled and delivered to subscriptions as an Activity Tracker event. */
  emit(change: ChangeEvent): void;
}

/** One role on one service that lets a caller through a route; `when` names a condition it holds under. */
interface Need {
  service: IamService;
  role: Role;
  when?: string;
}

interface RouteDef {
  service: EmulatorService;
  method: Method;
  /** find-my-way pattern, e.g. `/vpc/:region/v1/instances/:id`. */
  path: string;
  /** Default true: a bearer token from `/identity/token` is required. */
  auth?: boolean;
  /** Role the caller needs, checked after authentication. */
  permission?: { service: IamService; role: Role };
  /**
   * Roles the handler itself checks (after the route's own validation), any one of which suffices:
   * declared for the route table (core/route-table.ts), never enforced from here. `[]`: no IAM role (a
   * sink's own secret, or only the caller's own records).
   */
  needs?: readonly Need[];
  handler: (ctx: Ctx) => Reply | Promise<Reply>;
}

/** Each service module exports one of these: it adds its routes. */
type RouteModule = (add: (route: RouteDef) => void) => void;

export type { ChangeEvent, Ctx, Method, Need, Reply, RouteDef, RouteModule };
