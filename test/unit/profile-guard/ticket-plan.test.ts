import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assessProfile, type ProfileAssessment } from '#functions/profile-guard/decide.ts';
import { BREADTH_RULES } from '#functions/profile-guard/rules/index.ts';
import type { ProfileSnapshot } from '#functions/profile-guard/rules/types.ts';
import {
  parseTicketTags,
  planTicket,
  renderTicket,
  type TicketPlan,
  type TicketRef,
  type TriggerEvent,
} from '#functions/profile-guard/ticket-plan.ts';
import type { ProfilesPolicyInput } from '#shared/policy/profiles.ts';
import {
  ALL_SERVICES,
  claimRule,
  instance,
  instanceCrn,
  PROFILE_CRN,
  PROFILE_ID,
  policy,
  snapshot,
  thresholds,
  vsiLink,
} from './fixtures.ts';

const NOW = new Date('2026-09-01T12:00:00Z');
const VSI1 = instanceCrn(1);
const EVENT: TriggerEvent = {
  action: 'iam-identity.account-profile.update',
  time: '2026-09-01T11:02:07.55+0000',
  id: 'evt-1',
  initiator: { id: 'iam-ServiceId-52db3217-c5d3-40be-aca1-78309d852bbf', name: 'terraform-sa' },
};

const broad = (): ProfileSnapshot =>
  snapshot({
    policies: [policy({ id: 'p-admin', roles: ['Administrator'], resource: ALL_SERVICES })],
    rules: [claimRule('r-vpc', [['vpc_id', 'EQUALS', 'r006-vpc']])],
    links: [vsiLink('l-1', VSI1)],
    instances: [instance(VSI1, { name: 'web-1' })],
  });

const assess = (snap: ProfileSnapshot = broad(), policyInput: ProfilesPolicyInput = {}): ProfileAssessment =>
  assessProfile(snap, thresholds(policyInput), NOW);

const BROAD = assess();
/** The same profile after someone removed the loose claim rule. */
const NARROWER = assess({ ...broad(), rules: [] });
const COMPLIANT = assess(snapshot());
const EXEMPT = assess(broad(), {
  exempt_profiles: [
    { id: PROFILE_ID, expires: '2027-01-01T00:00:00Z', approver: 'ciso@example.com', ticket: 'SEC-42' },
  ],
});

const ref = (id: string, created_at: string, extra: Partial<TicketRef> = {}): TicketRef => ({
  id,
  created_at,
  status: 'open',
  key: BROAD.key,
  marker: BROAD.profile_marker,
  finding_ids: BROAD.finding_ids,
  ...extra,
});

const survivorOf = (plan: TicketPlan): string | undefined => {
  switch (plan.kind) {
    case 'close_duplicates':
      return plan.survivor_id;
    case 'comment':
    case 'resolve':
      return plan.ticket_id;
    case 'none':
      return plan.ticket_id;
    case 'open':
      return undefined;
  }
};

const permutations = <T>(items: T[]): T[][] =>
  items.length <= 1
    ? [items]
    : items.flatMap((item, i) =>
        permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [item, ...p]),
      );

