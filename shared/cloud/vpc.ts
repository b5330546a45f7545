// Thin typed VPC client on sdk-core's BaseService, mirroring the generated `ibm-vpc` SDK
// (facts §1.12): same paths, query keys, headers and response shape ({status, headers, result}).
// Each operation is a row of shared/cloud/vpc-operations.ts; `call` checks its parameters as the
// generated SDK does and sends it, on the lean path (transport.ts) or on sdk-core's pipeline.
import { randomUUID } from 'node:crypto';
import { BaseService, getQueryParam, type UserOptions, validateParams } from 'ibm-cloud-sdk-core';
import {
  type AttemptHooks,
  buildUrl,
  inOrder,
  knownAuthorization,
  leanHeaders,
  leanSend,
  leanTransportFits,
  type RetryConfig,
  signHeaders,
} from './transport.ts';
import {
  headersOf,
  VPC_OPERATIONS as OPS,
  type Operation,
  type OperationRequest,
  requestOf,
  userAgent,
} from './vpc-operations.ts';
import type {
  Decoding,
  Instance,
  InstanceCollection,
  InstanceGroup,
  InstanceGroupCollection,
  InstanceInitialization,
  InstanceMetadataServicePatch,
  InstancePrototype,
  InstanceTemplate,
  InstanceTemplateCollection,
  InstanceTemplatePrototype,
  ListInstancesParams,
  Region,
  RequestOptions,
  VpcResponse,
  Zone,
} from './vpc-types.ts';

interface VpcClientOptions extends UserOptions {
  /** API date version (`version=` on every call). */
  version?: string;
}

/** Deep merge that drops `undefined` (like the `extend(true, …)` the generated SDK uses). */
const merge = (...objs: (Record<string, unknown> | undefined)[]): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const obj of objs) {
    if (!obj) continue;
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const prev = out[k];
      out[k] =
        v !== null && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object'
          ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
          : v;
    }
  }
  return out;
};

/** The generated SDK's check: required parameters present, no unknown one (`validateParams`). */
const check = (params: Record<string, unknown>, required: string[], valid: string[]): void => {
  const err = validateParams(params, required, valid);
  if (err) throw err;
};

/** axios options handing a 2xx body's bytes to `decode`; an error body is parsed as axios parses it. */
const rawBody = (decode: (body: Buffer) => unknown) => ({
  responseType: 'arraybuffer',
  transformResponse: [
    (data: Buffer, _headers: unknown, status?: number): unknown => {
      if (status !== undefined && status >= 200 && status < 300) return decode(data);
      const text = data.toString('utf8').replace(/^\uFEFF/, '');
      try {
        return text ? JSON.parse(text) : text;
      } catch {
        return text;
      }
    },
  ],
});

type SendOptions = RequestOptions & Decoding<unknown>;

const NO_PARAMS: Record<string, unknown> = {};
const NO_OPTIONS: SendOptions = {};

class VpcClient extends BaseService {
  static override DEFAULT_SERVICE_URL = 'https://us-south.iaas.cloud.ibm.com/v1';
  static override DEFAULT_SERVICE_NAME = 'vpc';
  readonly version: string;
  readonly generation = 2;

  /** sdk-core's retry settings, for the lean path (shared/cloud/transport.ts). */
  private retry: RetryConfig | undefined;
  /** Every request takes the lean path (transport.ts): sdk-core's axios instance is never built. */
  readonly lean: boolean;
  private readonly beforeAttempt: (() => Promise<void> | void)[] = [];
  private readonly answerListeners: AttemptHooks['answered'][] = [];
  private readonly hooks: AttemptHooks = {
    before: () => inOrder(this.beforeAttempt),
    answered: (status, headers) => {
      for (const l of this.answerListeners) l(status, headers);
    },
  };

  constructor(options: VpcClientOptions) {
    super(options);
    this.version = options.version ?? '2026-03-24';
    this.lean = leanTransportFits(process.env, options as Record<string, unknown>);
    const o = options as { enableRetries?: boolean; maxRetries?: number; retryInterval?: number };
    if (o.enableRetries) this.setRetry({ maxRetries: o.maxRetries, maxRetryInterval: o.retryInterval });
  }

  private setRetry(options: {
    maxRetries?: number | undefined;
    maxRetryInterval?: number | undefined;
  }): void {
    this.retry = {
      maxRetries: options.maxRetries ?? 4,
      maxRetryDelayMs: (options.maxRetryInterval ?? 30) * 1000,
    };
  }

