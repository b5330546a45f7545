// The staged rollout's pure parts: the stage of a scope, the gate's answers (audit, notice, wait, go,
// cap), the consumer tag, the duration grammar (a bad grace period fails the policy), and the state fold.
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import type { TagRead } from '#functions/instance-guard/decide.ts';
import {
  consumerSignals,
  decideRollout,
  imageSignals,
  linkSignals,
  minuteOf,
  needsFacts,
  needsLinks,
  type PlannedChange,
  stageOf,
  usesNotices,
} from '#functions/instance-guard/rollout.ts';
import { fold, memoryRollout } from '#functions/instance-guard/rollout-state.ts';
import { rolloutMarker, rolloutTicketable } from '#functions/instance-guard/rollout-ticket.ts';
import { parseDuration } from '#shared/policy/rollout.ts';
import { Policy, type PolicyInput } from '#shared/policy/schema.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const at = (offsetMs: number): string => new Date(NOW.getTime() + offsetMs).toISOString();
const policy = (raw: PolicyInput = {}): Policy => v.parse(Policy, raw);
const DISABLE: PlannedChange = { patch: { enabled: false }, desired: { mode: 'disable' }, rule: 'default' };
const SECURE: PlannedChange = {
  patch: { protocol: 'https' },
  desired: { mode: 'secure', hop_limit: 1 },
  rule: 'default',
};
const tags = (user: string[] = [], access: string[] = []): TagRead => ({ ok: true, user, access });
const none = { changes: [], consumer: [] };

describe('policy shape', () => {
  test('defaults: stage enforce, grace 7d, no cap, no limit — existing policies behave as before', () => {
    expect(policy().instances.rollout).toEqual({ stage: 'enforce', grace_period: '7d' });
  });

  test.each([
    ['7d', 7 * DAY],
    ['12h', 12 * 3_600_000],
    ['1d12h', 36 * 3_600_000],
    ['90m', 90 * 60_000],
    ['2w', 14 * DAY],
    ['30s', 30_000],
  ])('duration %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '7', 'd7', '7 days', '1.5d', '0s', '-1d', '7D x'])('duration %j does not parse', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  test('a grace period that does not parse fails the policy with one clear message', () => {
    const r = v.safeParse(Policy, { instances: { rollout: { stage: 'notify', grace_period: 'a week' } } });
    expect(r.success).toBe(false);
    const messages = (r.issues ?? []).map((i) => i.message);
    expect(messages).toEqual([expect.stringContaining('expected a duration such as "7d"')]);
  });

  test('unknown stage and unknown rollout option are refused', () => {
    const bad = v.safeParse(Policy, {
      instances: { rules: [{ name: 'web', mode: 'disable', stage: 'later' }] },
    });
    expect(bad.issues?.[0]?.message).toContain('stage must be one of audit, notify, enforce');
    const typo = v.safeParse(Policy, { instances: { rollout: { grace: '7d' } } });
    expect(typo.issues?.[0]?.message).toContain('unknown option');
  });
});

describe('stage of a scope', () => {
  const p = policy({
    instances: {
      rollout: { stage: 'audit' },
      rules: [
        { name: 'web', match: { names: 'web-*' }, mode: 'disable', stage: 'notify' },
        { name: 'db', match: { names: 'db-*' }, mode: 'disable' },
      ],
    },
  });
  test("a rule's stage wins; a rule without one and the default take the account's", () => {
    expect(stageOf(p, 'web')).toBe('notify');
    expect(stageOf(p, 'db')).toBe('audit');
    expect(stageOf(p, 'default')).toBe('audit');
    expect(usesNotices(p)).toBe(true);
    expect(usesNotices(policy())).toBe(false);
  });
});

