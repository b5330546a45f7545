import { type ChangeLog, type ChangeResult, loggedChanges } from '#shared/audit/intent.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import { loadCases, loadIdentity, loadTagging, type ServiceLoaders } from '#shared/cloud/service-loaders.ts';
import type { Instance, InstanceMetadataService } from '#shared/cloud/vpc.ts';
import { type CloudApiError, errorMessage } from '#shared/errors.ts';
import { type ActContext, actContext, readOr404 } from '#shared/runtime/acting.ts';
import type { Guarded, GuardRuntime } from '#shared/runtime/records.ts';
import { cloudCall } from '#shared/runtime/retry.ts';
import { type TagRead, tagTypesNeeded } from './decide.ts';

interface VpcRef {
  region: string;
  type: string;
  id: string;
  crn: string;
}

// Only the services instance-guard calls, so its bundle carries only those SDK modules: tags, and for
// the staged rollout and on_image_requires_metadata: ticket, the tickets (Case Management) and the trusted profiles' links (IAM Identity).
const SERVICES = {
  tagging: loadTagging,
  cases: loadCases,
  identity: loadIdentity,
} satisfies Partial<ServiceLoaders>;

/** The one acting context (shared/runtime/acting.ts) with instance-guard's services. */
const instanceContext = (rt: GuardRuntime, budgetMs?: number, account?: string): Promise<ActContext> =>
  actContext(rt, { services: SERVICES, ...(budgetMs !== undefined ? { budgetMs } : {}) }, account);

/** `crn:v1:bluemix:public:is:us-south-1:a/<acct>::instance:<id>` → region, resource type, id. */
const parseVpcCrn = (crn: string): VpcRef | undefined => {
  const c = parseCrn(crn);
  if (c?.service !== 'is' || !c.location) return undefined;
  return { region: c.region, type: c.type, id: c.id, crn };
};

const reasonText = (reasons: string[]): string => reasons.join('; ');

// ---- Reads ---------------------------------------------------------------------------------------

/** GET with the 404 of a just-created resource retried a few times (it may not be visible yet). */
const readFresh = async <T>(
  ctx: ActContext,
  get: () => Promise<{ result: T; headers: Record<string, string> }>,
  notFoundRetries: number,
): Promise<{ value: T; etag: string | undefined } | 'gone'> =>
  // Under 2 s in all: by the time an event arrives, a 404 nearly always means "deleted since"
  // (instance-group churn), and every event of a delivery shares the function's time limit.
  (await readOr404(ctx, get, notFoundRetries, { baseDelayMs: 200, maxDelayMs: 600 })) ?? 'gone';

/** Access/user tags, one Global Tagging call per type the policy uses; failures are reported, not thrown. */
const readTags = async (ctx: ActContext, crn: string): Promise<TagRead> => {
  const types = tagTypesNeeded(ctx.rt.policy);
  if (types.length === 0) return { ok: true, user: [], access: [] };
  try {
    const tagging = await ctx.clients.tagging();
    const read = async (tagType: 'access' | 'user'): Promise<string[]> => {
      // sdk-core already retries this GET on 429/5xx; another loop here doubled an outage's cost.
      const res = await cloudCall(
        tagging.listTags({ attachedTo: crn, tagType, providers: ['ghost'], limit: 1000 }),
      );
      return (res.result.items ?? []).map((i) => i.name ?? '').filter((n) => n !== '');
    };
    const [access, user] = await Promise.all([
      types.includes('access') ? read('access') : [],
      types.includes('user') ? read('user') : [],
    ]);
    return { ok: true, user, access };
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
};

// ---- Instances -----------------------------------------------------------------------------------

const sameMetadata = (a: InstanceMetadataService, b: Partial<InstanceMetadataService>): boolean =>
  (Object.keys(b) as (keyof InstanceMetadataService)[]).every((k) => a[k] === b[k]);

/** A failed change request: refused by IBM (4xx), or without a trustworthy answer (none, 5xx). */
const resultOfError = (e: CloudApiError): ChangeResult =>
  e.status === 0 || e.status >= 500 ? 'unknown' : 'not_applied';

/** Where intents and outcomes go: the caller's journal (bulk), else the function's log (events). */
const changeLogOf = (ctx: ActContext, changes: ChangeLog | undefined): ChangeLog =>
  changes ?? loggedChanges(ctx.rt.logger, { fn: ctx.rt.fn });

/** An instance read with the ETag a PATCH must match (none for a listed instance). */
type Read = { value: Instance; etag: string | undefined };

/**
 * The ticket sink, ticket texts and profile link lookup (./ticketing.ts, its own bundle file): loaded the
 * first time an instance or template needs them, so a plain remediation never parses them.
 */
const loadTicketing = () => import('./ticketing.ts');

export {
  changeLogOf,
  type Guarded,
  instanceContext,
  loadTicketing,
  parseVpcCrn,
  type Read,
  readFresh,
  readTags,
  reasonText,
  resultOfError,
  SERVICES,
  sameMetadata,
  type VpcRef,
};
