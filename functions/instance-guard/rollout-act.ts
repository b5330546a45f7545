import { parseCrn } from '#shared/cloud/crn.ts';
import type { Instance } from '#shared/cloud/vpc.ts';
import type { ActContext } from '#shared/runtime/acting.ts';
import type { Guarded } from '#shared/runtime/records.ts';
import { TicketSinkError } from '#shared/tickets/types.ts';
import type { TicketResult } from '../profile-guard/lifecycle.ts';
import type { TriggerEvent } from '../profile-guard/ticket-subject.ts';
import { loadTicketing } from './act-common.ts';
import type { TagRead } from './decide.ts';
import {
  consumerSignals,
  decideRollout,
  type ImageDetail,
  imageSignals,
  linkSignals,
  minuteOf,
  needsFacts,
  needsLinks,
  type PlannedChange,
  type RolloutGate,
  usesNotices,
} from './rollout.ts';
import { RolloutStateError, type RolloutStore, rolloutStoreFor } from './rollout-state.ts';
import type { RolloutNotice } from './rollout-ticket.ts';

/** The result shape act.ts records. */
type Held = Guarded;

interface RolloutOptions {
  /** The event path: the per-minute change limit applies. */
  events?: boolean;
  /** The event that led here, for the ticket's texts. */
  trigger?: TriggerEvent;
  /** A bulk run decided on listed data: compliant instances are not looked up (one list call each). */
  bulk?: boolean;
}

/** What `hold` learnt, for `done`: the gate that let the change go, and what to add to the record. */
interface Pending {
  gate?: Extract<RolloutGate, { kind: 'go' }>;
  detail?: Record<string, unknown>;
}

interface JudgedLike {
  decision:
    | {
        kind: 'patch';
        patch: PlannedChange['patch'];
        desired: PlannedChange['desired'];
        rule: string;
        reasons: string[];
      }
    | { kind: 'compliant' | 'exempt' | 'audit'; reasons: string[] };
  detail: Record<string, unknown>;
}

const noticeOf = (
  ctx: ActContext,
  inst: Instance,
  region: string,
  kind: RolloutNotice['kind'],
  patch: PlannedChange['patch'],
  reasons: string[],
  resolution?: RolloutNotice['resolution'],
): RolloutNotice => ({
  account_id: parseCrn(inst.crn)?.account ?? ctx.self.account?.bss ?? '',
  instance: { id: inst.id, crn: inst.crn, name: inst.name, region },
  kind,
  patch,
  reasons,
  ...(resolution ? { resolution } : {}),
});

const ticket = async (ctx: ActContext, n: RolloutNotice, o: RolloutOptions): Promise<TicketResult> => {
  const { ticketFor, rolloutTicketable } = await loadTicketing();
  return ticketFor(ctx, rolloutTicketable(n), o.trigger ? { event: o.trigger } : {});
};

/** A sink or state failure: no change made; retryable ones give the event back. */
const failedHold = async (err: unknown, before: unknown, detail: Record<string, unknown>): Promise<Held> => {
  // Only the sink throws a TicketSinkError, so its module is loaded already when one is caught.
  if (err instanceof TicketSinkError)
    return {
      outcome: 'failed',
      reason: `rollout: ${(await loadTicketing()).sinkFailureReason(err)}; nothing changed`,
      before,
      after: before,
      detail,
      ...(err.retryable ? { retry: true } : {}),
    };
  if (err instanceof RolloutStateError)
    return {
      outcome: 'failed',
      reason: `${err.message}; nothing changed`,
      before,
      after: before,
      detail,
      retry: true,
    };
  throw err;
};

/**
 * Why the instance likely reads the metadata service: the consumer tag, its image's allowed use, and —
 * only for a disable at enforce with no other sign (the one case they change) — the trusted profiles
 * linked to it. `note` says when the links could not be read.
 */