describe('the gate', () => {
  const notify = policy({
    instances: { default: { mode: 'disable' }, rollout: { stage: 'notify', grace_period: '7d' } },
  });

  test('audit: reported only', () => {
    const g = decideRollout(policy({ instances: { rollout: { stage: 'audit' } } }), DISABLE, none, NOW);
    expect(g).toMatchObject({ kind: 'audit', stage: 'audit' });
    expect(needsFacts(policy({ instances: { rollout: { stage: 'audit' } } }), DISABLE, [])).toBe(false);
  });

  test('enforce without signs of use: go at once, and no state is read', () => {
    const p = policy();
    expect(decideRollout(p, DISABLE, none, NOW)).toEqual({ kind: 'go', stage: 'enforce', reasons: [] });
    expect(needsFacts(p, DISABLE, [])).toBe(false);
  });

  test('notify: first time → notice due after the grace period', () => {
    const g = decideRollout(notify, DISABLE, none, NOW);
    expect(g).toMatchObject({ kind: 'notice', why: 'stage', due: at(7 * DAY) });
    expect(g.reasons[0]).toContain('disable the metadata service after 7d');
  });

  test('notify: within the grace period → wait; at its end → go, carrying the notice', () => {
    const notice = { at: at(-7 * DAY + 1) };
    expect(decideRollout(notify, DISABLE, { ...none, notice }, NOW)).toMatchObject({
      kind: 'wait',
      noticed_at: notice.at,
      due: at(1),
    });
    const old = { at: at(-7 * DAY) };
    expect(decideRollout(notify, DISABLE, { ...none, notice: old }, NOW)).toMatchObject({
      kind: 'go',
      notice: old,
    });
  });

  test('notify applies to securing too', () => {
    expect(decideRollout(notify, SECURE, none, NOW).kind).toBe('notice');
  });

  test('enforce: a likely consumer is never disabled without notice, but may be secured at once', () => {
    const p = policy({ instances: { rollout: { consumer_tag: 'uses:imds' } } });
    const consumer = consumerSignals(p, tags(['uses:imds']));
    expect(consumer).toEqual(['it carries the consumer tag "uses:imds"']);
    expect(needsFacts(p, DISABLE, consumer)).toBe(true);
    expect(decideRollout(p, DISABLE, { changes: [], consumer }, NOW)).toMatchObject({
      kind: 'notice',
      why: 'consumer',
    });
    expect(decideRollout(p, SECURE, { changes: [], consumer }, NOW).kind).toBe('go');
    expect(needsFacts(p, SECURE, consumer)).toBe(false);
  });

  test('the consumer tag is read from access tags too; unreadable tags say nothing', () => {
    const p = policy({ instances: { rollout: { consumer_tag: 'uses:imds' } } });
    expect(consumerSignals(p, tags([], ['uses:imds']))).toHaveLength(1);
    expect(consumerSignals(p, { ok: false, error: 'tagging 503' })).toEqual([]);
    expect(consumerSignals(policy(), tags(['uses:imds']))).toEqual([]);
  });

  test('links are read only for a disable at stage enforce with no other sign of use', () => {
    const p = policy();
    expect(needsLinks(p, DISABLE, [])).toBe(true);
    expect(needsLinks(p, SECURE, [])).toBe(false);
    expect(needsLinks(p, DISABLE, ['it carries the consumer tag "x"'])).toBe(false);
    expect(needsLinks(policy({ instances: { rollout: { stage: 'notify' } } }), DISABLE, [])).toBe(false);
    expect(needsLinks(policy({ instances: { rollout: { stage: 'audit' } } }), DISABLE, [])).toBe(false);
  });

  test('linked profiles are signs of use; a failed read follows on_tag_lookup_failure', () => {
    const closed = policy();
    const open = policy({ instances: { on_tag_lookup_failure: 'fail-open' } });
    expect(linkSignals(closed, { ok: true, profiles: ['app', 'batch'] })).toEqual([
      'trusted profile "app", "batch" is linked to it as a compute resource',
    ]);
    expect(linkSignals(closed, { ok: true, profiles: [] })).toEqual([]);
    expect(linkSignals(closed, { ok: false, error: 'links 403' })).toEqual([]);
    expect(linkSignals(open, { ok: false, error: 'links 403' })).toEqual([
      'links 403; counted as in use (on_tag_lookup_failure: fail-open)',
    ]);
  });

  test('an image rule naming the metadata service that could not be evaluated is a sign of use', () => {
    const expr = 'metadata_service.enabled == true || vendor.licensed';
    expect(imageSignals({ name: 'v', allowed_use: { instance: expr }, allowed_use_unknown: 'x' })).toEqual([
      `its image "v" has an allowed use naming the metadata service (\`${expr}\`)`,
    ]);
    // Evaluated (the gate passed or fell back to secure), or about something else: no sign.
    expect(imageSignals({ name: 'v', allowed_use: { instance: expr } })).toEqual([]);
    expect(
      imageSignals({ name: 'v', allowed_use: { instance: 'gpu.count > 0' }, allowed_use_unknown: 'x' }),
    ).toEqual([]);
    expect(imageSignals(undefined)).toEqual([]);
  });

  test('change cap: N changes within the window → cap (ticket), older ones do not count', () => {
    const p = policy({ instances: { rollout: { change_cap: { changes: 2, window: '1d' } } } });
    const two = [at(-3_600_000), at(-60_000)];
    expect(decideRollout(p, DISABLE, { changes: two, consumer: [] }, NOW)).toMatchObject({
      kind: 'cap',
      count: 2,
      window: '1d',
    });
    const oneRecent = [at(-2 * DAY), at(-60_000)];
    expect(decideRollout(p, DISABLE, { changes: oneRecent, consumer: [] }, NOW).kind).toBe('go');
    expect(needsFacts(p, SECURE, [])).toBe(true);
  });

  test('minute names are UTC and stable within a minute', () => {
    expect(minuteOf(new Date('2026-06-01T10:20:59.999Z'))).toBe('2026-06-01T1020');
  });
});

