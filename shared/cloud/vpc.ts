// Thin typed VPC client on sdk-core's BaseService, mirroring the generated `ibm-vpc` SDK
// (facts §1.12): same paths, query keys, headers and response shape ({status, headers, result}).
import { randomUUID } from 'node:crypto';
import { BaseService, getQueryParam, type UserOptions, validateParams } from 'ibm-cloud-sdk-core';
import {
  type AttemptHooks,
  buildUrl,
  inOrder,
  leanSend,
  leanTransportFits,
  type RetryConfig,
  signHeaders,
} from './transport.ts';

// ---- Wire types (the subset imds-guard reads; IBM may send more) ----------------------------------

type MetadataProtocol = 'http' | 'https';

interface InstanceMetadataService {
  enabled: boolean;
  protocol: MetadataProtocol;
  response_hop_limit: number;
}
type InstanceMetadataServicePatch = Partial<InstanceMetadataService>;

interface Reference {
  id: string;
  crn?: string;
  href?: string;
  name?: string;
}

interface Instance {
  id: string;
  crn: string;
  href: string;
  name: string;
  created_at: string;
  status: string;
  lifecycle_state?: string;
  metadata_service: InstanceMetadataService;
  vpc: Reference & { crn: string };
  zone: { name: string; href?: string };
  resource_group: { id: string; name: string; href?: string };
  profile?: { name: string; href?: string };
  image?: Reference;
  instance_group_membership?: { instance_group: Reference };
  /** Read by the network posture rules (flow log coverage by interface or subnet). */
  primary_network_interface?: { id: string; subnet: Reference };
  network_interfaces?: { id: string; subnet: Reference }[];
  [key: string]: unknown;
}

interface InstanceCollection {
  instances: Instance[];
  first: { href: string };
  next?: { href: string };
  limit: number;
  total_count: number;
}

interface InstanceInitialization {
  default_trusted_profile?: {
    auto_link: boolean;
    target: { id: string; crn: string; resource_type?: string };
  };
  [key: string]: unknown;
}

interface InstanceTemplate {
  id: string;
  crn: string;
  href: string;
  name: string;
  created_at: string;
  metadata_service?: InstanceMetadataService;
  resource_group: { id: string; name: string; href?: string };
  vpc?: Reference;
  zone?: { name: string };
  default_trusted_profile?: { auto_link?: boolean; target: { id?: string; crn?: string } };
  [key: string]: unknown;
}

interface InstanceTemplateCollection {
  templates: InstanceTemplate[];
  first?: { href: string };
  next?: { href: string };
  limit?: number;
  total_count?: number;
}

interface InstanceTemplatePrototype {
  name?: string;
  source_template?: { id: string } | { crn: string } | { href: string };
  metadata_service?: InstanceMetadataServicePatch;
  [key: string]: unknown;
}

interface InstanceGroup {
  id: string;
  crn: string;
  href: string;
  name: string;
  instance_template: Reference;
  membership_count: number;
  status: string;
  vpc: Reference;
  resource_group: { id: string; name: string };
  [key: string]: unknown;
}

interface InstanceGroupCollection {
  instance_groups: InstanceGroup[];
  first: { href: string };
  next?: { href: string };
  limit: number;
  total_count: number;
}

interface Region {
  name: string;
  endpoint: string;
  href: string;
  status: 'available' | 'unavailable';
}

interface Zone {
  name: string;
  href: string;
  region: { name: string; href: string };
  status: 'available' | 'impaired' | 'unavailable';
  [key: string]: unknown;
}

/** The subset of IBM's `InstancePrototype` imds-guard and its tests use; IBM accepts more. */
interface InstancePrototype {
  name?: string;
  zone?: { name: string };
  vpc?: { id: string } | { crn: string } | { href: string };
  image?: { id: string } | { crn: string } | { href: string };
  profile?: { name: string } | { href: string };
  resource_group?: { id: string };
  metadata_service?: InstanceMetadataServicePatch;
  default_trusted_profile?: { auto_link?: boolean; target: { id: string } | { crn: string } };
  source_template?: { id: string } | { crn: string } | { href: string };
  [key: string]: unknown;
}