const signalsOf = async (
  ctx: ActContext,
  inst: Instance,
  tags: TagRead,
  change: PlannedChange,
  image: ImageDetail | undefined,
): Promise<{ consumer: string[]; note?: string }> => {
  const { policy } = ctx.rt;
  const consumer = [...consumerSignals(policy, tags), ...imageSignals(image)];
  if (!needsLinks(policy, change, consumer)) return { consumer };
  const account = parseCrn(inst.crn)?.account ?? ctx.self.account?.bss ?? '';
  const read = await (await loadTicketing()).linkedProfiles(ctx, account, inst.crn);
  consumer.push(...linkSignals(policy, read));
  return read.ok ? { consumer } : { consumer, note: read.error };
};

/** One instance's rollout, shared by `hold` and `done`. */
interface Run {
  ctx: ActContext;
  region: string;
  tags: TagRead;
  o: RolloutOptions;
  store: RolloutStore;
  pending: Pending;
  /** This instance holds a per-minute change slot already. */
  slot: boolean;
}

/** An open notice on an instance that needs no change any more: resolve it and forget it. */
const closeIfOpen = async (run: Run, inst: Instance, resolution: 'exempt' | 'compliant'): Promise<void> => {
  const { ctx, store, o } = run;
  const { rt } = ctx;
  if (!usesNotices(rt.policy) || (resolution === 'compliant' && o.bulk)) return;
  const state = await store.read(inst.id);
  if (!state.notice) return;
  const t = await ticket(ctx, noticeOf(ctx, inst, run.region, 'done', {}, [], resolution), o);
  if (!rt.dryRun) await store.append(inst.id, 'closed', rt.now());
  run.pending.detail = {
    rollout: { notice_closed: resolution, noticed_at: state.notice.at },
    ticket: t.ticket,
  };
};

/** What every gate's result starts from. */
interface Base {
  before: Instance['metadata_service'];
  reason: string;
  detail: Record<string, unknown>;
  rollout: Record<string, unknown>;
  patch: PlannedChange['patch'];
}

/** Notice or cap: the instance's ticket says what is coming (or why it stopped); nothing changes yet. */
const ticketed = async (
  run: Run,
  inst: Instance,
  gate: Extract<RolloutGate, { kind: 'notice' | 'cap' }>,
  { before, reason, detail, rollout, patch }: Base,
): Promise<Held> => {
  const { ctx, store } = run;
  const { rt } = ctx;
  const t = await ticket(ctx, noticeOf(ctx, inst, run.region, gate.kind, patch, gate.reasons), run.o);
  // After the ticket: a notice is remembered only once the owner has been told.
  if (gate.kind === 'notice' && !rt.dryRun) await store.append(inst.id, 'notice', rt.now());
  const extra =
    gate.kind === 'notice' ? { due: gate.due, why: gate.why } : { count: gate.count, window: gate.window };
  return {
    outcome: t.outcome === 'ignored' ? 'planned' : t.outcome,
    reason: `${reason}; ${t.reason}`,
    before,
    after: before,
    detail: { ...detail, rollout: { ...rollout, ...extra }, ticket: t.ticket },
  };
};

/** Go: take a per-minute slot on the event path (none left: deferred), else let the change go. */
const go = async (
  run: Run,
  gate: Extract<RolloutGate, { kind: 'go' }>,
  { before, reason, detail, rollout }: Base,
): Promise<Held | undefined> => {
  const { rt } = run.ctx;
  const limit = rt.policy.instances.rollout.max_changes_per_minute;
  if (run.o.events && limit !== undefined && !run.slot && !rt.dryRun) {
    run.slot = await run.store.takeSlot(minuteOf(rt.now()), limit, rt.now());
    if (!run.slot)
      return {
        outcome: 'deferred',
        reason: `${reason}; deferred: ${limit} change(s) already made this minute (max_changes_per_minute); the event is delivered again later`,
        before,
        after: before,
        detail: { ...detail, rollout: { ...rollout, gate: 'deferred' } },
        retry: true,
      };
  }
  run.pending.gate = gate;
  run.pending.detail = { rollout };
  return undefined;
};

