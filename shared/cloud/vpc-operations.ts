// The VPC API as a table: per operation its IBM id, method, path template, path and query parameters,
// body and headers, as the generated `ibm-vpc` SDK sends them (facts §1.12). `VpcClient.call`
// (shared/cloud/vpc.ts) is the one method that checks a row's parameters and sends it; the network reads
// (vpc-network.ts) are rows of the same shape. What each row needs per call is computed here, at load.
import type {
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
  Zone,
} from './vpc-types.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Wire name → the generated SDK's parameter name. */
type Wire<P> = Readonly<Record<string, keyof P & string>>;

interface OperationSpec<P> {
  /** IBM's operation id, as the generated SDK names it in the User-Agent. */
  readonly id: string;
  readonly method: Method;
  /** Path template: its `{name}`s are filled from `path`. */
  readonly url: string;
  readonly path?: Wire<P>;
  /** Query keys (an undefined value is not sent; an array is joined by ","). */
  readonly query?: Wire<P>;
  /** The parameter sent whole as the JSON body (a prototype). */
  readonly body?: keyof P & string;
  /** A JSON merge-patch body: wire key → parameter, only those given (only the keys sent change). */
  readonly patch?: Wire<P>;
  /** Headers taken from parameters (`If-Match`); one not given is not sent. */
  readonly headerParams?: Wire<P>;
  /** Fixed headers (Accept, Content-Type). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Wire names and parameter names side by side, read by index. */
interface Pairs {
  readonly wire: readonly string[];
  readonly param: readonly string[];
}

/** One row, ready to send: everything but the parameters' values is fixed. */
interface Operation<P, R> {
  readonly id: string;
  readonly method: Method;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly userAgent: string;
  /** Path parameters, then the body parameter: the generated SDK's `requiredParams`. */
  readonly required: string[];
  /** Every parameter: the generated SDK's `validParams` (empty: the operation takes none). */
  readonly valid: string[];
  readonly path: Pairs | undefined;
  readonly query: Pairs | undefined;
  readonly body: string | undefined;
  readonly patch: Pairs | undefined;
  readonly headerParams: Pairs | undefined;
  /** Types only: what the operation takes and what it answers. */
  readonly types?: (params: P) => R;
}

/** Any row (what the builder and the table's check take). */
type AnyOperation = Operation<never, unknown>;

/** The operations that take no parameters. */
type NoParams = Record<never, never>;

/** What `VpcClient.send` takes: the URL template, its path values, the query, the body. */
interface OperationRequest {
  url: string;
  method: string;
  path?: Record<string, string> | undefined;
  qs?: Record<string, unknown> | undefined;
  body?: unknown;
}

type Params = Record<string, unknown>;

const SDK_NAME = 'imds-guard-vpc-sdk';

/** The generated SDK's User-Agent for one operation. */
const userAgent = (operation: string): string =>
  `${SDK_NAME}/0.1.0 (lang=node.js; operation=${operation}; node.version=${process.version})`;

const pairs = (wire: Readonly<Record<string, string>> | undefined): Pairs | undefined =>
  wire && { wire: Object.keys(wire), param: Object.values(wire) };

/** A row of the table: the spec, with its lists computed once. */
const operation = <P, R>(spec: OperationSpec<P>): Operation<P, R> => {
  const named = (w: Wire<P> | undefined): string[] => (w ? Object.values(w) : []);
  const body = spec.body === undefined ? [] : [spec.body];
  return {
    id: spec.id,
    method: spec.method,
    url: spec.url,
    headers: spec.headers,
    userAgent: userAgent(spec.id),
    required: [...named(spec.path), ...body],
    valid: [
      ...new Set([
        ...named(spec.path),
        ...named(spec.query),
        ...body,
        ...named(spec.patch),
        ...named(spec.headerParams),
      ]),
    ],
    path: pairs(spec.path),
    query: pairs(spec.query),
    body: spec.body,
    patch: pairs(spec.patch),
    headerParams: pairs(spec.headerParams),
  };
};

/** `out[wire] = p[param]` for each pair. */
const fill = <V>(out: Record<string, V>, pairs: Pairs, p: Params): Record<string, V> => {
  const { wire, param } = pairs;
  for (let i = 0; i < wire.length; i += 1) out[wire[i] as string] = p[param[i] as string] as V;
  return out;
};

/** A merge-patch body: the parameters given, by their wire names. */
const patchOf = (pairs: Pairs, p: Params): Params => {
  const out: Params = {};
  const { wire, param } = pairs;
  for (let i = 0; i < wire.length; i += 1) {
    const v = p[param[i] as string];
    if (v !== undefined) out[wire[i] as string] = v;
  }
  return out;
};

/** One operation's request from its (checked) parameters. */
const requestOf = (op: AnyOperation, p: Params): OperationRequest => ({
  url: op.url,
  method: op.method,
  path: op.path && fill<string>({}, op.path, p),
  qs: op.query && fill({}, op.query, p),
  body: op.body !== undefined ? p[op.body] : op.patch && patchOf(op.patch, p),
});

/**
 * The fixed headers, plus those taken from parameters (undefined ones are dropped when merged).
 * `Object.assign`, not a spread: V8 makes a spread copy slow to add a key to (µs, not ns).
 */
const headersOf = (op: AnyOperation, p: Params): Record<string, string | undefined> =>
  op.headerParams ? fill(Object.assign({}, op.headers), op.headerParams, p) : op.headers;

const ACCEPT_JSON = { Accept: 'application/json' };
const SEND_JSON = { Accept: 'application/json', 'Content-Type': 'application/json' };
const MERGE_PATCH = { Accept: 'application/json', 'Content-Type': 'application/merge-patch+json' };
const NO_HEADERS = {};

const get = <P, R>(
  id: string,
  url: string,
  spec: Omit<OperationSpec<P>, 'id' | 'method' | 'url' | 'headers'> = {},
) => operation<P, R>({ id, method: 'GET', url, headers: ACCEPT_JSON, ...spec });

/** The instance, template, instance group and region operations of `VpcClient`. */
const VPC_OPERATIONS = {
  listRegions: get<NoParams, { regions: Region[] }>('list_regions', '/regions'),
  getRegion: get<{ name: string }, Region>('get_region', '/regions/{name}', { path: { name: 'name' } }),
  listRegionZones: get<{ regionName: string }, { zones: Zone[] }>(
    'list_region_zones',
    '/regions/{region_name}/zones',
    { path: { region_name: 'regionName' } },
  ),
  getRegionZone: get<{ regionName: string; name: string }, Zone>(
    'get_region_zone',
    '/regions/{region_name}/zones/{name}',
    { path: { region_name: 'regionName', name: 'name' } },
  ),
  listInstances: get<ListInstancesParams, InstanceCollection>('list_instances', '/instances', {
    query: {
      start: 'start',
      limit: 'limit',
      'resource_group.id': 'resourceGroupId',
      name: 'name',
      'vpc.id': 'vpcId',
      'vpc.crn': 'vpcCrn',
      'vpc.name': 'vpcName',
      'instance_group_membership.instance_group.id': 'instanceGroupMembershipInstanceGroupId',
      'instance_group_membership.instance_group.crn': 'instanceGroupMembershipInstanceGroupCrn',
    },
  }),
  createInstance: operation<{ instancePrototype: InstancePrototype }, Instance>({
    id: 'create_instance',
    method: 'POST',
    url: '/instances',
    body: 'instancePrototype',
    headers: SEND_JSON,
  }),
  deleteInstance: operation<{ id: string; ifMatch?: string }, void>({
    id: 'delete_instance',
    method: 'DELETE',
    url: '/instances/{id}',
    path: { id: 'id' },
    headerParams: { 'If-Match': 'ifMatch' },
    headers: NO_HEADERS,
  }),
  getInstance: get<{ id: string }, Instance>('get_instance', '/instances/{id}', { path: { id: 'id' } }),
  getInstanceInitialization: get<{ id: string }, InstanceInitialization>(
    'get_instance_initialization',
    '/instances/{id}/initialization',
    { path: { id: 'id' } },
  ),
  updateInstance: operation<
    { id: string; metadataService?: InstanceMetadataServicePatch; name?: string; ifMatch?: string },
    Instance
  >({
    id: 'update_instance',
    method: 'PATCH',
    url: '/instances/{id}',
    path: { id: 'id' },
    patch: { metadata_service: 'metadataService', name: 'name' },
    headerParams: { 'If-Match': 'ifMatch' },
    headers: MERGE_PATCH,
  }),
  listInstanceTemplates: get<NoParams, InstanceTemplateCollection>(
    'list_instance_templates',
    '/instance/templates',
  ),
  getInstanceTemplate: get<{ id: string }, InstanceTemplate>(
    'get_instance_template',
    '/instance/templates/{id}',
    { path: { id: 'id' } },
  ),
  createInstanceTemplate: operation<
    { instanceTemplatePrototype: InstanceTemplatePrototype },
    InstanceTemplate
  >({
    id: 'create_instance_template',
    method: 'POST',
    url: '/instance/templates',
    body: 'instanceTemplatePrototype',
    headers: SEND_JSON,
  }),
  deleteInstanceTemplate: operation<{ id: string }, void>({
    id: 'delete_instance_template',
    method: 'DELETE',
    url: '/instance/templates/{id}',
    path: { id: 'id' },
    headers: NO_HEADERS,
  }),
  updateInstanceTemplate: operation<{ id: string; name?: string }, InstanceTemplate>({
    id: 'update_instance_template',
    method: 'PATCH',
    url: '/instance/templates/{id}',
    path: { id: 'id' },
    patch: { name: 'name' },
    headers: MERGE_PATCH,
  }),
  listInstanceGroups: get<{ start?: string; limit?: number }, InstanceGroupCollection>(
    'list_instance_groups',
    '/instance_groups',
    { query: { start: 'start', limit: 'limit' } },
  ),
  getInstanceGroup: get<{ id: string }, InstanceGroup>('get_instance_group', '/instance_groups/{id}', {
    path: { id: 'id' },
  }),
  updateInstanceGroup: operation<
    { id: string; instanceTemplate?: { id: string }; name?: string },
    InstanceGroup
  >({
    id: 'update_instance_group',
    method: 'PATCH',
    url: '/instance_groups/{id}',
    path: { id: 'id' },
    patch: { instance_template: 'instanceTemplate', name: 'name' },
    headers: MERGE_PATCH,
  }),
} satisfies Record<string, AnyOperation>;

export type { AnyOperation, NoParams, Operation, OperationRequest, OperationSpec };
export {
  ACCEPT_JSON,
  get,
  headersOf,
  NO_HEADERS,
  operation,
  requestOf,
  SEND_JSON,
  userAgent,
  VPC_OPERATIONS,
};
