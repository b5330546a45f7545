// IBM Cloud Event Notifications, the publish API only: `POST /event-notifications/v1/instances/{id}/notifications`
// (the path IBM's admin SDKs call on `https://{region}.event-notifications.cloud.ibm.com/event-notifications`).
// Strict on what a publisher controls: IAM bearer token, a role that may publish, an existing instance,
// a registered and enabled source, the CloudEvents attributes EN requires. Accepted notifications are
// kept on the instance for tests (`GET /_emulator/state?full=1` → `event_notifications`).
import type { Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { hasRole } from '../core/roles.ts';
import type { ApiKeyRecord, EnInstanceRec, Role } from '../core/state.ts';

const BASE = '/event-notifications/v1/instances/:instance_id';
const MORE_INFO = 'https://cloud.ibm.com/apidocs/event-notifications';

/** `event-notifications.notifications.post`: Manager, Writer, Administrator, Event Source Manager, Publisher. */
const PUBLISH_ROLES: readonly Role[] = ['Event Source Manager', 'Event Notifications Publisher'];

const mayPublish = (caller: ApiKeyRecord): boolean => {
  const held = [...(caller.roles['event-notifications'] ?? []), ...(caller.roles['*'] ?? [])];
  return (
    hasRole(caller, 'event-notifications', 'Writer') ||
    hasRole(caller, 'event-notifications', 'Administrator') ||
    held.some((r) => PUBLISH_ROLES.includes(r))
  );
};

const badRequest = (message: string, field?: string): ApiError =>
  new ApiError(400, 'bad_request', message, {
    moreInfo: MORE_INFO,
    ...(field ? { target: { name: field, type: 'field' } } : {}),
  });

/** CloudEvents attributes EN requires (its payload spec and the SDK's NotificationCreate). */
const REQUIRED = [
  'specversion',
  'id',
  'source',
  'type',
  'ibmensourceid',
  'ibmendefaultshort',
  'ibmendefaultlong',
] as const;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const findInstance = (ctx: Ctx): EnInstanceRec => {
  const id = ctx.params.instance_id ?? '';
  const inst = ctx.state.enInstances.get(id);
  if (!inst)
    throw new ApiError(404, 'not_found', `Instance with id ${id} not found.`, { moreInfo: MORE_INFO });
  return inst;
};

/** Body checks in the order a publisher would fix them; the first failure is answered. */
const validateNotification = (ctx: Ctx, inst: EnInstanceRec): Record<string, unknown> => {
  if (!['application/json', 'application/cloudevents+json'].includes(ctx.contentType))
    throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json.', {
      moreInfo: MORE_INFO,
    });
  const body = ctx.body;
  if (!isObject(body)) throw badRequest('The request body must be a JSON object (a CloudEvent).');
  for (const field of REQUIRED) {
    const value = body[field];
    if (typeof value !== 'string' || value.trim() === '')
      throw badRequest(`Missing or empty required attribute '${field}'.`, field);
  }
  if (body.specversion !== '1.0') throw badRequest("specversion must be '1.0'.", 'specversion');
  if (body.time !== undefined && (typeof body.time !== 'string' || !RFC3339.test(body.time)))
    throw badRequest('time must be an RFC 3339 timestamp.', 'time');
  if (body.datacontenttype !== undefined && body.datacontenttype !== 'application/json')
    throw badRequest("datacontenttype must be 'application/json'.", 'datacontenttype');
  if (body.data !== undefined && !isObject(body.data))
    throw badRequest('data must be a JSON object.', 'data');
  const source = inst.sources.get(String(body.ibmensourceid));
  if (!source) throw badRequest(`Source ${String(body.ibmensourceid)} not found.`, 'ibmensourceid');
  if (!source.enabled) throw badRequest(`Source ${source.id} is disabled.`, 'ibmensourceid');
  return body;
};

const sendNotification = (ctx: Ctx): Reply => {
  const caller = ctx.caller as ApiKeyRecord;
  if (!mayPublish(caller))
    throw new ApiError(
      403,
      'forbidden',
      "The caller needs Writer, Manager, Event Source Manager or Event Notifications Publisher on service 'event-notifications'.",
      { moreInfo: MORE_INFO },
    );
  const inst = findInstance(ctx);
  const body = validateNotification(ctx, inst);
  const id = String(body.id);
  inst.notifications.push({
    notification_id: id,
    source_id: String(body.ibmensourceid),
    received_at: ctx.now.toISOString(),
    content_type: ctx.contentType,
    body: structuredClone(body),
  });
  return { status: 202, body: { notification_id: id } };
};

/** `event-notifications.sources.read`: Manager, Administrator, Event Source Manager, Channel Editor (not Publisher). */
const READ_SOURCE_ROLES: readonly Role[] = ['Event Source Manager', 'Channel Editor'];

const getSource = (ctx: Ctx): Reply => {
  const caller = ctx.caller as ApiKeyRecord;
  const held = [...(caller.roles['event-notifications'] ?? []), ...(caller.roles['*'] ?? [])];
  const may =
    hasRole(caller, 'event-notifications', 'Manager') ||
    hasRole(caller, 'event-notifications', 'Administrator') ||
    held.some((r) => READ_SOURCE_ROLES.includes(r));
  if (!may)
    throw new ApiError(
      403,
      'forbidden',
      "The caller needs Manager, Administrator, Event Source Manager or Channel Editor on service 'event-notifications' to read a source.",
      { moreInfo: MORE_INFO },
    );
  const inst = findInstance(ctx);
  const src = inst.sources.get(ctx.params.source_id ?? '');
  if (!src)
    throw new ApiError(404, 'not_found', `Source with id ${ctx.params.source_id ?? ''} not found.`, {
      moreInfo: MORE_INFO,
    });
  return {
    status: 200,
    body: {
      id: src.id,
      name: src.name,
      description: '',
      type: 'api',
      enabled: src.enabled,
      updated_at: '2026-01-15T09:00:00.000Z',
      topic_count: 0,
      topic_names: [],
    },
  };
};

const eventNotificationsRoutes: RouteModule = (add) => {
  add({
    service: 'event-notifications',
    method: 'GET',
    path: `${BASE}/sources/:source_id`,
    needs: [
      { service: 'event-notifications', role: 'Manager' },
      { service: 'event-notifications', role: 'Administrator' },
      ...READ_SOURCE_ROLES.map((role) => ({ service: 'event-notifications', role }) as const),
    ],
    handler: getSource,
  });
  add({
    service: 'event-notifications',
    method: 'POST',
    path: `${BASE}/notifications`,
    needs: [
      { service: 'event-notifications', role: 'Writer' },
      { service: 'event-notifications', role: 'Administrator' },
      ...PUBLISH_ROLES.map((role) => ({ service: 'event-notifications', role }) as const),
    ],
    handler: sendNotification,
  });
};

export { eventNotificationsRoutes, PUBLISH_ROLES };