/** A change the policy wants: the rollout's gate says whether it goes now, waits, or only tells. */
const gated = async (
  run: Run,
  inst: Instance,
  j: JudgedLike & { decision: { kind: 'patch' } },
): Promise<Held | undefined> => {
  const { ctx, store } = run;
  const { policy } = ctx.rt;
  const before = inst.metadata_service;
  const { patch, desired, rule } = j.decision;
  const change: PlannedChange = { patch, desired, rule };
  const image = j.detail.image as ImageDetail | undefined;
  const { consumer, note } = await signalsOf(ctx, inst, run.tags, change, image);
  const facts = needsFacts(policy, change, consumer)
    ? { ...(await store.read(inst.id)), consumer }
    : { changes: [], consumer };
  const gate = decideRollout(policy, change, facts, ctx.rt.now());
  const rollout = {
    stage: gate.stage,
    gate: gate.kind,
    state: store.where,
    ...(consumer.length ? { consumer } : {}),
    ...(note ? { link_lookup_error: note } : {}),
  };
  const detail = { ...j.detail, patch, rollout };
  const reason = [...j.decision.reasons, ...gate.reasons].join('; ');
  const base: Base = { before, reason, detail, rollout, patch };
  switch (gate.kind) {
    case 'audit':
      return { outcome: 'planned', reason, before, after: before, detail: { ...detail, mode: 'audit' } };
    case 'wait':
      return {
        outcome: 'planned',
        reason,
        before,
        after: before,
        detail: { ...detail, rollout: { ...rollout, noticed_at: gate.noticed_at, due: gate.due } },
      };
    case 'notice':
    case 'cap':
      return ticketed(run, inst, gate, base);
    case 'go':
      return go(run, gate, base);
    default:
      return gate satisfies never;
  }
};

/** Before settling or patching: a result that replaces the change, or undefined to go on. */
const hold = async (run: Run, inst: Instance, j: JudgedLike): Promise<Held | undefined> => {
  try {
    if (j.decision.kind === 'exempt' || j.decision.kind === 'compliant') {
      await closeIfOpen(run, inst, j.decision.kind);
      return undefined;
    }
    if (j.decision.kind !== 'patch') return undefined;
    return await gated(run, inst, j as JudgedLike & { decision: { kind: 'patch' } });
  } catch (err) {
    return await failedHold(err, inst.metadata_service, j.detail);
  }
};

/** With the result: remember the change, close the notice it carried out, note it in the record. */
const done = async <G extends Held>(run: Run, inst: Instance, g: G): Promise<G> => {
  const { ctx, store, pending } = run;
  const { rt } = ctx;
  const extra: Record<string, unknown> = { ...pending.detail };
  if (g.outcome === 'remediated' && pending.gate && !rt.dryRun) {
    try {
      if (rt.policy.instances.rollout.change_cap) await store.append(inst.id, 'changed', rt.now());
      if (pending.gate.notice) {
        const t = await ticket(ctx, noticeOf(ctx, inst, run.region, 'done', {}, [], 'changed'), run.o);
        await store.append(inst.id, 'closed', rt.now());
        extra.ticket = t.ticket;
      }
    } catch (err) {
      // The change is made; the record says what could not be remembered (the next event tries again).
      extra.rollout_error = err instanceof Error ? err.message : String(err);
    }
  }
  if (Object.keys(extra).length === 0) return g;
  const detail = { ...g.detail, ...extra };
  const reasons = pending.gate?.reasons ?? [];
  return { ...g, reason: [g.reason, ...reasons].filter(Boolean).join('; '), detail };
};

/** The rollout around one instance: `hold` before each attempt, `done` with the result. */
const rolloutFor = (ctx: ActContext, region: string, tags: TagRead, o: RolloutOptions = {}) => {
  const run: Run = { ctx, region, tags, o, store: rolloutStoreFor(ctx.rt), pending: {}, slot: false };
  return {
    hold: (inst: Instance, j: JudgedLike) => hold(run, inst, j),
    done: <G extends Held>(inst: Instance, g: G) => done(run, inst, g),
  };
};

export type { RolloutOptions };
export { rolloutFor };