describe('planTicket: one ticket per profile', () => {
  test.each([
    {
      name: 'no ticket yet, findings → open',
      assessment: BROAD,
      existing: [],
      expected: { kind: 'open', key: BROAD.key, marker: BROAD.profile_marker, severity: 'critical' },
    },
    {
      name: 'same findings already open → none',
      assessment: BROAD,
      existing: [ref('CS1', '2026-08-01T00:00:00Z')],
      expected: { kind: 'none', reason: 'unchanged', ticket_id: 'CS1' },
    },
    {
      name: 'findings changed → comment with what was added and removed',
      assessment: NARROWER,
      existing: [ref('CS1', '2026-08-01T00:00:00Z')],
      expected: {
        kind: 'comment',
        ticket_id: 'CS1',
        previous_key: BROAD.key,
        key: NARROWER.key,
        added: [],
        removed: ['vsi-rule-unpinned:rule/r-vpc'],
        previous_findings_known: true,
      },
    },
    {
      name: 'findings grew → comment listing the new one',
      assessment: BROAD,
      existing: [
        ref('CS1', '2026-08-01T00:00:00Z', { key: NARROWER.key, finding_ids: NARROWER.finding_ids }),
      ],
      expected: { kind: 'comment', added: ['vsi-rule-unpinned:rule/r-vpc'], removed: [] },
    },
    {
      name: 'changed, previous findings unreadable → comment listing all current ones',
      assessment: NARROWER,
      existing: [ref('CS1', '2026-08-01T00:00:00Z', { finding_ids: undefined })],
      expected: { kind: 'comment', added: NARROWER.finding_ids, removed: [], previous_findings_known: false },
    },
    {
      name: 'compliant with an open ticket → resolve',
      assessment: COMPLIANT,
      existing: [ref('CS1', '2026-08-01T00:00:00Z')],
      expected: { kind: 'resolve', ticket_id: 'CS1', reason: 'compliant', key: COMPLIANT.key },
    },
    {
      name: 'compliant, nothing open → none',
      assessment: COMPLIANT,
      existing: [ref('CS1', '2026-08-01T00:00:00Z', { status: 'resolved' })],
      expected: { kind: 'none', reason: 'compliant' },
    },
    {
      name: 'exempt with an open ticket → resolve, citing the exemption',
      assessment: EXEMPT,
      existing: [ref('CS1', '2026-08-01T00:00:00Z')],
      expected: { kind: 'resolve', ticket_id: 'CS1', reason: 'exempt' },
    },
    {
      name: 'exempt, nothing open → none',
      assessment: EXEMPT,
      existing: [],
      expected: { kind: 'none', reason: 'exempt' },
    },
    {
      name: 'only resolved tickets → open a new one citing the latest',
      assessment: BROAD,
      existing: [
        ref('CS1', '2026-06-01T00:00:00Z', { status: 'resolved' }),
        ref('CS2', '2026-07-01T00:00:00Z', { status: 'resolved' }),
      ],
      expected: { kind: 'open', previous_ticket_id: 'CS2' },
    },
    {
      name: 'tickets for another profile are ignored',
      assessment: BROAD,
      existing: [ref('CS9', '2026-01-01T00:00:00Z', { marker: 'imdsg-p-0000000000000000' })],
      expected: { kind: 'open' },
    },
    {
      name: 'the same ticket listed twice is not a duplicate',
      assessment: BROAD,
      existing: [ref('CS1', '2026-08-01T00:00:00Z'), ref('CS1', '2026-08-01T00:00:00Z')],
      expected: { kind: 'none', ticket_id: 'CS1' },
    },
  ] satisfies { name: string; assessment: ProfileAssessment; existing: TicketRef[]; expected: object }[])(
    '$name',
    ({ assessment, existing, expected }) => {
      // Act
      const plan = planTicket(assessment, existing, { event: EVENT });

      // Assess
      expect(plan).toMatchObject(expected);
    },
  );

  test('the resolve comment for an exemption names approver, ticket and expiry', () => {
    // Act
    const plan = planTicket(EXEMPT, [ref('CS1', '2026-08-01T00:00:00Z')]);

    // Assess
    expect(plan.kind).toBe('resolve');
    if (plan.kind !== 'resolve') return;
    for (const s of ['ciso@example.com', 'SEC-42', '2027-01-01T00:00:00Z', `imds-guard-key: ${EXEMPT.key}`]) {
      expect(plan.comment.text).toContain(s);
    }
  });
});

