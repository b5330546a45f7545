// One POST to a receiver, over node:http so headers go out exactly as built (fetch would add a
// Content-Type to a body-only Kafka delivery). Never throws: failures come back as data.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

type PostResult =
  | { ok: true; status: number }
  | { ok: false; status: number; retryAfter: string | undefined; body: string }
  | { ok: false; error: string };

const BODY_SNIPPET = 300;

interface Poster {
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    opts: { timeoutMs: number; signal: AbortSignal },
  ): Promise<PostResult>;
  close(): void;
}

const createPoster = (): Poster => {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return {
    post: (url, headers, body, { timeoutMs, signal }) =>
      new Promise<PostResult>((resolve) => {
        const target = new URL(url);
        const secure = target.protocol === 'https:';
        const send = secure ? httpsRequest : httpRequest;
        const req = send(target, {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: secure ? agents.https : agents.http,
          signal,
          timeout: timeoutMs,
        });
        req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
        req.on('error', (err) => resolve({ ok: false, error: err.message }));
        req.on('response', (res) => {
          const status = res.statusCode ?? 0;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < BODY_SNIPPET) text += chunk;
          });
          res.on('error', (err) => resolve({ ok: false, error: err.message }));
          res.on('end', () => {
            if (status >= 200 && status < 300) resolve({ ok: true, status });
            else {
              const ra = res.headers['retry-after'];
              resolve({ ok: false, status, retryAfter: ra, body: text.slice(0, BODY_SNIPPET) });
            }
          });
        });
        req.end(body);
      }),
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
};

export type { Poster, PostResult };
export { createPoster };
