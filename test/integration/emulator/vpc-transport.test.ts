// Our VPC client's lean path (shared/cloud/transport.ts: sdk-core's authenticator, node:http instead of
// axios) against sdk-core's own pipeline, side by side: the same requests on the wire, the same answers,
// the same errors, the same retries (read from the emulator's journal). A client given an axios-only
// option (`timeout`) keeps sdk-core's pipeline, which is how the reference client is built here.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BearerTokenAuthenticator } from 'ibm-cloud-sdk-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { signHeaders } from '#shared/cloud/transport.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { countCalls, instrument } from '#shared/runtime/call-counter.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

const EDITOR = 'vpc-transport-editor-0001';
const SCENARIO = `
seed: vpc-transport
api_keys:
  - { name: editor, key: ${EDITOR}, roles: { is: [Editor] } }
regions:
  - name: us-south
    vpcs: [{ name: main-vpc }]
    images: [{ name: ubuntu }]
    instances:
      - { name: web-01, vpc: main-vpc, image: ubuntu, metadata_service: { enabled: true, protocol: http } }
      - { name: web-02, vpc: main-vpc, image: ubuntu, metadata_service: { enabled: true, protocol: http } }
`;

let emu: RunningEmulator;
let admin: ReturnType<typeof adminClient>;

type Path = 'lean' | 'sdk-core';
const PATHS: Path[] = ['lean', 'sdk-core'];

const client = (path: Path, opts: { serviceUrl?: string; token?: string } = {}): VpcClient =>
  new VpcClient({
    authenticator: opts.token
      ? new BearerTokenAuthenticator({ bearerToken: opts.token })
      : authFor(emu.url, EDITOR),
    serviceUrl: opts.serviceUrl ?? `${emu.url}/vpc/us-south/v1`,
    ...(path === 'sdk-core' ? { timeout: 0 } : {}),
  } as ConstructorParameters<typeof VpcClient>[0]);

const idOf = async (name: string): Promise<string> => {
  const found = (await client('sdk-core').listInstances({ name })).result.instances[0];
  if (!found) throw new Error(`no instance ${name}`);
  return found.id;
};

/** The rejection, with the fields sdk-core's formatError sets. */
const rejection = async (p: Promise<unknown>): Promise<Record<string, unknown>> => {
  const err = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  )) as Record<string, unknown> & Error;
  // IBM's trace id is fresh on every answer: compared as present, not by value.
  const { headers: _h, ...rest } = JSON.parse(
    JSON.stringify({ ...err }).replace(/(\\?"trace\\?":\\?")[0-9a-f-]+/g, '$1<trace>'),
  ) as Record<string, unknown>;
  return { ...rest, message: err.message, name: err.name, instanceOfError: err instanceof Error };
};

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
  admin = adminClient(emu.url);
});
afterAll(async () => {
  await emu.close();
});