describe('planTicket: duplicates', () => {
  test.each([
    {
      name: 'earliest created survives',
      existing: [
        ref('CS3', '2026-08-03T00:00:00Z'),
        ref('CS1', '2026-08-02T00:00:00Z'),
        ref('CS2', '2026-08-01T00:00:00Z'),
      ],
      survivor: 'CS2',
      closed: ['CS3', 'CS1'],
    },
    {
      name: 'same creation time: lowest id survives (CS9 before CS10)',
      existing: [ref('CS10', '2026-08-01T00:00:00Z'), ref('CS9', '2026-08-01T00:00:00.000Z')],
      survivor: 'CS9',
      closed: ['CS10'],
    },
    {
      name: 'an unreadable creation time sorts last',
      existing: [ref('A1', 'not a date'), ref('B2', '2026-08-05T00:00:00Z')],
      survivor: 'B2',
      closed: ['A1'],
    },
    {
      name: 'resolved tickets are neither survivors nor closed',
      existing: [
        ref('CS1', '2026-01-01T00:00:00Z', { status: 'resolved' }),
        ref('CS5', '2026-08-05T00:00:00Z'),
        ref('CS4', '2026-08-04T00:00:00Z'),
      ],
      survivor: 'CS4',
      closed: ['CS5'],
    },
  ])('$name', ({ existing, survivor, closed }) => {
    // Act
    const plan = planTicket(BROAD, existing);

    // Assess
    expect(plan.kind).toBe('close_duplicates');
    if (plan.kind !== 'close_duplicates') return;
    expect(plan.survivor_id).toBe(survivor);
    expect(plan.close.map((c) => c.ticket_id).sort()).toEqual([...closed].sort());
    for (const c of plan.close) {
      expect(c.comment.text).toContain(`duplicate of ticket ${survivor}`);
      expect(c.comment.markdown).toContain(survivor);
      expect(parseTicketTags(c.comment.text).marker).toBe(BROAD.profile_marker);
    }
    expect(plan.survivor_plan).toEqual({ kind: 'none', reason: 'unchanged', ticket_id: survivor });
  });

  test.each([
    { name: 'then comment (findings changed)', assessment: NARROWER, next: 'comment' },
    { name: 'then resolve (now compliant)', assessment: COMPLIANT, next: 'resolve' },
  ])('close duplicates $name', ({ assessment, next }) => {
    // Act
    const plan = planTicket(assessment, [
      ref('CS2', '2026-08-02T00:00:00Z'),
      ref('CS1', '2026-08-01T00:00:00Z'),
    ]);

    // Assess
    expect(plan).toMatchObject({
      kind: 'close_duplicates',
      survivor_id: 'CS1',
      survivor_plan: { kind: next, ticket_id: 'CS1' },
    });
  });

  test('every permutation of the existing tickets gives the identical plan', () => {
    // Prepare
    const existing = [
      ref('CS7', '2026-08-01T10:00:00Z', { key: NARROWER.key, finding_ids: NARROWER.finding_ids }),
      ref('CS3', '2026-08-01T10:00:00Z'),
      ref('CS12', '2026-07-30T00:00:00+02:00'),
      ref('CS1', '2026-09-01T00:00:00Z', { status: 'resolved' }),
    ];
    const expected = planTicket(BROAD, existing, { event: EVENT });

    // Act
    const plans = permutations(existing).map((p) => planTicket(BROAD, p, { event: EVENT }));

    // Assess
    expect(plans).toHaveLength(24);
    for (const plan of plans) expect(plan).toEqual(expected);
    expect(survivorOf(expected)).toBe('CS12');
  });

  test('property: any permutation of existing tickets yields the same survivor', () => {
    const ticket = fc.record({
      id: fc.stringMatching(/^[A-Z]{0,2}[0-9]{1,4}$/),
      created_at: fc.oneof(
        fc
          .date({
            min: new Date('2026-01-01T00:00:00Z'),
            max: new Date('2026-01-02T00:00:00Z'),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString()),
        fc.constantFrom('2026-01-01T00:00:00Z', 'garbage'),
      ),
      status: fc.constantFrom('open' as const, 'resolved' as const),
      key: fc.constantFrom(BROAD.key, NARROWER.key),
    });
    const ticketsAndPermutation = fc
      .uniqueArray(ticket, { selector: (t) => t.id, maxLength: 7 })
      .map((ts) => ts.map((t) => ({ ...t, marker: BROAD.profile_marker })))
      .chain((ts) =>
        fc.tuple(fc.constant(ts), fc.shuffledSubarray(ts, { minLength: ts.length, maxLength: ts.length })),
      );

    fc.assert(
      fc.property(ticketsAndPermutation, ([tickets, shuffled]) => {
        const a = planTicket(BROAD, tickets);
        const b = planTicket(BROAD, shuffled);
        expect(survivorOf(b)).toBe(survivorOf(a));
        expect(b).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });
});

describe('ticket text', () => {
  const rendered = renderTicket(BROAD, EVENT);

  test('the subject names the profile and carries the marker', () => {
    expect(rendered.title).toBe(
      `[imds-guard] Trusted profile web-tier is too broad (${BROAD.profile_marker})`,
    );
  });

  test.each([{ format: 'text' as const }, { format: 'markdown' as const }])(
    'the $format body says everything a responder needs',
    ({ format }) => {
      // Prepare
      const body = rendered[format];
      const plain = body.replaceAll('\\', '');

      // Assess: the profile
      for (const s of ['web-tier', PROFILE_ID, PROFILE_CRN, BROAD.account_id]) expect(body).toContain(s);
      // each finding: what, why, how to fix, IBM's words, evidence
      for (const f of BROAD.findings) {
        const rule = BREADTH_RULES[f.rule_id];
        for (const s of [f.id, rule.title, rule.explanation, rule.fix, rule.advice, f.summary])
          expect(plain).toContain(s);
      }
      expect(body).toContain('p-admin');
      expect(body).toContain('r-vpc');
      // the affected resources
      expect(body).toContain(VSI1);
      // the triggering event
      for (const s of [EVENT.action, EVENT.time, 'terraform-sa', EVENT.initiator?.id ?? ''])
        expect(body).toContain(s);
      // machine-findable
      expect(body).toMatch(new RegExp(`^imds-guard-key: ${BROAD.key}$`, 'm'));
      expect(body).toMatch(new RegExp(`^imds-guard-marker: ${BROAD.profile_marker}$`, 'm'));
      expect(parseTicketTags(body)).toEqual({
        key: BROAD.key,
        marker: BROAD.profile_marker,
        finding_ids: BROAD.finding_ids,
      });
    },
  );

  test('the open plan carries the rendered ticket', () => {
    // Act
    const plan = planTicket(BROAD, [], { event: EVENT });

    // Assess
    expect(plan).toMatchObject({ kind: 'open', title: rendered.title, body: { text: rendered.text } });
  });

  test('without an event the ticket says it came from a sweep', () => {
    expect(renderTicket(BROAD).text).toContain('Trigger: no event (scheduled sweep or manual run)');
  });

  test('an expired exemption is mentioned', () => {
    // Prepare
    const a = assess(broad(), {
      exempt_profiles: [
        { name: 'web-tier', expires: '2026-01-01T00:00:00Z', approver: 'bob', ticket: 'SEC-1' },
      ],
    });

    // Act / Assess
    expect(renderTicket(a).text).toContain('expired at 2026-01-01T00:00:00Z');
  });

  test('markdown escapes what people type into names', () => {
    // Prepare
    const a = assess({ ...broad(), profile: { ...broad().profile, name: 'web_*tier*' } });

    // Act
    const { markdown, title } = renderTicket(a);

    // Assess
    expect(markdown).toContain('web\\_\\*tier\\*');
    expect(title).toContain('web_*tier*');
  });

  test('after a change comment, the ticket text reads as the new key and findings', () => {
    // Prepare
    const plan = planTicket(NARROWER, [ref('CS1', '2026-08-01T00:00:00Z')], { event: EVENT });
    if (plan.kind !== 'comment') throw new Error(`expected a comment, got ${plan.kind}`);

    // Act
    const tags = parseTicketTags(`${rendered.text}\n\n${plan.comment.text}`);
    const tagsMd = parseTicketTags(`${rendered.markdown}\n\n${plan.comment.markdown}`);

    // Assess
    expect(tags).toEqual({
      key: NARROWER.key,
      marker: NARROWER.profile_marker,
      finding_ids: NARROWER.finding_ids,
    });
    expect(tagsMd).toEqual(tags);
    expect(plan.comment.text).toContain('Removed: vsi-rule-unpinned:rule/r-vpc');
    expect(plan.comment.text).toContain(EVENT.action);
  });
});
