// The lean token request (shared/cloud/token-transport.ts) against sdk-core's own pipeline (axios):
// the same authenticator settings, a local server recording each request and answering as IAM or the
// metadata service would; both must send the same request and come back with the same token, and an
// IAM refusal must reach the caller in the same shape.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IamAssumeAuthenticator, IamAuthenticator, VpcInstanceAuthenticator } from 'ibm-cloud-sdk-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { leanTokenRequests } from '#shared/cloud/token-transport.ts';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const seen: Seen[] = [];
let refuse = false;
let server: Server;
let url: string;

// A JWT whose claims sdk-core's token manager reads (exp, iat); the signature is never checked.
const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const JWT = `${b64({ alg: 'none' })}.${b64({ iat: now, exp: now + 3600, sub: 'x' })}.sig`;

const answer = (req: IncomingMessage, body: string): { status: number; json: unknown } => {
  if (refuse)
    return {
      status: 400,
      json: { errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.' },
    };
  if (req.url?.startsWith('/instance_identity/v1/token'))
    return { status: 200, json: { access_token: 'cr-token' } };
  return {
    status: 200,
    json: {
      access_token: JWT,
      refresh_token: 'r',
      token_type: 'Bearer',
      expires_in: 3600,
      expiration: now + 3600,
      body,
    },
  };
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const { status, json } = answer(req, body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

/** The requests one authenticator's first authenticate() makes, and the Authorization it sets. */
const requestsOf = async (
  make: () => { authenticate(o: { headers?: Record<string, string> }): Promise<void> },
) => {
  seen.length = 0;
  const options: { headers: Record<string, string> } = { headers: {} };
  await make().authenticate(options);
  // Connection handling differs by client (axios keeps the socket alive); not part of the request.
  const requests = seen.map(({ headers: { connection: _c, ...headers }, ...r }) => ({ ...r, headers }));
  return { requests, authorization: options.headers.Authorization };
};

const CASES = {
  'IAM API key': (o: object) => new IamAuthenticator({ apikey: 'k', url, ...o }),
  'IAM API key, client id and scope': (o: object) =>
    new IamAuthenticator({
      apikey: 'k',
      url,
      clientId: 'bx',
      clientSecret: 'bx',
      scope: 's',
      headers: { 'X-A': '1' },
      ...o,
    }),
  'IAM assume (two token requests)': (o: object) =>
    new IamAssumeAuthenticator({ apikey: 'k', iamProfileId: 'Profile-1', url, ...o }),
  'VPC instance metadata (PUT JSON, then POST with a query)': (o: object) =>
    new VpcInstanceAuthenticator({ url, iamProfileCrn: 'crn:v1:p', ...o }),
} as const;

/** Makes sdk-core's own pipeline fail loudly, so a lean result cannot have come from axios. */
const withoutAxios = <A>(auth: A): A => {
  type Wrapper = { axiosInstance: unknown };
  const tm = (
    auth as {
      tokenManager: { requestWrapperInstance: Wrapper; iamDelegate?: { requestWrapperInstance: Wrapper } };
    }
  ).tokenManager;
  for (const w of [tm.requestWrapperInstance, tm.iamDelegate?.requestWrapperInstance])
    if (w)
      w.axiosInstance = () => {
        throw new Error('sent through axios');
      };
  return auth;
};

describe.each(Object.entries(CASES))('%s', (_name, make) => {
  test('sends what sdk-core sends and gets the same token', async () => {
    const sdk = await requestsOf(() => make({}));
    const lean = await requestsOf(() => withoutAxios(leanTokenRequests(make({}), {})));
    expect(sdk.requests.length).toBeGreaterThan(0);
    expect(lean).toEqual(sdk);
  });
});

test('an IAM refusal reaches the caller in sdk-core shape', async () => {
  refuse = true;
  try {
    const failure = async (auth: IamAuthenticator): Promise<Record<string, unknown> | undefined> =>
      auth.authenticate({ headers: {} }).then(
        () => undefined,
        (e: Record<string, unknown>) => ({ ...e, message: e.message, stack: undefined }),
      );
    const sdk = await failure(new IamAuthenticator({ apikey: 'k', url }));
    const lean = await failure(
      withoutAxios(leanTokenRequests(new IamAuthenticator({ apikey: 'k', url }), {})),
    );
    expect(sdk).toMatchObject({ status: 400, message: 'Provided API key could not be found.' });
    // Header values are strings on both paths; axios's AxiosHeaders object is compared as plain.
    expect({ ...lean, headers: { ...(lean?.headers as object) } }).toEqual({
      ...sdk,
      headers: { ...(sdk?.headers as object) },
    });
  } finally {
    refuse = false;
  }
});

test("an axios-only option keeps sdk-core's pipeline", async () => {
  const auth = new IamAuthenticator({ apikey: 'k', url });
  const wrapper = (auth as unknown as { tokenManager: { requestWrapperInstance: { sendRequest: unknown } } })
    .tokenManager.requestWrapperInstance;
  const before = wrapper.sendRequest;
  leanTokenRequests(auth, { proxy: { host: 'p' } });
  expect(wrapper.sendRequest).toBe(before);
});