interface VpcResponse<T> {
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  result: T;
}

// ---- Client --------------------------------------------------------------------------------------

interface VpcClientOptions extends UserOptions {
  /** API date version (`version=` on every call). */
  version?: string;
}

const SDK_NAME = 'imds-guard-vpc-sdk';

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

const check = (params: Record<string, unknown>, required: string[], valid: string[]): void => {
  const err = validateParams(params, required, valid);
  if (err) throw err;
};

interface ListInstancesParams {
  start?: string;
  limit?: number;
  resourceGroupId?: string;
  name?: string;
  vpcId?: string;
  vpcCrn?: string;
  vpcName?: string;
  instanceGroupMembershipInstanceGroupId?: string;
  instanceGroupMembershipInstanceGroupCrn?: string;
}

const LIST_INSTANCES_PARAMS = [
  'start',
  'limit',
  'resourceGroupId',
  'name',
  'vpcId',
  'vpcCrn',
  'vpcName',
  'instanceGroupMembershipInstanceGroupId',
  'instanceGroupMembershipInstanceGroupCrn',
] as const satisfies readonly (keyof ListInstancesParams)[];

interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A 2xx body's bytes go to `decode` instead of JSON.parse (a lister keeping a few fields of each item). */
interface Decoding<T> {
  decode?: (body: Buffer) => T;
}

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

class VpcClient extends BaseService {
  static override DEFAULT_SERVICE_URL = 'https://us-south.iaas.cloud.ibm.com/v1';
  static override DEFAULT_SERVICE_NAME = 'vpc';
  readonly version: string;
  readonly generation = 2;

  /** sdk-core's retry settings, for the lean path (shared/cloud/transport.ts). */
  private retry: RetryConfig | undefined;
  private readonly lean: boolean;
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
    super.enableRetries(options);
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

  /** One IBM VPC operation; shared/cloud/vpc-network.ts sends the network reads through it too. */
  send<T>(
    operation: string,
    options: {
      url: string;
      method: string;
      path?: Record<string, string>;
      qs?: Record<string, unknown>;
      body?: unknown;
    },
    headers: Record<string, string | undefined>,
    req: RequestOptions & Decoding<unknown> = {},
  ): Promise<VpcResponse<T>> {
    const sdkHeaders = {
      'X-Request-Id': randomUUID(),
      'User-Agent': `${SDK_NAME}/0.1.0 (lang=node.js; operation=${operation}; node.version=${process.version})`,
    };
    const base = this.baseOptions as Record<string, unknown>;
    const allHeaders = merge(sdkHeaders, base.headers as Record<string, unknown>, headers, req.headers);
    if (this.lean)
      return this.sendLean<T>(options, allHeaders as Record<string, string>, req.signal, req.decode);
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
  private async sendLean<T>(
    options: {
      url: string;
      method: string;
      path?: Record<string, string>;
      qs?: Record<string, unknown>;
      body?: unknown;
    },
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    decode?: (body: Buffer) => unknown,
  ): Promise<VpcResponse<T>> {
    const serviceUrl = (this.baseOptions as { serviceUrl?: string }).serviceUrl;
    if (!serviceUrl) throw new Error('The service URL is required');
    const signed = {
      headers: await signHeaders(this.getAuthenticator(), {
        Accept: 'application/json, text/plain, */*',
        'Accept-Encoding': 'gzip',
        ...headers,
      }),
    };
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined)
      signed.headers = {
        'Content-Type': 'application/json',
        ...signed.headers,
        'Content-Length': String(Buffer.byteLength(body)),
      };
    const request = {
      method: options.method,
      url: buildUrl(serviceUrl, options.url, options.path, this.qs(options.qs)),
      headers: signed.headers,
      body,
      signal,
      decode,
      rejectUnauthorized:
        (this.baseOptions as { disableSslVerification?: boolean }).disableSslVerification !== true,
    };
    return leanSend<T>(request, this.retry, this.hooks);
  }

  listRegions(req?: RequestOptions): Promise<VpcResponse<{ regions: Region[] }>> {
    return this.send('list_regions', { url: '/regions', method: 'GET' }, { Accept: 'application/json' }, req);
  }