describe('on the wire', () => {
  interface Seen {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  let server: Server;
  let seen: Seen[] = [];
  let url = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(200, { 'content-type': 'application/json', etag: 'W/"1"' }).end('{"id":"i"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const sendAll = async (c: VpcClient): Promise<Seen[]> => {
    seen = [];
    await c.getInstance({ id: 'a/b c' });
    await c.updateInstance({ id: 'i-1', metadataService: { protocol: 'https' }, ifMatch: 'W/"1"' });
    await c.listInstances({ vpcId: 'vpc-1', limit: 50 });
    await c.deleteInstance({ id: 'i-2' });
    await c.createInstance({ instancePrototype: { name: 'n', zone: { name: 'us-south-1' } } });
    return seen;
  };

  test('the lean path sends the requests sdk-core sends: method, URL, body and every header', async () => {
    // Prepare
    const opts = { serviceUrl: url, token: 'token-1' };

    // Act
    const lean = await sendAll(client('lean', opts));
    const sdk = await sendAll(client('sdk-core', opts));

    // Assess: the request id differs by design (a fresh UUID each); everything else is equal.
    const comparable = (s: Seen[]) =>
      s.map((r) => ({ ...r, headers: { ...r.headers, 'x-request-id': typeof r.headers['x-request-id'] } }));
    expect(comparable(lean)).toEqual(comparable(sdk));
    expect(lean[1]?.headers).toMatchObject({
      authorization: 'Bearer token-1',
      'content-type': 'application/merge-patch+json',
      'if-match': 'W/"1"',
      'accept-encoding': 'gzip',
    });
    expect(lean[0]?.url).toBe('/v1/instances/a%2Fb%20c?version=2026-03-24&generation=2');
  });
});

describe('signing', () => {
  const jwt = (claims: Record<string, number>): string =>
    ['{"alg":"none"}', JSON.stringify(claims), ''].map((p) => Buffer.from(p).toString('base64url')).join('.');
  const now = Math.floor(Date.now() / 1000);

  test('an IAM token: authenticate() runs once, later requests carry the same Authorization header', async () => {
    // Prepare: sdk-core's IAM authenticator against the emulator's token endpoint
    const auth = authFor(emu.url, EDITOR);
    const calls = vi.spyOn(auth, 'authenticate');
    const c = new VpcClient({ authenticator: auth, serviceUrl: `${emu.url}/vpc/us-south/v1` });
    const id = await idOf('web-01');

    // Act
    for (let i = 0; i < 3; i += 1) await c.getInstance({ id });
    const signed = await signHeaders(auth, { Accept: 'application/json' });

    // Assess: one authenticate(), and the header is what it sets
    expect(calls).toHaveBeenCalledTimes(1);
    const reference = { headers: { Accept: 'application/json' } };
    await auth.authenticate(reference);
    expect(signed).toEqual(reference.headers);
  });

  test.each([
    ['not a JWT', 'token-1'],
    ['a JWT past its refresh time (80 % of its life)', jwt({ iat: now - 800, exp: now + 200 })],
    ['a JWT without iat', jwt({ exp: now + 3600 })],
  ])('%s: authenticate() runs for every request', async (_, token) => {
    // Prepare
    const auth = new BearerTokenAuthenticator({ bearerToken: token });
    const calls = vi.spyOn(auth, 'authenticate');

    // Act
    const first = await signHeaders(auth, { Accept: 'application/json' });
    const second = await signHeaders(auth, { Accept: 'application/json', 'If-Match': 'W/"1"' });

    // Assess
    expect(calls).toHaveBeenCalledTimes(2);
    expect(first).toEqual({ Accept: 'application/json', Authorization: `Bearer ${token}` });
    expect(second).toEqual({
      Accept: 'application/json',
      'If-Match': 'W/"1"',
      Authorization: `Bearer ${token}`,
    });
  });

  test('a fresh JWT is reused until its refresh time; then authenticate() runs again', async () => {
    // Prepare: a token issued now for an hour (refresh time at 48 minutes)
    const auth = new BearerTokenAuthenticator({ bearerToken: jwt({ iat: now, exp: now + 3600 }) });
    const calls = vi.spyOn(auth, 'authenticate');
    await signHeaders(auth, {});

    // Act: the same token, and after the refresh time (a new token set on the authenticator)
    const again = await signHeaders(auth, { Accept: 'application/json' });
    const later = jwt({ iat: now, exp: now + 3600 });
    vi.useFakeTimers({ now: (now + 2900) * 1000, toFake: ['Date'] });
    try {
      auth.setBearerToken(`${later}x`);
      const refreshed = await signHeaders(auth, {});

      // Assess
      expect(calls).toHaveBeenCalledTimes(2);
      expect(refreshed).toEqual({ Authorization: `Bearer ${later}x` });
    } finally {
      vi.useRealTimers();
    }
    expect(again.Authorization).toMatch(/^Bearer /);
  });
});

describe('answers and errors', () => {
  test.each(PATHS)('%s: GET and PATCH answer {status, statusText, headers, result}', async (path) => {
    // Prepare
    const c = client(path);
    const id = await idOf('web-01');

    // Act
    const got = await c.getInstance({ id });
    const patched = await c.updateInstance({
      id,
      metadataService: { protocol: path === 'lean' ? 'https' : 'http' },
      ifMatch: got.headers.etag,
    });

    // Assess
    expect({ status: got.status, statusText: got.statusText, id: got.result.id }).toEqual({
      status: 200,
      statusText: 'OK',
      id,
    });
    expect(got.headers.etag).toMatch(/^W\//);
    expect(patched.status).toBe(200);
    expect(patched.headers['content-type']).toMatch(/^application\/json/);
  });

  test('404, 412 and 401 reject with the same error on both paths', async () => {
    // Prepare
    const id = await idOf('web-02');
    const cases = (path: Path) => [
      () => client(path).getInstance({ id: '0717_not-there' }),
      () => client(path).updateInstance({ id, metadataService: { enabled: true }, ifMatch: 'W/"stale"' }),
      () => client(path, { token: 'not-a-token' }).getInstance({ id }),
    ];

    // Act
    const errors: Record<Path, Record<string, unknown>[]> = { lean: [], 'sdk-core': [] };
    for (const path of PATHS) for (const call of cases(path)) errors[path].push(await rejection(call()));

    // Assess
    expect(errors.lean).toEqual(errors['sdk-core']);
    expect(errors.lean.map((e) => e.status)).toEqual([404, 412, 401]);
    expect(errors.lean[2]?.message).toBe('Access is denied due to invalid credentials.');
  });

  test('no answer at all: the same error on both paths', async () => {
    // Prepare: a port nobody listens on.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const serviceUrl = `http://127.0.0.1:${port}/v1`;

    // Act
    const [lean, sdk] = [
      await rejection(client('lean', { serviceUrl, token: 't' }).getInstance({ id: 'x' })),
      await rejection(client('sdk-core', { serviceUrl, token: 't' }).getInstance({ id: 'x' })),
    ];

    // Assess
    expect(lean).toEqual(sdk);
    expect(lean.statusText).toBe('ECONNREFUSED');
  });
});

describe('retries, from the journal', () => {
  const statuses = async (
    path: Path,
    call: (c: VpcClient, id: string) => Promise<unknown>,
    fault: Record<string, unknown>,
  ): Promise<{ statuses: number[]; ok: boolean; counted: number }> => {
    const id = await idOf('web-01');
    const c = instrument(client(path), 'vpc');
    c.enableRetries({ maxRetries: 2 });
    await admin.fault({ service: 'vpc', path: `/instances/${id}`, ...fault });
    const since = await admin.lastSeq();
    const { result: ok, tally } = await countCalls(() =>
      call(c, id).then(
        () => true,
        () => false,
      ),
    );
    await admin.clearFaults();
    const calls = await admin.journal({ since, path: `/instances/${id}` });
    return { statuses: calls.map((e) => e.status), ok, counted: tally.calls };
  };

  test('GET: 429 with Retry-After 1 once → retried, answered; counted twice', async () => {
    const get = (c: VpcClient, id: string) => c.getInstance({ id });
    const fault = { method: 'GET', status: 429, retry_after: 1, count: 1 };
    const [lean, sdk] = [await statuses('lean', get, fault), await statuses('sdk-core', get, fault)];
    expect(lean).toEqual(sdk);
    expect(lean).toEqual({ statuses: [429, 200], ok: true, counted: 2 });
  });

  test('GET: 503 without Retry-After that never stops → 1 + maxRetries (2) calls, then the error', async () => {
    const get = (c: VpcClient, id: string) => c.getInstance({ id });
    const fault = { method: 'GET', status: 503 };
    const [lean, sdk] = [await statuses('lean', get, fault), await statuses('sdk-core', get, fault)];
    expect(lean).toEqual(sdk);
    expect(lean).toEqual({ statuses: [503, 503, 503], ok: false, counted: 3 });
  });

  test('PATCH: 503 once → not retried (sdk-core never retries PATCH)', async () => {
    const patch = (c: VpcClient, id: string) => c.updateInstance({ id, metadataService: { enabled: true } });
    const fault = { method: 'PATCH', status: 503, retry_after: 1, count: 1 };
    const [lean, sdk] = [await statuses('lean', patch, fault), await statuses('sdk-core', patch, fault)];
    expect(lean).toEqual(sdk);
    expect(lean).toEqual({ statuses: [503], ok: false, counted: 1 });
  });

  test('GET: 501 is not retried', async () => {
    const get = (c: VpcClient, id: string) => c.getInstance({ id });
    const fault = { method: 'GET', status: 501, count: 1 };
    const [lean, sdk] = [await statuses('lean', get, fault), await statuses('sdk-core', get, fault)];
    expect(lean).toEqual(sdk);
    expect(lean).toEqual({ statuses: [501], ok: false, counted: 1 });
  });
});
