// A local webhook receiver: records every POST (headers and exact body), checks the signature like a
// real receiver would, and can be told to fail (status) or hang (never answer) for the next requests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookNotification } from '#shared/tickets/webhook.ts';
import { SIGNATURE_HEADER, verifySignature } from '#shared/tickets/webhook.ts';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  notification: WebhookNotification;
  signed: boolean;
  answered: number | 'hung';
}

type Mode = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'hang' };

const startReceiver = async (secret: string) => {
  const received: Received[] = [];
  let mode: Mode = { kind: 'ok' };
  const hung: ServerResponse[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = req.headers[SIGNATURE_HEADER.toLowerCase()];
      const signed = verifySignature(secret, body, typeof header === 'string' ? header : undefined);
      const answered =
        mode.kind === 'ok' ? (signed ? 204 : 401) : mode.kind === 'status' ? mode.status : 'hung';
      received.push({
        headers: req.headers,
        body,
        notification: JSON.parse(body) as WebhookNotification,
        signed,
        answered,
      });
      if (answered === 'hung') {
        hung.push(res);
        return;
      }
      res.writeHead(answered).end();
    });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/imds-guard`;
  return {
    url,
    received,
    /** Answer every following request with `status`, or never (`hang`), or normally (`ok`). */
    set: (next: Mode) => {
      mode = next;
    },
    close: async () => {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
};

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export type { Received, Receiver };
export { startReceiver };
