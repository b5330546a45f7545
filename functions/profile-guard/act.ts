// profile-guard's I/O: which profiles an event is about, a fresh read of each, the assessment, the
// opt-in claim-rule fix, the ticket, and one decision record per profile. Loaded on demand (its own
// bundle file) so ignored events never pay for the SDK. `guardProfile` is also what the sweep and the
// demo call (`guardProfileById`): one code path.

import { dedupeKey } from '#events/dedupe.ts';
import type { DecisionRecord, Outcome } from '#shared/audit/decision.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import { ALL_SERVICES } from '#shared/cloud/service-loaders.ts';
import { type ActContext, actContext, actPerAccount, failureOf, mayActIn } from '#shared/runtime/acting.ts';
import { countCalls } from '#shared/runtime/call-counter.ts';
import type { Actionable, Decided, Guarded, GuardRuntime } from '#shared/runtime/records.ts';
import { cannotAuthenticate, recordFor } from '#shared/runtime/records.ts';
import { cloudCall } from '#shared/runtime/retry.ts';
import { assessProfile, type ProfileAssessment } from './decide.ts';
import { capSessions, type FixResult, withCaps } from './fix.ts';
import type { TicketDetail, TicketResult } from './lifecycle.ts';
import { tryTicketFor } from './sink.ts';
import { type ProfileRead, readProfile } from './snapshot.ts';
import { type ProfileTarget, resolveTargets, type Targets } from './targets.ts';
import { profileTicketable, type TriggerEvent } from './ticket-plan.ts';

const findingsDetail = (a: ProfileAssessment) =>
  a.findings.map((f) => ({ id: f.id, rule_id: f.rule_id, severity: f.severity }));

const fixDetail = (fix: FixResult): Record<string, unknown> | undefined => {
  switch (fix.kind) {
    case 'none':
      return undefined;
    case 'planned':
      return { fix: { status: 'planned', caps: fix.caps } };
    case 'applied':
      return {
        fix: { status: 'applied', caps: fix.caps, ...(fix.skipped.length ? { skipped: fix.skipped } : {}) },
      };
    case 'failed':
      return { fix: { status: 'failed', caps: fix.caps, reason: fix.reason } };
  }
};

const capsText = (caps: { id: string; from: number; to: number }[]): string =>
  caps.map((c) => `${c.id} ${c.from} s → ${c.to} s`).join(', ');

/** Combines the fix and the ticket into the one outcome the record carries. */
const combine = (fix: FixResult, ticket: TicketResult): Pick<Guarded, 'outcome' | 'reason' | 'level'> => {
  switch (fix.kind) {
    case 'none':
      return {
        outcome: ticket.outcome,
        reason: ticket.reason,
        ...(ticket.level ? { level: ticket.level } : {}),
      };
    case 'planned':
      return {
        outcome: 'planned',
        reason: `dry run: would cap session expiration (${capsText(fix.caps)}); ticket: ${ticket.reason}`,
      };
    case 'applied':
      return fix.caps.length > 0
        ? {
            outcome: 'remediated',
            reason: `capped session expiration (${capsText(fix.caps)}); ${ticket.reason}`,
          }
        : {
            outcome: ticket.outcome,
            reason: `${ticket.reason} (session caps no longer needed: ${fix.skipped.join('; ')})`,
          };
    case 'failed':
      return { outcome: ticket.outcome, reason: `${ticket.reason}; ${fix.reason}` };
  }
};

/** Resolve: a fresh read of the profile, in an account the guard may act in; else what to record. */
const resolveProfile = async (
  ctx: ActContext,
  target: ProfileTarget,
): Promise<{ kind: 'read'; read: ProfileRead } | { kind: 'stop'; guarded: Guarded }> => {
  const read = await readProfile(ctx, target.profileId, {
    notFoundRetries: target.fresh ? 4 : 0,
    ...(target.defaultFor ? { defaultFor: target.defaultFor } : {}),
  });
  if (read === 'gone')
    return {
      kind: 'stop',
      guarded: {
        outcome: 'gone',
        reason: `trusted profile ${target.profileId} not found (deleted, or never became visible)`,
        before: null,
        after: null,
        detail: { profile: { id: target.profileId }, via: target.via },
      },
    };
  const profile = read.snapshot.profile;
  const account = read.snapshot.account_id || parseCrn(profile.crn)?.account;
  if (!mayActIn(ctx, account))
    return {
      kind: 'stop',
      guarded: {
        outcome: 'refused',
        reason: `trusted profile ${profile.name} is in account ${account ?? '(unknown)'}, which the policy does not allow`,
        target_crn: profile.crn,
        before: null,
        after: null,
      },
    };
  return { kind: 'read', read };
};

