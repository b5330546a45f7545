// IBM error bodies, one renderer per service family, so the SDKs see exactly what IBM sends.
import { randomUuid } from './ids.ts';

/** Services as the emulator routes, journals and injects faults by them. */
type EmulatorService =
  | 'iam-token'
  | 'vpc'
  | 'iam-identity'
  | 'iam-policy'
  | 'iam-groups'
  | 'tagging'
  | 'case-management'
  | 'servicenow'
  | 'event-notifications'
  | 'jira'
  | 'atracker'
  | 'code-engine'
  | 'admin';

const EMULATOR_SERVICES: readonly EmulatorService[] = [
  'iam-token',
  'vpc',
  'iam-identity',
  'iam-policy',
  'iam-groups',
  'tagging',
  'case-management',
  'servicenow',
  'event-notifications',
  'jira',
  'atracker',
  'code-engine',
  'admin',
];

interface ErrorTarget {
  name: string;
  type: 'field' | 'query' | 'header' | 'parameter';
  value?: unknown;
}

/** A request the emulator refuses the way IBM would. Thrown by handlers, rendered by the router. */
class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { target?: ErrorTarget; moreInfo?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

interface RenderInput {
  status: number;
  code: string;
  message: string;
  trace: string;
  target?: ErrorTarget;
  moreInfo?: string;
  url: string;
}

type Renderer = (e: RenderInput) => unknown;

const VPC_DOCS = 'https://cloud.ibm.com/docs/vpc?topic=vpc-rias-error-messages';

const renderVpc: Renderer = (e) => ({
  errors: [
    {
      code: e.code,
      message: e.message,
      more_info: e.moreInfo ?? `${VPC_DOCS}#${e.code}`,
      ...(e.target ? { target: e.target } : {}),
    },
  ],
  trace: e.trace,
  status_code: e.status,
});

// IAM Identity wraps errors with a request context (and the SDK core keys 401/403 handling on `context.url`).
const renderIamIdentity: Renderer = (e) => ({
  context: {
    requestId: e.trace,
    requestType: 'incoming.Identity',
    url: e.url,
    instanceId: 'iamid-emulator',
    host: 'iam-identity.emulator',
    startTime: new Date().toISOString(),
    locale: 'en_US',
  },
  status_code: e.status,
  errors: [{ code: e.code, message_code: iamMessageCode(e.code), message: e.message }],
  trace: e.trace,
});

const iamMessageCode = (code: string): string =>
  ({
    not_found: 'BXNIM0513E',
    bad_request: 'BXNIM0109E',
    unauthorized: 'BXNIM0308E',
    forbidden: 'BXNIM0514E',
  })[code] ?? 'BXNIM0000E';

// The token endpoint answers with IAM's classic errorCode/errorMessage body.
const renderIamToken: Renderer = (e) => ({
  context: { requestId: e.trace, requestType: 'incoming.OIDC_Token', url: e.url, locale: 'en_US' },
  errorCode: e.code,
  errorMessage: e.message,
});

const renderPlatform: Renderer = (e) => ({
  trace: e.trace,
  errors: [{ code: e.code, message: e.message, ...(e.moreInfo ? { more_info: e.moreInfo } : {}) }],
  status_code: e.status,
});

const renderServiceNow: Renderer = (e) => ({
  error: { message: e.message, detail: e.code },
  status: 'failure',
});

// Jira Cloud: `{errorMessages: [...], errors: {field: message}}`; a handler puts field errors in `target`.
const renderJira: Renderer = (e) => ({
  errorMessages: e.target ? [] : [e.message],
  errors: e.target ? { [e.target.name]: e.message } : {},
});

const RENDERERS = {
  'iam-token': renderIamToken,
  vpc: renderVpc,
  'iam-identity': renderIamIdentity,
  'iam-policy': renderPlatform,
  'iam-groups': renderPlatform,
  tagging: renderPlatform,
  'case-management': renderPlatform,
  servicenow: renderServiceNow,
  // Event Notifications answers with IBM's platform error shape (UNCONFIRMED: docs/fidelity/event-notifications-jira.md).
  'event-notifications': renderPlatform,
  jira: renderJira,
  // Activity Tracker Event Routing and Code Engine answer with the platform shape (docs/fidelity/atracker.md, code-engine.md).
  atracker: renderPlatform,
  'code-engine': renderPlatform,
  admin: renderPlatform,
} satisfies Record<EmulatorService, Renderer>;

/** Standard codes and messages per status, by family. */
const STANDARD: Record<number, { code: string; message: string }> = {
  400: { code: 'bad_request', message: 'The request is not valid.' },
  401: {
    code: 'not_authorized',
    message: 'The request is not authorized. Provide a valid IAM access token.',
  },
  403: { code: 'forbidden', message: 'You are not authorized to perform this action.' },
  404: { code: 'not_found', message: 'The requested resource was not found.' },
  405: { code: 'method_not_allowed', message: 'The method is not allowed for this resource.' },
  409: { code: 'conflict', message: 'The request conflicts with the current state of the resource.' },
  412: {
    code: 'precondition_failed',
    message: 'The provided If-Match value does not match the current ETag.',
  },
  413: { code: 'request_too_large', message: 'The request body is too large.' },
  415: { code: 'unsupported_media_type', message: 'The request content type is not supported.' },
  429: {
    code: 'rate_limit_exceeded',
    message: 'Too many requests. Retry after the time in the Retry-After header.',
  },
  500: { code: 'internal_error', message: 'Internal error.' },
  502: { code: 'bad_gateway', message: 'Bad gateway.' },
  503: {
    code: 'service_unavailable',
    message:
      'The system is currently unable to fulfill the request. Please retry. If the failure persists, contact support and provide the trace value from this error.',
  },
  504: { code: 'gateway_timeout', message: 'Gateway timeout.' },
};

/** The code each service family uses for a missing or invalid token (401). */
const UNAUTHORIZED_CODE = {
  'iam-token': 'BXNIM0308E',
  vpc: 'not_authorized',
  'iam-identity': 'not_authorized',
  'iam-policy': 'invalid_token',
  'iam-groups': 'invalid_token',
  tagging: 'not_authorized',
  'case-management': 'not_authorized',
  servicenow: 'not_authorized',
  'event-notifications': 'unauthorized',
  jira: 'not_authorized',
  atracker: 'unauthorized',
  'code-engine': 'authorization_failed',
  admin: 'not_authorized',
} satisfies Record<EmulatorService, string>;

const standardError = (status: number): { code: string; message: string } =>
  STANDARD[status] ?? { code: `http_${status}`, message: `HTTP ${status}` };

const renderError = (
  service: EmulatorService,
  err: { status: number; code: string; message: string; target?: ErrorTarget; moreInfo?: string },
  url: string,
  trace: string = randomUuid(),
): unknown =>
  RENDERERS[service]({
    status: err.status,
    code: err.code,
    message: err.message,
    trace,
    url,
    ...(err.target ? { target: err.target } : {}),
    ...(err.moreInfo ? { moreInfo: err.moreInfo } : {}),
  });

export type { EmulatorService, ErrorTarget, Renderer };
export { ApiError, EMULATOR_SERVICES, renderError, standardError, UNAUTHORIZED_CODE };
