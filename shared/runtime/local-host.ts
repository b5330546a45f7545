// A local stand-in for Code Engine: `POST /functions/<name>` behaves like a function URL (the request
// becomes `params`, the function's `{statusCode, headers, body}` becomes the response), and
// `POST /app` accepts Kafka-subscription deliveries (CloudEvents binary) like the HTTP app.
import { type CeParams, type CeResponse, type HttpRequestLike, paramsFromHttp } from './ce-params.ts';
import { type RunningServer, startHttpServer } from './http-server.ts';

type FunctionMain = (params: CeParams) => Promise<CeResponse>;
type AppHandler = (req: HttpRequestLike) => Promise<CeResponse>;

interface LocalHostOptions {
  functions: Record<string, () => Promise<FunctionMain>>;
  app?: () => Promise<AppHandler>;
  /** Code Engine refuses bodies over 5 MB (413) before the function runs. */
  maxBodyBytes?: number;
}

const startLocalHost = async (options: LocalHostOptions, port = 0): Promise<RunningServer> =>
  startHttpServer({
    port,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    // A crash in a function is what Code Engine reports as 502.
    onError: (err) => ({ statusCode: 502, body: { error: 'function failed', name: (err as Error)?.name } }),
    handle: async (request) => {
      const fn = /^\/functions\/([\w-]+)\/?$/.exec(request.path)?.[1];
      if (fn !== undefined) {
        const load = options.functions[fn];
        if (!load) return { statusCode: 404, body: { error: `no function "${fn}"` } };
        return (await load())(paramsFromHttp({ ...request, path: '/' }));
      }
      if ((request.path === '/app' || request.path.startsWith('/app/')) && options.app) {
        return (await options.app())(request);
      }
      return { statusCode: 404, body: { error: `no route ${request.method} ${request.path}` } };
    },
  });

export type { AppHandler, FunctionMain, LocalHostOptions };
export { startLocalHost };