describe('state', () => {
  test('fold: a notice stays open until closed; changes are kept in order', () => {
    const s = fold([
      { seq: 3, type: 'changed', at: NOW.getTime() },
      { seq: 1, type: 'notice', at: NOW.getTime() - DAY },
      { seq: 2, type: 'closed', at: NOW.getTime() - 1 },
      { seq: 4, type: 'notice', at: NOW.getTime() + 1 },
    ]);
    expect(s).toEqual({ seq: 4, notice: { at: at(1) }, changes: [NOW.toISOString()] });
  });

  test('memory store: a second notice keeps the first time; slots per minute', async () => {
    const m = memoryRollout();
    await m.append('i-1', 'notice', NOW);
    await m.append('i-1', 'notice', new Date(NOW.getTime() + DAY));
    expect((await m.read('i-1')).notice).toEqual({ at: NOW.toISOString() });
    await m.append('i-1', 'closed', NOW);
    expect((await m.read('i-1')).notice).toBeUndefined();
    const takes = [];
    for (let i = 0; i < 3; i += 1) takes.push(await m.takeSlot('2026-06-01T1020', 2, NOW));
    expect(takes).toEqual([true, true, false]);
    expect(await m.takeSlot('2026-06-01T1021', 2, NOW)).toBe(true);
  });
});

describe('ticket subject', () => {
  const n = {
    account_id: 'aa2432b1fa4d4ace891e9b80fc104e34',
    instance: { id: 'i-1', crn: 'crn:i-1', name: 'web-01', region: 'us-south' },
    kind: 'notice' as const,
    patch: { enabled: false },
    reasons: ['rollout stage notify (the account): …'],
  };
  test('one marker per instance; the key changes from notice to cap; done resolves', () => {
    const notice = rolloutTicketable(n);
    const cap = rolloutTicketable({ ...n, kind: 'cap' });
    const done = rolloutTicketable({ ...n, kind: 'done', resolution: 'exempt' });
    expect(notice.marker).toBe(rolloutMarker(n.account_id, 'i-1'));
    expect(notice.marker).toMatch(/^imdsg-r-[0-9a-f]{16}$/);
    expect(cap.marker).toBe(notice.marker);
    expect(cap.key).not.toBe(notice.key);
    expect(notice.finding_ids).toEqual(['notice-disable']);
    expect(done).toMatchObject({ compliant: true, finding_ids: [] });
    expect(notice.texts.render().text).toContain(`imds-guard-marker: ${notice.marker}`);
    expect(done.texts.resolve('compliant').text).toContain('exempt now');
  });
});
