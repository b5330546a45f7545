// What a bulk run counts while it streams (never the records themselves: memory must not grow with the
// account), what it reports at the end, and the exit code that summary maps to.
import type { DecisionRecord, Outcome } from '#shared/audit/decision.ts';
import type { LaneReport } from './lanes.ts';
import type { Reconciled } from './reconcile.ts';

/** What `--include` names, and the resource kind each stands for in records (`detail.kind`). */
const KINDS = {
  instances: 'instance',
  templates: 'instance-template',
  profiles: 'profile',
  /** One VPC's network posture (findings only, one ticket per VPC: functions/network). */
  network: 'vpc-network',
} as const;

type Include = keyof typeof KINDS;
type Kind = (typeof KINDS)[Include];

const INCLUDES = Object.keys(KINDS) as Include[];

/** One listing (a region's instances or templates, or the account's profiles). */
interface ListingState {
  /** Resources seen in the listing (all shards'). */
  listed: number;
  /** Of those, decided by this shard. */
  owned: number;
  pages: number;
  /** `total_count` IBM reported, when it does. */
  total?: number;
  /** Every page was fetched. */
  listing_finished: boolean;
  /** Every page was fetched and every owned resource decided. */
  complete: boolean;
  /** Owned resources not decided because the time limit came first. */
  not_reached: number;
  /** Where to continue: the page token of the first page not fully decided (null = the start). */
  resume_from?: string | null;
  error?: string;
}

/** What is left for another run: the `resume` input of the sweep (and `--resume` of scan). */
interface Resume {
  /** Region → page token to continue from (null = from the first page). */
  instances?: Record<string, string | null>;
  /** Regions whose templates were not decided. */
  templates?: string[];
  /** Profiles page token to continue from (null = from the first page). */
  profiles?: string | null;
  /** Regions whose VPCs' network posture was not decided. */
  network?: string[];
  /** Many accounts (IMDS_GUARD_ACCOUNTS): each unfinished account's own resume ({} = the whole account). */
  accounts?: Record<string, Resume>;
}

interface RegionListings {
  instances?: ListingState;
  /** Instance listings by VPC id, when the run lists a region VPC by VPC. */
  vpcs?: Record<string, ListingState>;
  templates?: ListingState;
  /** The region's VPCs that hold instances (network posture). */
  network?: ListingState;
}

/** One account of a run over many accounts: how it was reached, and its listings. */
interface AccountSummary {
  name?: string;
  via: 'own' | 'apikey' | 'assume';
  complete: boolean;
  /** Why the account could not be acted in at all (its credentials). */
  error?: string;
  regions?: Record<string, RegionListings>;
  profiles?: ListingState;
}

interface ChangeCounts {
  /** Changes found but not made (plan, dry run, or held back by --max-changes). */
  planned: number;
  /** Changes made (remediated, ticket opened/updated/resolved). */
  applied: number;
}

interface ScanSummary {
  fn: 'scan' | 'sweep';
  run_id: string;
  mode: 'plan' | 'apply';
  dry_run: boolean;
  shard?: string;
  started_at: string;
  elapsed_ms: number;
  decided: number;
  outcomes: Partial<Record<Outcome, number>>;
  kinds: Partial<Record<Kind, Partial<Record<Outcome, number>>>>;
  changes: ChangeCounts;
  failures: number;
  /** Every listing finished and every owned resource was decided. */
  complete: boolean;
  /** Listings per region: the region's instances (or, sharded by VPC, each VPC's) and templates. */
  regions: Record<string, RegionListings>;
  profiles?: ListingState;
  /** What this run did not reach (only when incomplete). */
  resume?: Resume;
  lanes: LaneReport[];
  api_calls: number;
  /** Set when --max-changes refused the apply: nothing was changed. */
  refused?: { max_changes: number; planned_changes: number; plan_complete: boolean };
  /** Set when a signal stopped the run (SIGTERM, SIGINT): in-flight work finished or was journaled. */
  interrupted?: string;
  /** Intents of interrupted runs read again and recorded before this run (scan only). */
  reconciled?: Reconciled;
  /** Many accounts: each account's listings (`regions` above is then empty). */
  accounts?: Record<string, AccountSummary>;
}

/** An audit finding is reported as planned but is never acted on, so it is not a change. */
const isAuditOnly = (r: Pick<DecisionRecord, 'detail'>): boolean => r.detail?.mode === 'audit';

const APPLIED: ReadonlySet<Outcome> = new Set([
  'remediated',
  'ticket_opened',
  'ticket_updated',
  'ticket_resolved',
]);

/** planned-change / applied-change / neither, from a record's outcome. */
const changeOf = (r: Pick<DecisionRecord, 'outcome' | 'detail'>): 'planned' | 'applied' | undefined => {
  if (r.outcome === 'planned') return isAuditOnly(r) ? undefined : 'planned';
  return APPLIED.has(r.outcome) ? 'applied' : undefined;
};

/** Exit codes of `imds-guard scan` (and the job); documented in --help and docs/scan.md. */
const EXIT = {
  /** Nothing to do, or everything applied. */
  ok: 0,
  /** Some resources (or a listing) failed. */
  failures: 1,
  /** Bad arguments or configuration: nothing was read. */
  usage: 2,
  /** Changes found and not applied (a plan, a dry-run policy, or held back by --max-changes). */
  changes: 3,
  /** --apply refused: the plan has more changes than --max-changes; nothing was changed. */
  refused: 4,
  /** Stopped at the time limit before every resource was decided (see `resume`). */
  incomplete: 5,
} as const;

