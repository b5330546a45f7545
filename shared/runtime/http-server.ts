// The HTTP plumbing shared by the local Code Engine host and the Kafka-subscription app: split the URL,
// read the body up to Code Engine's 5 MB limit (413 beyond), hand a plain request to a handler, write
// its `{statusCode, headers, body}`, and close quickly (open keep-alive sockets included).
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { CeResponse, HttpRequestLike } from './ce-params.ts';

interface HttpServerOptions {
  handle: (req: HttpRequestLike) => Promise<CeResponse>;
  /** The answer when the handler throws (never the error itself: internals are not leaked). */
  onError: (err: unknown) => CeResponse;
  port?: number;
  host?: string;
  maxBodyBytes?: number;
}

interface RunningServer {
  url: string;
  server: Server;
  close: () => Promise<void>;
}

const writeBody = (out: CeResponse): { headers: Record<string, string>; payload: string } => {
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  if (typeof out.body === 'string') {
    headers['Content-Type'] ??= 'text/plain; charset=utf-8';
    return { headers, payload: out.body };
  }
  headers['Content-Type'] ??= 'application/json';
  return { headers, payload: JSON.stringify(out.body ?? null) };
};

const startHttpServer = async (options: HttpServerOptions): Promise<RunningServer> => {
  const max = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const server = createServer((req, res) => {
    const send = (out: CeResponse): void => {
      const { headers, payload } = writeBody(out);
      res.writeHead(out.statusCode, headers).end(payload);
    };
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => {
      if (size > max) {
        send({ statusCode: 413, body: { outcome: 'refused', reason: `body over ${max} bytes` } });
        return;
      }
      options
        .handle({
          method: req.method ?? 'GET',
          path: q >= 0 ? raw.slice(0, q) : raw,
          query: q >= 0 ? raw.slice(q + 1) : '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        })
        .then(send, (err: unknown) => {
          if (!res.headersSent) send(options.onError(err));
        });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
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

export type { HttpServerOptions, RunningServer };
export { startHttpServer };