  override enableRetries(options?: { maxRetries?: number; maxRetryInterval?: number }): void {
    if (!this.lean) super.enableRetries(options);
    this.setRetry(options ?? {});
  }

  override disableRetries(): void {
    super.disableRetries();
    this.retry = undefined;
  }

  /**
   * Before every HTTP attempt of the lean path, retries included (awaited, in order): what axios
   * request interceptors do on sdk-core's pipeline (the call counter, a bulk lane's gate).
   */
  onAttempt(listener: () => Promise<void> | void): void {
    this.beforeAttempt.push(listener);
  }

  /** Every answer of the lean path, retried 429s included: what an axios response interceptor sees. */
  onAnswer(listener: AttemptHooks['answered']): void {
    this.answerListeners.push(listener);
  }

  private qs(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { version: this.version, generation: this.generation, ...extra };
  }

  /**
   * One row of an operation table (shared/cloud/vpc-operations.ts, vpc-network.ts): its parameters
   * checked as the generated SDK checks them (an operation without any takes none), then sent.
   */
  call<P, R>(
    op: Operation<P, R>,
    params: P | undefined,
    req: SendOptions = NO_OPTIONS,
  ): Promise<VpcResponse<R>> {
    const p = (params ?? NO_PARAMS) as Record<string, unknown>;
    if (op.valid.length) check(p, op.required, op.valid);
    return this.dispatch<R>(op.userAgent, requestOf(op, p), headersOf(op, p), req);
  }

  /** One IBM VPC operation that is in no table, by its id. */
  send<T>(
    operation: string,
    options: OperationRequest,
    headers: Record<string, string | undefined>,
    req: SendOptions = NO_OPTIONS,
  ): Promise<VpcResponse<T>> {
    return this.dispatch<T>(userAgent(operation), options, headers, req);
  }

  private dispatch<T>(
    agent: string,
    options: OperationRequest,
    headers: Record<string, string | undefined>,
    req: SendOptions,
  ): Promise<VpcResponse<T>> {
    const base = this.baseOptions as Record<string, unknown>;
    if (this.lean) return this.sendLean<T>(options, agent, headers, req);
    const sdkHeaders = { 'X-Request-Id': randomUUID(), 'User-Agent': agent };
    const allHeaders = merge(sdkHeaders, base.headers as Record<string, unknown>, headers, req.headers);
    const parameters = {
      options: { ...options, qs: this.qs(options.qs) },
      defaultOptions: merge(base, {
        headers: allHeaders,
        axiosOptions: { signal: req.signal, ...(req.decode ? rawBody(req.decode) : {}) },
      }),
    };
    return this.createRequest(parameters) as Promise<VpcResponse<T>>;
  }