/** Most significant first: a refusal, then failures, then unfinished work, then pending changes. */
const exitCodeFor = (s: Pick<ScanSummary, 'refused' | 'failures' | 'complete' | 'changes'>): number => {
  if (s.refused) return EXIT.refused;
  if (s.failures > 0) return EXIT.failures;
  if (!s.complete) return EXIT.incomplete;
  if (s.changes.planned > 0) return EXIT.changes;
  return EXIT.ok;
};

const newListing = (): ListingState => ({
  listed: 0,
  owned: 0,
  pages: 0,
  listing_finished: false,
  complete: false,
  not_reached: 0,
});

/** Live counters of one pass; `summary()` freezes them. */
const createStats = () => {
  const outcomes: Partial<Record<Outcome, number>> = {};
  const kinds: Partial<Record<Kind, Partial<Record<Outcome, number>>>> = {};
  const regions: ScanSummary['regions'] = {};
  const live = {
    decided: 0,
    planned: 0,
    applied: 0,
    failures: 0,
    notReached: 0,
    apiCalls: 0,
    listed: 0,
    owned: 0,
  };
  let profiles: ListingState | undefined;
  return {
    live,
    listing: (region: string, what: 'instances' | 'templates' | 'network', vpc?: string): ListingState => {
      const r = regions[region] ?? {};
      regions[region] = r;
      if (vpc !== undefined) {
        r.vpcs ??= {};
        r.vpcs[vpc] ??= newListing();
        return r.vpcs[vpc];
      }
      r[what] ??= newListing();
      return r[what];
    },
    profiles: (): ListingState => {
      profiles ??= newListing();
      return profiles;
    },
    /** A listing failure counts as a failure of the run (its resources were not decided). */
    listingFailed: (state: ListingState, error: string): void => {
      state.error = error;
      live.failures += 1;
    },
    record: (r: DecisionRecord, kind: Kind | 'listing'): void => {
      live.decided += kind === 'listing' ? 0 : 1;
      live.apiCalls += r.api_calls;
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      if (kind !== 'listing') {
        const k = kinds[kind] ?? {};
        kinds[kind] = k;
        k[r.outcome] = (k[r.outcome] ?? 0) + 1;
      }
      const change = changeOf(r);
      if (change === 'planned') live.planned += 1;
      if (change === 'applied') live.applied += 1;
      if (r.outcome === 'failed' && kind !== 'listing') live.failures += 1;
    },
    regions: () => regions,
    profileState: () => profiles,
    outcomes: () => outcomes,
    kinds: () => kinds,
  };
};

type Stats = ReturnType<typeof createStats>;

interface Unreached {
  /** Many accounts: the account of the listing. */
  account?: string;
  kind: Kind | 'account';
  /** Absent for profiles (IAM is global). */
  region?: string;
  /** The VPC, when instances are listed VPC by VPC. */
  vpc?: string;
  /** Owned resources listed but not decided. */
  not_reached: number;
  /** Every page was fetched (else pages after `resume_from` were never listed). */
  listing_finished: boolean;
  pages_listed: number;
  /** Where a next run continues (see `resume`). */
  resume_from: string | null;
  error?: string;
}

/** What a run did not reach, one entry per unfinished listing (the sweep reports it). */
const unreachedOf = (s: Pick<ScanSummary, 'regions' | 'profiles' | 'accounts'>): Unreached[] => {
  if (s.accounts)
    return Object.entries(s.accounts).flatMap(([account, a]): Unreached[] =>
      a.error !== undefined
        ? [accountUnreached(account, a.error)]
        : unreachedOf({ regions: a.regions ?? {}, profiles: a.profiles }).map((u) => ({ account, ...u })),
    );
  const entry = (kind: Kind, st: ListingState, region?: string, vpc?: string): Unreached => ({
    kind,
    ...(region !== undefined ? { region } : {}),
    ...(vpc !== undefined ? { vpc } : {}),
    not_reached: st.not_reached,
    listing_finished: st.listing_finished,
    pages_listed: st.pages,
    resume_from: st.resume_from ?? null,
    ...(st.error !== undefined ? { error: st.error } : {}),
  });
  const out: Unreached[] = [];
  for (const [region, r] of Object.entries(s.regions)) {
    if (r.instances && !r.instances.complete) out.push(entry('instance', r.instances, region));
    for (const [vpc, st] of Object.entries(r.vpcs ?? {}))
      if (!st.complete) out.push(entry('instance', st, region, vpc));
    if (r.templates && !r.templates.complete) out.push(entry('instance-template', r.templates, region));
    if (r.network && !r.network.complete) out.push(entry('vpc-network', r.network, region));
  }
  if (s.profiles && !s.profiles.complete) out.push(entry('profile', s.profiles));
  return out;
};

/** An account not acted in: everything of it is left. */
const accountUnreached = (account: string, error: string): Unreached => ({
  account,
  kind: 'account',
  not_reached: 0,
  listing_finished: false,
  pages_listed: 0,
  resume_from: null,
  error,
});

export type {
  AccountSummary,
  ChangeCounts,
  Include,
  Kind,
  ListingState,
  RegionListings,
  Resume,
  ScanSummary,
  Stats,
  Unreached,
};
export { changeOf, createStats, EXIT, exitCodeFor, INCLUDES, isAuditOnly, KINDS, unreachedOf };
