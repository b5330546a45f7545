// The grants deploy, Terraform and doctor give the guard are derived from the action registry
// (shared/actions/); this test holds those declarations against the emulator's route → role table
// (emulator/core/route-table.ts): every call an action makes must be a route the emulator serves, and
// the access declared for it must meet the role that route requires. The emulator checks roles per
// service (docs/fidelity/iam.md), so a grant counts on its `serviceName`, whatever its attributes.
import { describe, expect, test } from 'vitest';
import { type RouteRow, roleMeets, routeFinder } from '#emulator/core/route-table.ts';
import type { Role } from '#emulator/core/state.ts';
import { emulatorRouteTable } from '#emulator/index.ts';
import { grantsFor } from '#shared/actions/grants.ts';
import { ACTIONS } from '#shared/actions/index.ts';
import type { Action, Api, ApiCall, Usage } from '#shared/actions/types.ts';
import { loadManifest } from '#shared/manifest/load.ts';
import { TICKET_SINKS } from '#shared/policy/profiles.ts';

/** Where the emulator serves each API (one origin), or why it does not. */
const BASE = {
  vpc: '/vpc/us-south/v1',
  'iam-identity': '',
  'iam-policy': '',
  'iam-groups': '',
  'global-tagging': '',
  'case-management': '',
  'event-notifications': '/event-notifications',
  servicenow: '',
  jira: '',
  atracker: '/atracker/us-south',
  'code-engine': '/codeengine/us-south',
  cos: { notServed: 'the audit trail tests run s3rver (S3 API, no IAM roles): test/integration/trail/' },
  webhook: { notServed: "the customer's own endpoint, called with its own secret (no IAM)" },
} satisfies Record<Api, string | { notServed: string }>;

/** What a caller holds: roles on a service (grant attributes are not modelled by the emulator). */
interface Held {
  service: string;
  roles: readonly string[];
}

interface Gap {
  action: string;
  call: string;
  problem: string;
}

const rows = emulatorRouteTable();
const find = routeFinder(rows);
const callText = (c: ApiCall): string => `${c.method} ${c.api} ${c.path}`;

type Check = { kind: 'not-served' } | { kind: 'gap'; problem: string } | { kind: 'ok' };

/** Whether holding `held` lets a caller through the emulator route serving `call`. */
const checkCall = (call: ApiCall, held: readonly Held[]): Check => {
  const base = BASE[call.api];
  if (typeof base !== 'string') return { kind: 'not-served' };
  const path = `${base}${call.path}`.replace(/\{[^}]+\}/g, 'x-1');
  const row: RouteRow | undefined = find(call.method, path);
  if (!row) return { kind: 'gap', problem: `the emulator serves no route for ${call.method} ${path}` };
  if (!row.auth || row.needs?.length === 0) return { kind: 'ok' };
  if (row.needs === undefined) return { kind: 'gap', problem: `route ${row.path} declares no roles` };
  const met = row.needs.some((n) =>
    held.some((h) => h.service === n.service && h.roles.some((r) => roleMeets(r, n.role))),
  );
  if (met) return { kind: 'ok' };
  const wanted = row.needs.map((n) => `${n.service} ${n.role}`).join(' or ');
  const got = held.map((h) => `${h.service} ${h.roles.join(',')}`).join('; ') || 'nothing';
  return { kind: 'gap', problem: `route ${row.path} needs ${wanted}; declared: ${got}` };
};

/** Every call of every given action that `held` does not let through. */
const gapsOf = (actions: Readonly<Record<string, Action>>, heldBy: (id: string) => readonly Held[]) =>
  Object.entries(actions).flatMap(([id, a]) =>
    a.calls.flatMap((call): Gap[] => {
      const r = checkCall(call, heldBy(id));
      return r.kind === 'gap' ? [{ action: id, call: callText(call), problem: r.problem }] : [];
    }),
  );

/** A policy that turns every action on, writing tickets to `sink` (a policy has one sink). */
const allOn = (sink: string) =>
  loadManifest(
    `policy:
  instances:
    default: {mode: disable}
  templates: {mode: replace, repoint_instance_groups: true}
  profiles:
    ticket: {sink: ${sink}, jira: {project: SEC}}
    fix: {cap_session_expiration: true}
`,
    'all-on.yaml',
    { now: new Date('2026-06-01T00:00:00Z') },
  ).policy;

const TRAIL = {
  instance_id: 'crn:v1:bluemix:public:cloud-object-storage:global:a/acct::',
  bucket: 'trail',
  region: 'us-south',
};
const USAGES: readonly (Usage & { trail: typeof TRAIL })[] = TICKET_SINKS.map((sink) => ({
  policy: allOn(sink),
  trail: TRAIL,
}));

