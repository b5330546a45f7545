// The app's HTTP server: `POST` any path with a delivery; `GET /healthz` for probes. Listens on
// Code Engine's PORT (8080 by default).
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';
import { type RunningServer, startHttpServer } from '#shared/runtime/http-server.ts';
import { createApp } from './index.ts';

const startAppServer = async (
  options: { port?: number; host?: string; overrides?: RuntimeOverrides } = {},
): Promise<RunningServer> => {
  const app = createApp(options.overrides);
  return startHttpServer({
    port: options.port ?? Number(process.env.PORT ?? 8080),
    host: options.host ?? '0.0.0.0',
    // Unexpected failure: ask for a redelivery rather than lose the record.
    onError: () => ({ statusCode: 503, body: { outcome: 'retry' } }),
    handle: async (req) =>
      req.method === 'GET' && req.path === '/healthz' ? { statusCode: 200, body: { ok: true } } : app(req),
  });
};

export { startAppServer };