/** What remains after the fix (or, in a dry run, would remain): the assessment the ticket reports. */
const remaining = (
  rt: GuardRuntime,
  read: ProfileRead,
  first: ProfileAssessment,
  fix: FixResult,
): ProfileAssessment => {
  const rulesAfter =
    fix.kind === 'applied' || fix.kind === 'failed'
      ? fix.rules
      : fix.kind === 'planned'
        ? withCaps(read.rules, fix.caps)
        : undefined;
  return rulesAfter
    ? assessProfile({ ...read.snapshot, rules: rulesAfter }, rt.policy.profiles, rt.now())
    : first;
};

/** What the act step works on: the read, the assessments before and after the fix, and the fix. */
interface Acted {
  target: ProfileTarget;
  read: ProfileRead;
  first: ProfileAssessment;
  a: ProfileAssessment;
  fix: FixResult;
}

/** The record's detail about the profile, its findings and the fix (the ticket is added to it). */
const profileDetail = (rt: GuardRuntime, { target, read, a, fix }: Acted) => ({
  profile: { id: read.snapshot.profile.id, name: read.snapshot.profile.name },
  via: target.via,
  findings: findingsDetail(a),
  severity: a.severity,
  key: a.key,
  marker: a.profile_marker,
  sink: rt.policy.profiles.ticket.sink,
  ...(a.exempt ? { exemption: a.exempt } : {}),
  ...(a.expired_exemption ? { expired_exemption: a.expired_exemption } : {}),
  ...(read.notes.length > 0 ? { notes: read.notes } : {}),
  ...fixDetail(fix),
});

/** The ticket on what remains after the fix, and the one result the record carries. */
const ticketProfile = async (ctx: ActContext, acted: Acted, event?: TriggerEvent): Promise<Guarded> => {
  const { rt } = ctx;
  const { read, first, a, fix } = acted;
  const profile = read.snapshot.profile;
  const baseDetail = profileDetail(rt, acted);
  const run = await tryTicketFor(ctx, profileTicketable(a), {
    ...(event ? { event } : {}),
    mapSeverity: true,
  });
  if (run.kind === 'sink-failed')
    // The fix (if any) is done and verified; a redelivery re-reads, finds it done, and tickets again.
    return {
      outcome: 'failed',
      reason: run.reason,
      target_crn: profile.crn,
      before: { findings: first.finding_ids },
      after: { findings: a.finding_ids },
      detail: { ...baseDetail, ticket: run.ticket },
      ...(run.retry ? { retry: true } : {}),
    };
  const { ticket } = run;
  const ticketDetail: TicketDetail = ticket.ticket;
  return {
    ...combine(fix, ticket),
    target_crn: profile.crn,
    before: {
      findings: first.finding_ids,
      ...(fix.kind === 'applied' ? { rules: fix.caps.map((c) => ({ id: c.id, expiration: c.from })) } : {}),
    },
    after: {
      findings: a.finding_ids,
      ticket: ticketDetail.id ?? null,
      ...(fix.kind === 'applied' ? { rules: fix.caps.map((c) => ({ id: c.id, expiration: c.to })) } : {}),
    },
    detail: { ...baseDetail, ticket: ticketDetail },
  };
};

/**
 * One profile: resolve (fresh read, allowed account) → decide (assess) → act (opt-in fix, then the
 * ticket on what remains). IBM or sink failures are thrown to the caller.
 */
const guardProfile = async (
  ctx: ActContext,
  target: ProfileTarget,
  event?: TriggerEvent,
): Promise<Guarded> => {
  const resolved = await resolveProfile(ctx, target);
  if (resolved.kind === 'stop') return resolved.guarded;
  const { read } = resolved;
  const first = assessProfile(read.snapshot, ctx.rt.policy.profiles, ctx.rt.now());
  const fix = await capSessions(ctx, first, read.rules);
  const a = remaining(ctx.rt, read, first, fix);
  return ticketProfile(ctx, { target, read, first, a, fix }, event);
};

/** profile-guard calls every service (identity, policies, groups, VPC, Case Management). */
const profileContext = (rt: GuardRuntime, account?: string): Promise<ActContext> =>
  actContext(rt, { services: ALL_SERVICES }, account);

const triggerOf = (item: Actionable): TriggerEvent => {
  const e = item.event;
  const time = item.parsed.eventTime?.toISOString() ?? e.eventTime ?? new Date(0).toISOString();
  return {
    action: item.action,
    time,
    ...(e.id ? { id: e.id } : {}),
    ...(e.initiator?.id || e.initiator?.name
      ? {
          initiator: {
            ...(e.initiator.id ? { id: e.initiator.id } : {}),
            ...(e.initiator.name ? { name: e.initiator.name } : {}),
          },
        }
      : {}),
  };
};