/** The action's own declared access, for one deployment. */
const ownAccess = (a: Action, u: Usage): Held[] =>
  a.needs(u).map((p) => ({ service: p.scope.serviceName, roles: [p.role] }));

const ALL: Readonly<Record<string, Action>> = ACTIONS;

describe('grants derived from the action registry vs the emulator route → role table', () => {
  test('the all-on policies use every guard action the policy can turn on', () => {
    const used = new Set(
      USAGES.flatMap((u) => Object.entries(ALL).filter(([, a]) => a.usedBy(u))).map(([id]) => id),
    );
    const unused = Object.entries(ALL)
      .filter(([id, a]) => a.caller === 'guard' && !used.has(id))
      .map(([id]) => id);
    // read-network is chosen at run time (`--include network`), never by the policy.
    expect(unused).toEqual(['read-network']);
  });

  test.each(USAGES.map((u) => [u.policy.profiles.ticket.sink, u] as const))(
    'ticket sink %s: every call of every used action is let through by the derived grants',
    (_, u) => {
      const grants = grantsFor(u.policy, u.trail);
      const held = grants.map((g) => ({ service: g.scope.serviceName, roles: g.roles }));
      const used = Object.fromEntries(Object.entries(ALL).filter(([, a]) => a.usedBy(u)));
      expect(gapsOf(used, () => held)).toEqual([]);
    },
  );

  test("every action's own declaration covers its calls (guard and doctor alike)", () => {
    const u = USAGES[0] as (typeof USAGES)[number];
    expect(gapsOf(ALL, (id) => ownAccess(ALL[id] as Action, u))).toEqual([]);
  });

  test('every call maps to an emulator route, except the APIs the emulator does not serve', () => {
    const notServed = Object.values(ALL)
      .flatMap((a) => a.calls)
      .filter((c) => checkCall(c, []).kind === 'not-served')
      .map((c) => c.api);
    expect([...new Set(notServed)].sort()).toEqual(['cos', 'webhook']);
  });

  test('every authenticated emulator route declares the roles it needs', () => {
    const undeclared = rows
      .filter((r) => r.auth && r.needs === undefined)
      .map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
  });
});

describe('the check fails when a declaration is missing (mutations)', () => {
  const u = USAGES[0] as (typeof USAGES)[number];

  test("dropping read-tags' permission reports GET /v3/tags", () => {
    const gaps = gapsOf({ 'read-tags': { ...ALL['read-tags'], needs: () => [] } as Action }, () => []);
    expect(gaps).toEqual([
      {
        action: 'read-tags',
        call: 'GET global-tagging /v3/tags',
        problem: 'route /v3/tags needs is Viewer; declared: nothing',
      },
    ]);
  });

  test('dropping any one permission of any action is reported, unless the emulator cannot tell it apart', () => {
    const silent: string[] = [];
    for (const [id, a] of Object.entries(ALL)) {
      const own = a.needs(u);
      own.forEach((p, i) => {
        const rest = own.filter((_, j) => j !== i);
        const held = rest.map((q) => ({ service: q.scope.serviceName, roles: [q.role] }));
        if (gapsOf({ [id]: a }, () => held).length > 0) return;
        // Silent only where a remaining permission on the same service meets it (the emulator checks roles
        // per service, not per resource attribute), or the API is one the emulator does not serve.
        const shadowed = rest.some(
          (q) => q.scope.serviceName === p.scope.serviceName && roleMeets(q.role, p.role as Role),
        );
        const unserved = a.calls.every((c) => checkCall(c, []).kind === 'not-served');
        if (!shadowed && !unserved) silent.push(`${id}: ${p.scope.serviceName} ${p.role}`);
      });
    }
    expect(silent).toEqual([]);
  });

  test('dropping a derived grant is reported, unless another grant on its service meets it', () => {
    const grants = grantsFor(u.policy, TRAIL);
    const used = Object.fromEntries(Object.entries(ALL).filter(([, a]) => a.usedBy(u)));
    const silent = grants.flatMap((g, i) => {
      const rest = grants.filter((_, j) => j !== i);
      const held = rest.map((q) => ({ service: q.scope.serviceName, roles: q.roles }));
      if (gapsOf(used, () => held).length > 0) return [];
      const shadowed = rest.some(
        (q) =>
          q.scope.serviceName === g.scope.serviceName &&
          g.roles.every((r) => q.roles.some((qr) => roleMeets(qr, r as Role))),
      );
      return shadowed || g.scope.serviceName === 'cloud-object-storage' ? [] : [g.scope.serviceName];
    });
    expect(silent).toEqual([]);
  });
});
