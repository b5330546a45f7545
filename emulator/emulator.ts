// The local IBM Cloud: one HTTP origin on loopback, IBM's paths, strict like IBM, with an admin API.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import FindMyWay from 'find-my-way';
import type { ChangeEvent, Ctx, Method, Reply, RouteDef, RouteModule } from './core/context.ts';
import {
  ApiError,
  type EmulatorService,
  renderError,
  standardError,
  UNAUTHORIZED_CODE,
} from './core/errors.ts';
import { Faults } from './core/faults.ts';
import { randomUuid } from './core/ids.ts';
import { Journal, type JournalEntry } from './core/journal.ts';
import { hasRole } from './core/roles.ts';
import { type ApiKeyRecord, EmulatorState } from './core/state.ts';
import { callerOf, TokenIssuer } from './core/tokens.ts';

const MAX_BODY = 5 * 1024 * 1024;

interface EmulatorOptions {
  journalCapacity?: number;
  /** Replaces Math.random for fault probabilities (deterministic tests). */
  random?: () => number;
}

/** Receives every applied change; the event module subscribes here. */
type ChangeListener = (change: ChangeEvent, caller: ApiKeyRecord | undefined) => void;

const serviceFromPath = (path: string): EmulatorService => {
  if (path.startsWith('/vpc/')) return 'vpc';
  if (path.startsWith('/_emulator')) return 'admin';
  if (path.startsWith('/instance_identity/') || path.startsWith('/identity/v1/')) return 'metadata';
  if (path.startsWith('/identity/')) return 'iam-token';
  if (path.startsWith('/v1/profiles') || path.startsWith('/v1/serviceids')) return 'iam-identity';
  if (path.startsWith('/v1/policies') || path.startsWith('/v2/policies')) return 'iam-policy';
  if (path.startsWith('/v2/groups')) return 'iam-groups';
  if (path.startsWith('/v3/tags')) return 'tagging';
  if (path.startsWith('/case-management/')) return 'case-management';
  if (path.startsWith('/api/now/')) return 'servicenow';
  if (path.startsWith('/event-notifications/')) return 'event-notifications';
  if (path.startsWith('/rest/api/')) return 'jira';
  if (path.startsWith('/atracker/')) return 'atracker';
  if (path.startsWith('/codeengine/')) return 'code-engine';
  return 'admin';
};

