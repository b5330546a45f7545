// `access:<scope key>`: does the identity hold each grant the manifest needs? The grants come from
// grantsFor (shared/actions/grants.ts), the one source deploy, Terraform and doctor share. The identity's
// own policies and its access groups' policies are read (IAM Policy Management v2, Access Groups), and a
// missing grant is named with the exact `ibmcloud` command deploy would run and the Terraform line.

import type { Grant } from '../actions/grants.ts';
import { grantsFor, scopeFlags, scopeKey } from '../actions/grants.ts';
import { errorMessage } from '../errors.ts';
import { commandLine } from '../manifest/deploy-render.ts';
import type { Deployment } from '../manifest/schema.ts';
import { cloudCall } from '../runtime/retry.ts';
import { type Coverage, coverageOf, type HeldPolicy, roleNameOf } from './coverage.ts';
import { type Check, check, type DoctorContext, type Identity } from './types.ts';

const PAGE = 100;

interface V2Policy {
  id?: string;
  type?: string;
  state?: string;
  control?: { grant?: { roles?: { role_id: string }[] } };
  resource?: { attributes?: { key: string; operator?: string; value: unknown }[]; tags?: unknown[] };
  rule?: unknown;
}

const toHeld = (p: V2Policy, via: string): HeldPolicy => ({
  id: p.id ?? '?',
  roles: (p.control?.grant?.roles ?? []).map((r) => roleNameOf(r.role_id)),
  attributes: p.resource?.attributes ?? [],
  tagged: (p.resource?.tags ?? []).length > 0,
  conditional: p.rule !== undefined,
  via,
});

/** Every page of the access policies of one subject. */
const listPolicies = async (
  ctx: DoctorContext,
  subject: { iamId: string } | { accessGroupId: string },
): Promise<V2Policy[]> => {
  const iam = await ctx.clients.policies();
  const out: V2Policy[] = [];
  let start: string | undefined;
  do {
    const res = await cloudCall(
      iam.listV2Policies({
        accountId: ctx.account.id,
        ...subject,
        type: 'access',
        limit: PAGE,
        ...(start ? { start } : {}),
      }),
    );
    out.push(...(res.result.policies as unknown as V2Policy[]));
    start = res.result.next?.start;
  } while (start);
  return out.filter((p) => (p.state ?? 'active') === 'active');
};

/** The access groups the identity is a member of, every page. */
const listGroups = async (ctx: DoctorContext, iamId: string): Promise<{ id: string; name: string }[]> => {
  const groups = await ctx.clients.groups();
  const out: { id: string; name: string }[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const res = await cloudCall(
      groups.listAccessGroups({
        accountId: ctx.account.id,
        iamId,
        membershipType: 'all',
        limit: PAGE,
        offset,
      }),
    );
    const page = res.result.groups ?? [];
    for (const g of page) if (g.id) out.push({ id: g.id, name: g.name ?? g.id });
    if (page.length === 0 || offset + page.length >= res.result.total_count) return out;
  }
};

/** Direct policies and the policies of the identity's access groups. */
const heldPolicies = async (ctx: DoctorContext, identity: Identity): Promise<HeldPolicy[]> => {
  const [direct, groups] = await Promise.all([
    listPolicies(ctx, { iamId: identity.iamId }),
    listGroups(ctx, identity.iamId),
  ]);
  const viaGroups = await Promise.all(
    groups.map(async (g) =>
      (await listPolicies(ctx, { accessGroupId: g.id })).map((p) => toHeld(p, `access group ${g.name}`)),
    ),
  );
  return [...direct.map((p) => toHeld(p, 'direct')), ...viaGroups.flat()];
};

const CREATE = {
  'service-id': 'service-policy-create',
  'trusted-profile': 'trusted-profile-policy-create',
  user: 'user-policy-create',
  other: 'service-policy-create',
} as const satisfies Record<Identity['kind'], string>;

/** The command deploy-plan.ts would run for this grant, for this identity, quoted the same way. */
const fixCommand = (g: Grant, identity: Identity): string =>
  commandLine({
    kind: 'iam-policy',
    name: scopeKey(g.scope),
    verb: 'create',
    comment: [],
    argv: ['iam', CREATE[identity.kind], identity.name, '--roles', g.roles.join(','), ...scopeFlags(g.scope)],
  });

/** For reads only doctor makes (Activity Tracker, Code Engine): the same command shape, one service. */
const readGrantCommand = (identity: Identity, roles: readonly string[], serviceName: string): string =>
  fixCommand({ roles, scope: { serviceName }, scopeText: serviceName, why: 'doctor reads it' }, identity);

/** Where Terraform gets the grant: grants.auto.tfvars.json, written by `deploy --terraform`. */
const terraformLine = (g: Grant, d: Deployment): string => {
  const resource = d.identity.service_id
    ? 'ibm_iam_service_policy.grant'
    : 'ibm_iam_trusted_profile_policy.grant';
  return `terraform: grants.auto.tfvars.json has {"key": "${scopeKey(g.scope)}", "roles": ${JSON.stringify(g.roles)}} → ${resource}["${scopeKey(g.scope)}"] (deploy/terraform): imds-guard deploy --terraform DIR, then terraform apply`;
};

const heldText = (p: HeldPolicy): string => `policy ${p.id} (${p.via}: ${p.roles.join(', ')})`;

const grantCheck = (ctx: DoctorContext, identity: Identity, g: Grant, c: Coverage): Check => {
  const id = `access:${scopeKey(g.scope)}`;
  const title = `${g.roles.join(', ')} on ${g.scopeText}`;
  const fix = [fixCommand(g, identity), terraformLine(g, ctx.deployment)];
  switch (c.kind) {
    case 'held':
      return check(id, 'ok', title, `held through ${heldText(c.by)}`);
    case 'weaker':
      return check(
        id,
        'fail',
        title,
        `${identity.name} holds only ${heldText(c.by)}; needed for: ${g.why}`,
        fix,
      );
    case 'conditional':
      return check(
        id,
        'fail',
        title,
        `only ${heldText(c.by)}, which has a condition or resource tags; needed for: ${g.why}`,
        fix,
      );
    case 'missing':
      return check(id, 'fail', title, `${identity.name} does not hold it; needed for: ${g.why}`, fix);
  }
};

/** One check per grant the manifest's policy needs. */
const checkAccess = async (ctx: DoctorContext, identity: Identity): Promise<Check[]> => {
  const grants = grantsFor(ctx.policy, ctx.deployment.audit_trail);
  let held: HeldPolicy[];
  try {
    held = await heldPolicies(ctx, identity);
  } catch (err) {
    return grants.map((g) =>
      check(
        `access:${scopeKey(g.scope)}`,
        'fail',
        `${g.roles.join(', ')} on ${g.scopeText}`,
        `cannot read the policies of ${identity.name}, so cannot prove it: ${errorMessage(err)}`,
        [fixCommand(g, identity), terraformLine(g, ctx.deployment)],
      ),
    );
  }
  return grants.map((g) => grantCheck(ctx, identity, g, coverageOf(g, held, ctx.account.id)));
};

export { checkAccess, fixCommand, readGrantCommand };