/** One event: token-based checks, the profiles it is about, and one decision record per profile. */
const handleEvent = async (ctx: ActContext, item: Actionable, started: number): Promise<Decided[]> => {
  const { rt } = ctx;
  const { parsed, event, target } = item;
  const decided = (g: Guarded, calls: number): Decided => {
    const record = recordFor(
      rt,
      parsed,
      {
        outcome: g.outcome,
        reason: g.reason,
        before: g.before,
        after: g.after,
        api_calls: calls,
        ...(g.target_crn ? { target_crn: g.target_crn } : {}),
        ...(g.level ? { level: g.level } : {}),
        detail: { ...g.detail, delivery_key: parsed.idempotencyKey },
      },
      started,
    );
    return { record, ...(g.retry ? { retry: true } : {}) };
  };
  const skip = (outcome: Outcome, reason: string): Decided[] => [
    decided({ outcome, reason, before: null, after: null }, 0),
  ];
  if (event.initiator?.id !== undefined && event.initiator.id === ctx.self.iam_id)
    return skip('ignored', `own change (initiator is the guard's own identity ${ctx.self.iam_id})`);
  // Template assignments come from the enterprise account; the profiles' account is checked per profile.
  const templateEvent = item.action.startsWith('iam-identity.profile-template.');
  if (!templateEvent && !mayActIn(ctx, target.account))
    return skip(
      'refused',
      `account ${target.account} is not one the guard may act in (policy accounts, else its own)`,
    );
  const resolved = await countCalls(async (): Promise<Targets | { kind: 'failed'; failed: Guarded }> => {
    try {
      return await resolveTargets(ctx, item);
    } catch (err) {
      return { kind: 'failed', failed: failureOf(err) };
    }
  });
  const targets = resolved.result;
  if (targets.kind === 'failed') {
    if (targets.failed.retry) rt.seen.release(dedupeKey(parsed));
    return [decided(targets.failed, resolved.tally.calls)];
  }
  if (targets.kind === 'none')
    return [
      decided(
        { outcome: targets.outcome, reason: targets.reason, before: null, after: null },
        resolved.tally.calls,
      ),
    ];
  const trigger = triggerOf(item);
  const out: Decided[] = [];
  let extraCalls = resolved.tally.calls;
  for (const target of targets.profiles) {
    const { result, tally } = await countCalls(async () => {
      try {
        return await guardProfile(ctx, target, trigger);
      } catch (err) {
        return { ...failureOf(err), detail: { profile: { id: target.profileId }, via: target.via } };
      }
    });
    // The calls that found the profiles count toward the first record.
    out.push(decided(result, tally.calls + extraCalls));
    extraCalls = 0;
  }
  // A redelivery must be processed again, so forget the id of anything that asks for one.
  if (out.some((d) => d.retry)) rt.seen.release(dedupeKey(parsed));
  return out;
};

/** Acts on the events that passed screening, one after another (order matters within a delivery). */
const actOnEvents = async (rt: GuardRuntime, items: Actionable[], started: number): Promise<Decided[]> =>
  (
    await actPerAccount(
      (account) => profileContext(rt, account),
      items,
      (ctx, item) => handleEvent(ctx, item, started),
      (failed, err) => [cannotAuthenticate(rt, failed, err, started)],
    )
  ).flat();

/**
 * Guards one profile outside any event (the demo, manual runs): same read, assessment, fix and ticket
 * as an event would cause, as a decision record.
 */
const guardProfileById = async (rt: GuardRuntime, profileId: string): Promise<DecisionRecord> => {
  const started = performance.now();
  const ctx = await profileContext(rt);
  const { result, tally } = await countCalls(async (): Promise<Guarded> => {
    try {
      return await guardProfile(ctx, { profileId, via: 'manual run' });
    } catch (err) {
      return failureOf(err);
    }
  });
  return recordFor(
    rt,
    undefined,
    {
      outcome: result.outcome,
      reason: result.reason,
      before: result.before,
      after: result.after,
      api_calls: tally.calls,
      ...(result.target_crn ? { target_crn: result.target_crn } : {}),
      ...(result.level ? { level: result.level } : {}),
      ...(result.detail ? { detail: result.detail } : {}),
    },
    started,
  );
};

/** The demo's way in: a profile by name in the guard's own account (`ops-automation` is the broad one). */
const guardProfileByName = async (rt: GuardRuntime, name: string): Promise<DecisionRecord | undefined> => {
  const ctx = await profileContext(rt);
  const accountId = ctx.self.account?.bss;
  if (!accountId) return undefined;
  const identity = await ctx.clients.identity();
  const res = await cloudCall(identity.listProfiles({ accountId, name }));
  const profile = res.result.profiles.find((p) => p.name === name);
  return profile ? guardProfileById(rt, profile.id) : undefined;
};

export type { Guarded };
export { actOnEvents, guardProfile, guardProfileById, guardProfileByName, profileContext };