  getRegion(params: { name: string }, req?: RequestOptions): Promise<VpcResponse<Region>> {
    check(params, ['name'], ['name']);
    return this.send(
      'get_region',
      { url: '/regions/{name}', method: 'GET', path: { name: params.name } },
      { Accept: 'application/json' },
      req,
    );
  }

  listRegionZones(
    params: { regionName: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<{ zones: Zone[] }>> {
    check(params, ['regionName'], ['regionName']);
    return this.send(
      'list_region_zones',
      { url: '/regions/{region_name}/zones', method: 'GET', path: { region_name: params.regionName } },
      { Accept: 'application/json' },
      req,
    );
  }

  getRegionZone(
    params: { regionName: string; name: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<Zone>> {
    check(params, ['regionName', 'name'], ['regionName', 'name']);
    return this.send(
      'get_region_zone',
      {
        url: '/regions/{region_name}/zones/{name}',
        method: 'GET',
        path: { region_name: params.regionName, name: params.name },
      },
      { Accept: 'application/json' },
      req,
    );
  }

  /** Filter names as the generated SDK spells them (query keys `vpc.crn`, `instance_group_membership…`). */
  listInstances<T = InstanceCollection>(
    params: ListInstancesParams = {},
    req?: RequestOptions & Decoding<T>,
  ): Promise<VpcResponse<T>> {
    check({ ...params }, [], [...LIST_INSTANCES_PARAMS]);
    return this.send(
      'list_instances',
      {
        url: '/instances',
        method: 'GET',
        qs: {
          start: params.start,
          limit: params.limit,
          'resource_group.id': params.resourceGroupId,
          name: params.name,
          'vpc.id': params.vpcId,
          'vpc.crn': params.vpcCrn,
          'vpc.name': params.vpcName,
          'instance_group_membership.instance_group.id': params.instanceGroupMembershipInstanceGroupId,
          'instance_group_membership.instance_group.crn': params.instanceGroupMembershipInstanceGroupCrn,
        },
      },
      { Accept: 'application/json' },
      req,
    );
  }

  /** POST /instances: `201` with the new instance (and its ETag). */
  createInstance(
    params: { instancePrototype: InstancePrototype },
    req?: RequestOptions,
  ): Promise<VpcResponse<Instance>> {
    check(params, ['instancePrototype'], ['instancePrototype']);
    return this.send(
      'create_instance',
      { url: '/instances', method: 'POST', body: params.instancePrototype },
      { Accept: 'application/json', 'Content-Type': 'application/json' },
      req,
    );
  }

  deleteInstance(params: { id: string; ifMatch?: string }, req?: RequestOptions): Promise<VpcResponse<void>> {
    check(params, ['id'], ['id', 'ifMatch']);
    return this.send(
      'delete_instance',
      { url: '/instances/{id}', method: 'DELETE', path: { id: params.id } },
      { 'If-Match': params.ifMatch },
      req,
    );
  }

  /** The response's `headers.etag` is what `updateInstance` takes as `ifMatch`. */
  getInstance(params: { id: string }, req?: RequestOptions): Promise<VpcResponse<Instance>> {
    check(params, ['id'], ['id']);
    return this.send(
      'get_instance',
      { url: '/instances/{id}', method: 'GET', path: { id: params.id } },
      { Accept: 'application/json' },
      req,
    );
  }

  getInstanceInitialization(
    params: { id: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceInitialization>> {
    check(params, ['id'], ['id']);
    return this.send(
      'get_instance_initialization',
      { url: '/instances/{id}/initialization', method: 'GET', path: { id: params.id } },
      { Accept: 'application/json' },
      req,
    );
  }

  /** JSON merge-patch: only the keys sent change. sdk-core never retries PATCH (facts §2.4). */
  updateInstance(
    params: { id: string; metadataService?: InstanceMetadataServicePatch; name?: string; ifMatch?: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<Instance>> {
    check(params, ['id'], ['id', 'metadataService', 'name', 'ifMatch']);
    return this.send(
      'update_instance',
      {
        url: '/instances/{id}',
        method: 'PATCH',
        path: { id: params.id },
        body: merge({ metadata_service: params.metadataService, name: params.name }),
      },
      {
        Accept: 'application/json',
        'Content-Type': 'application/merge-patch+json',
        'If-Match': params.ifMatch,
      },
      req,
    );
  }

  /** Like the generated SDK, takes no paging parameters (facts §1.8). */
  listInstanceTemplates(req?: RequestOptions): Promise<VpcResponse<InstanceTemplateCollection>> {
    return this.send(
      'list_instance_templates',
      { url: '/instance/templates', method: 'GET' },
      { Accept: 'application/json' },
      req,
    );
  }

  getInstanceTemplate(params: { id: string }, req?: RequestOptions): Promise<VpcResponse<InstanceTemplate>> {
    check(params, ['id'], ['id']);
    return this.send(
      'get_instance_template',
      { url: '/instance/templates/{id}', method: 'GET', path: { id: params.id } },
      { Accept: 'application/json' },
      req,
    );
  }

  createInstanceTemplate(
    params: { instanceTemplatePrototype: InstanceTemplatePrototype },
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceTemplate>> {
    check(params, ['instanceTemplatePrototype'], ['instanceTemplatePrototype']);
    return this.send(
      'create_instance_template',
      { url: '/instance/templates', method: 'POST', body: params.instanceTemplatePrototype },
      { Accept: 'application/json', 'Content-Type': 'application/json' },
      req,
    );
  }

  deleteInstanceTemplate(params: { id: string }, req?: RequestOptions): Promise<VpcResponse<void>> {
    check(params, ['id'], ['id']);
    return this.send(
      'delete_instance_template',
      { url: '/instance/templates/{id}', method: 'DELETE', path: { id: params.id } },
      {},
      req,
    );
  }

  /** Templates accept only `name` on PATCH (facts §1.8). */
  updateInstanceTemplate(
    params: { id: string; name?: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceTemplate>> {
    check(params, ['id'], ['id', 'name']);
    return this.send(
      'update_instance_template',
      {
        url: '/instance/templates/{id}',
        method: 'PATCH',
        path: { id: params.id },
        body: merge({ name: params.name }),
      },
      { Accept: 'application/json', 'Content-Type': 'application/merge-patch+json' },
      req,
    );
  }

  listInstanceGroups(
    params: { start?: string; limit?: number } = {},
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceGroupCollection>> {
    check(params, [], ['start', 'limit']);
    return this.send(
      'list_instance_groups',
      { url: '/instance_groups', method: 'GET', qs: { start: params.start, limit: params.limit } },
      { Accept: 'application/json' },
      req,
    );
  }

  getInstanceGroup(params: { id: string }, req?: RequestOptions): Promise<VpcResponse<InstanceGroup>> {
    check(params, ['id'], ['id']);
    return this.send(
      'get_instance_group',
      { url: '/instance_groups/{id}', method: 'GET', path: { id: params.id } },
      { Accept: 'application/json' },
      req,
    );
  }

  updateInstanceGroup(
    params: { id: string; instanceTemplate?: { id: string }; name?: string },
    req?: RequestOptions,
  ): Promise<VpcResponse<InstanceGroup>> {
    check(params, ['id'], ['id', 'instanceTemplate', 'name']);
    return this.send(
      'update_instance_group',
      {
        url: '/instance_groups/{id}',
        method: 'PATCH',
        path: { id: params.id },
        body: merge({ instance_template: params.instanceTemplate, name: params.name }),
      },
      { Accept: 'application/json', 'Content-Type': 'application/merge-patch+json' },
      req,
    );
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

export type {
  Instance,
  InstanceCollection,
  InstanceGroup,
  InstanceGroupCollection,
  InstanceInitialization,
  InstanceMetadataService,
  InstanceMetadataServicePatch,
  InstancePrototype,
  InstanceTemplate,
  InstanceTemplateCollection,
  InstanceTemplatePrototype,
  ListInstancesParams,
  MetadataProtocol,
  Region,
  RequestOptions,
  VpcClientOptions,
  VpcResponse,
  Zone,
};
export { InstancesPager, VpcClient };