const parseBody = (contentType: string, raw: string): unknown => {
  if (raw.length === 0) return undefined;
  if (contentType === 'application/x-www-form-urlencoded')
    return Object.fromEntries(new URLSearchParams(raw));
  if (contentType === '' || contentType.endsWith('json')) return JSON.parse(raw);
  return undefined;
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'request_too_large', 'The request body is larger than 5 MB.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

class Emulator {
  state = new EmulatorState();
  readonly tokens = new TokenIssuer();
  readonly journal: Journal;
  readonly faults: Faults;
  private readonly router = FindMyWay({ ignoreDuplicateSlashes: false });
  private readonly listeners: ChangeListener[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  url = '';

  constructor(options: EmulatorOptions = {}) {
    this.journal = new Journal(options.journalCapacity);
    this.faults = new Faults(options.random);
  }

  use(module: RouteModule): this {
    module((route) => {
      this.router.on(route.method, route.path, () => {}, route);
    });
    return this;
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** Records a change made outside a request (admin API, scenario scripts). */
  applyChange(change: ChangeEvent, caller: ApiKeyRecord | undefined): void {
    for (const l of this.listeners) l(change, change.initiator ?? caller);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // The pipeline answers every error itself; reaching here means the socket is already gone.
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end(String(err));
        }
      });
    });
    server.keepAliveTimeout = 65_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    this.url = `http://${host}:${addr.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '');
    const method = (req.method ?? 'GET').toUpperCase() as Method;
    const found = this.router.find(method, path);
    const route = found?.store as RouteDef | undefined;
    const service = route?.service ?? serviceFromPath(path);
    const params = (found?.params ?? {}) as Record<string, string | undefined>;
    const region = service === 'vpc' ? (params.region ?? path.split('/')[2]) : undefined;
    const trace = randomUuid();
    const entry: JournalEntry = {
      seq: this.journal.nextSeq(),
      time: new Date().toISOString(),
      method,
      path,
      query: Object.fromEntries(query),
      status: 0,
      service,
      ...(region ? { region } : {}),
      duration_ms: 0,
    };

    const send = (reply: Reply): void => {
      if (reply.drop) {
        // No answer at all, as from an endpoint that is switched off: the connection just closes.
        entry.status = 0;
        this.journal.add(entry);
        req.socket.destroy();
        return;
      }
      entry.status = reply.status;
      entry.duration_ms = Math.round((performance.now() - started) * 100) / 100;
      this.journal.add(entry);
      const headers: Record<string, string> = { 'X-Request-Id': trace, ...reply.headers };
      let payload = '';
      if (reply.body !== undefined && method !== 'HEAD') {
        if (typeof reply.body === 'string') payload = reply.body;
        else {
          payload = JSON.stringify(reply.body);
          headers['Content-Type'] ??= 'application/json; charset=utf-8';
        }
      }
      headers['Content-Length'] = String(Buffer.byteLength(payload));
      res.writeHead(reply.status, headers);
      res.end(payload);
    };
    const fail = (status: number, code?: string, message?: string, extra: ApiError['extra'] = {}): void => {
      const std = standardError(status);
      send({
        status,
        body: renderError(
          service,
          { status, code: code ?? std.code, message: message ?? std.message, ...extra },
          rawUrl,
          trace,
        ),
        ...(extra.headers ? { headers: extra.headers } : {}),
      });
    };

    try {
      // Faults and rate limits come first: a throttled or broken IBM answers before it authenticates.
      if (!this.faults.empty && service !== 'admin') {
        const facts = { service, method, path, region };
        const outcome = this.faults.evaluate(facts);
        if (outcome.latencyMs > 0) await new Promise((r) => setTimeout(r, outcome.latencyMs));
        const f = outcome.answer;
        if (f) {
          entry.fault = f.id;
          if (f.reset) {
            entry.status = 0;
            this.journal.add(entry);
            req.socket.destroy();
            return;
          }
          const status = f.status ?? 500;
          const headers = f.retry_after !== undefined ? { 'Retry-After': String(f.retry_after) } : undefined;
          if (f.body !== undefined) send({ status, body: f.body, ...(headers ? { headers } : {}) });
          else fail(status, undefined, undefined, headers ? { headers } : {});
          return;
        }
        const throttled = this.faults.throttle(facts);
        if (throttled) {
          fail(429, undefined, undefined, { headers: { 'Retry-After': String(throttled.retryAfter) } });
          return;
        }
      }

      if (!route) {
        fail(404, 'not_found', `No route for ${method} ${path}.`);
        return;
      }

      let caller: ApiKeyRecord | undefined;
      let token: Ctx['token'];
      // A token is scoped to one account: every call it makes reads and writes that account's state.
      let state = this.state;
      if (route.auth !== false) {
        const authz = req.headers.authorization ?? '';
        const m = /^Bearer\s+(\S+)$/i.exec(authz);
        token = m?.[1] ? this.tokens.verify(m[1]) : undefined;
        state = (token && this.state.forAccount(token.claims.account.bss)) || this.state;
        caller = token ? callerOf(token, state) : undefined;
        if (!token || !caller) {
          fail(
            401,
            UNAUTHORIZED_CODE[service],
            m
              ? 'The provided IAM token is not valid or has expired.'
              : 'Authorization header with a Bearer IAM token is required.',
          );
          return;
        }
        entry.caller = caller.iam_id;
        entry.account = state.account.id;
      }

      const rawBody = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      let body: unknown;
      try {
        body = parseBody(contentType, rawBody);
      } catch {
        fail(400, 'bad_request', 'The request body is not valid JSON.');
        return;
      }

      const who = caller;
      const ctx: Ctx = {
        state,
        service,
        method,
        path,
        url: rawUrl,
        params,
        query,
        headers: req.headers,
        contentType,
        rawBody,
        body,
        caller,
        token,
        trace,
        now: new Date(),
        region,
        require: (svc, role) => {
          if (!who || !hasRole(who, svc, role)) {
            throw new ApiError(
              403,
              service === 'vpc' ? 'not_authorized' : 'forbidden',
              `The caller does not have the required ${role} role on service '${svc}' to perform this action.`,
            );
          }
        },
        emit: (change) => {
          for (const l of this.listeners) l(change, change.initiator ?? who);
        },
      };
      if (route.permission) ctx.require(route.permission.service, route.permission.role);
      send(await route.handler(ctx));
    } catch (err) {
      if (err instanceof ApiError) {
        fail(err.status, err.code, err.message, err.extra);
        return;
      }
      fail(500, 'internal_error', `Emulator error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

export type { ChangeListener, EmulatorOptions };
export { Emulator };
