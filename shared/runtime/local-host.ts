// A local stand-in for Code Engine: `POST /functions/<name>` behaves like a function URL (the request
// becomes `params`, the function's `{statusCode, headers, body}` becomes the response), and
// `POST /app` accepts Kafka-subscription deliveries (CloudEvents binary) like the HTTP app.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CeParams, type CeResponse, type HttpRequestLike, paramsFromHttp } from './ce-params.ts';

type FunctionMain = (params: CeParams) => Promise<CeResponse>;
type AppHandler = (req: HttpRequestLike) => Promise<CeResponse>;

interface LocalHostOptions {
  functions: Record<string, () => Promise<FunctionMain>>;
  app?: () => Promise<AppHandler>;
  /** Code Engine refuses bodies over 5 MB (413) before the function runs. */
  maxBodyBytes?: number;
}

const readBody = (req: IncomingMessage, max: number): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });

const writeResponse = (res: ServerResponse, out: CeResponse): void => {
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  let payload: string;
  if (typeof out.body === 'string') {
    payload = out.body;
    headers['Content-Type'] ??= 'text/plain; charset=utf-8';
  } else {
    payload = JSON.stringify(out.body ?? null);
    headers['Content-Type'] ??= 'application/json';
  }
  res.writeHead(out.statusCode, headers);
  res.end(payload);
};

const startLocalHost = async (
  options: LocalHostOptions,
  port = 0,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> => {
  const max = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    const query = q >= 0 ? raw.slice(q + 1) : '';
    const body = await readBody(req, max);
    if (!body) {
      writeResponse(res, { statusCode: 413, body: { error: 'payload too large' } });
      return;
    }
    const request: HttpRequestLike = { method: req.method ?? 'GET', path, query, headers: req.headers, body };
    const fn = /^\/functions\/([\w-]+)\/?$/.exec(path)?.[1];
    if (fn !== undefined) {
      const load = options.functions[fn];
      if (!load) {
        writeResponse(res, { statusCode: 404, body: { error: `no function "${fn}"` } });
        return;
      }
      const main = await load();
      writeResponse(res, await main(paramsFromHttp({ ...request, path: '/' })));
      return;
    }
    if ((path === '/app' || path.startsWith('/app/')) && options.app) {
      const app = await options.app();
      writeResponse(res, await app(request));
      return;
    }
    writeResponse(res, { statusCode: 404, body: { error: `no route ${req.method} ${path}` } });
  };
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A crash in a function is what Code Engine reports as 502; never leak internals.
      if (!res.headersSent)
        writeResponse(res, {
          statusCode: 502,
          body: { error: 'function failed', name: (err as Error)?.name },
        });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

export type { AppHandler, FunctionMain, LocalHostOptions };
export { startLocalHost };
