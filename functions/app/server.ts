// The app's HTTP server: `POST` any path with a delivery; `GET /healthz` for probes. Listens on
// Code Engine's PORT (8080 by default).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';
import { createApp } from './handler.ts';

const MAX_BODY = 5 * 1024 * 1024;

const startAppServer = async (
  options: { port?: number; host?: string; overrides?: RuntimeOverrides } = {},
): Promise<{ url: string; server: Server; close: () => Promise<void> }> => {
  const app = createApp(options.overrides);
  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) {
        res
          .writeHead(413, { 'Content-Type': 'application/json' })
          .end('{"outcome":"refused","reason":"body over 5 MB"}');
        return;
      }
      app({
        method: req.method ?? 'POST',
        path,
        query: q >= 0 ? raw.slice(q + 1) : '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      })
        .then((out) => {
          res
            .writeHead(out.statusCode, out.headers ?? {})
            .end(typeof out.body === 'string' ? out.body : JSON.stringify(out.body));
        })
        .catch(() => {
          // Unexpected failure: ask for a redelivery rather than lose the record.
          res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"outcome":"retry"}');
        });
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? Number(process.env.PORT ?? 8080), host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    server,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

export { startAppServer };