  /** The same request without axios: sdk-core's authenticator signs it, node:http sends it. */
  private sendLean<T>(
    options: OperationRequest,
    agent: string,
    headers: Record<string, string | undefined>,
    req: SendOptions,
  ): Promise<VpcResponse<T>> {
    const base = this.baseOptions as UserOptions & { headers?: Record<string, string | undefined> };
    // Whatever goes wrong here is a rejection, as it was when this was an async function.
    try {
      if (!base.serviceUrl) throw new Error('The service URL is required');
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const all = leanHeaders(body !== undefined, agent, [base.headers, headers, req.headers]);
      const url = buildUrl(base.serviceUrl, options.url, options.path, this.qs(options.qs));
      const send = (signed: Record<string, string>): Promise<VpcResponse<T>> => {
        if (body !== undefined) signed['Content-Length'] = String(Buffer.byteLength(body));
        const tls = base.disableSslVerification !== true;
        const request = {
          method: options.method,
          url,
          headers: signed,
          body,
          signal: req.signal,
          decode: req.decode,
          rejectUnauthorized: tls,
        };
        return leanSend<T>(request, this.retry, this.hooks);
      };
      const auth = this.getAuthenticator();
      const known = knownAuthorization(auth);
      if (known === undefined) return signHeaders(auth, all).then(send);
      all.Authorization = known;
      return send(all);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  listRegions(req?: RequestOptions): Promise<VpcResponse<{ regions: Region[] }>> {
    return this.call(OPS.listRegions, undefined, req);
  }

  getRegion(params: { name: string }, req?: RequestOptions): Promise<VpcResponse<Region>> {
    return this.call(OPS.getRegion, params, req);
  }

  listRegionZones(
    params: { regionName: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<{ zones: Zone[] }>> {
    return this.call(OPS.listRegionZones, params, req);
  }

  getRegionZone(
    params: { regionName: string; name: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<Zone>> {
    return this.call(OPS.getRegionZone, params, req);
  }

  /** Filter names as the generated SDK spells them (query keys `vpc.crn`, `instance_group_membership…`). */
  listInstances<T = InstanceCollection>(
    params: ListInstancesParams = {},
    req?: RequestOptions & Decoding<T>,
  ): Promise<VpcResponse<T>> {
    return this.call(OPS.listInstances, params, req) as Promise<VpcResponse<unknown>> as Promise<
      VpcResponse<T>
    >;
  }

  /** POST /instances: `201` with the new instance (and its ETag). */
  createInstance(
    params: { instancePrototype: InstancePrototype },
    req?: RequestOptions,
  ): Promise<VpcResponse<Instance>> {
    return this.call(OPS.createInstance, params, req);
  }

  deleteInstance(params: { id: string; ifMatch?: string }, req?: RequestOptions): Promise<VpcResponse<void>> {
    return this.call(OPS.deleteInstance, params, req);
  }

  /** The response's `headers.etag` is what `updateInstance` takes as `ifMatch`. */
  getInstance(params: { id: string }, req?: RequestOptions): Promise<VpcResponse<Instance>> {
    return this.call(OPS.getInstance, params, req);
  }

  getInstanceInitialization(
    params: { id: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceInitialization>> {
    return this.call(OPS.getInstanceInitialization, params, req);
  }

  /** JSON merge-patch: only the keys sent change. sdk-core never retries PATCH (facts §2.4). */
  updateInstance(
    params: { id: string; metadataService?: InstanceMetadataServicePatch; name?: string; ifMatch?: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<Instance>> {
    return this.call(OPS.updateInstance, params, req);
  }

  /** Like the generated SDK, takes no paging parameters (facts §1.8). */
  listInstanceTemplates(req?: RequestOptions): Promise<VpcResponse<InstanceTemplateCollection>> {
    return this.call(OPS.listInstanceTemplates, undefined, req);
  }

  getInstanceTemplate(params: { id: string }, req?: RequestOptions): Promise<VpcResponse<InstanceTemplate>> {
    return this.call(OPS.getInstanceTemplate, params, req);
  }

  createInstanceTemplate(
    params: { instanceTemplatePrototype: InstanceTemplatePrototype },
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceTemplate>> {
    return this.call(OPS.createInstanceTemplate, params, req);
  }

  deleteInstanceTemplate(params: { id: string }, req?: RequestOptions): Promise<VpcResponse<void>> {
    return this.call(OPS.deleteInstanceTemplate, params, req);
  }

  /** Templates accept only `name` on PATCH (facts §1.8). */
  updateInstanceTemplate(
    params: { id: string; name?: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceTemplate>> {
    return this.call(OPS.updateInstanceTemplate, params, req);
  }

  listInstanceGroups(
    params: { start?: string; limit?: number } = {},
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceGroupCollection>> {
    return this.call(OPS.listInstanceGroups, params, req);
  }

  getInstanceGroup(params: { id: string }, req?: RequestOptions): Promise<VpcResponse<InstanceGroup>> {
    return this.call(OPS.getInstanceGroup, params, req);
  }

  updateInstanceGroup(
    params: { id: string; instanceTemplate?: { id: string }; name?: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceGroup>> {
    return this.call(OPS.updateInstanceGroup, params, req);
  }
}

/** Pages through `listInstances` by `next.href` (`start` is never passed on the first call). */
class InstancesPager {
  private start: string | undefined;
  private done = false;
  constructor(
    private readonly client: VpcClient,
    private readonly params: Omit<ListInstancesParams, 'start'> = {},
  ) {}

  hasNext(): boolean {
    return !this.done;
  }

  async getNext(req?: RequestOptions): Promise<Instance[]> {
    if (this.done) throw new Error('No more results available');
    const res = await this.client.listInstances(
      { ...this.params, ...(this.start ? { start: this.start } : {}) },
      req,
    );
    const next = res.result.next?.href;
    this.start = next ? getQueryParam(next, 'start') : undefined;
    if (!this.start) this.done = true;
    return res.result.instances;
  }

  async getAll(req?: RequestOptions): Promise<Instance[]> {
    const all: Instance[] = [];
    while (this.hasNext()) all.push(...(await this.getNext(req)));
    return all;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Instance[]> {
    while (this.hasNext()) yield await this.getNext();
  }
}

export type * from './vpc-types.ts';
export type { VpcClientOptions };
export { InstancesPager, VpcClient };
