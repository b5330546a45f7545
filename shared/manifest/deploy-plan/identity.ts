// The identity plan section: the trusted profile or service ID, its links to the components, and its
// least-privilege IAM policies (derived from the action registry's grants).
import { type Grant, grantsFor, scopeFlags, scopeKey } from '../../actions/grants.ts';
import type { Policy } from '../../policy/schema.ts';
import { APIKEY_KEY, componentsOf } from '../references.ts';
import type { Deployment } from '../schema.ts';
import {
  type ExistingState,
  GUARD_IAM_ID,
  type Part,
  type PlanSection,
  PROJECT_CRN,
  ref,
  type Step,
} from './types.ts';

const linkName = (type: 'function' | 'app' | 'job', name: string): string =>
  `${{ function: 'ce-fn', app: 'ce-app', job: 'ce-job' }[type]}-${name}`;

/** Component type names `trusted-profile-link-create --link-component-type` takes (IBM samples). */
const LINK_COMPONENT_TYPES = { function: 'function', app: 'application', job: 'job' } as const;

/** The `ibmcloud iam` commands of each kind of identity. */
interface IdentityCommands {
  create: string;
  update: string;
  read: string;
  createComment: readonly string[];
}

const TRUSTED_PROFILE: IdentityCommands = {
  create: 'trusted-profile-create',
  update: 'trusted-profile-update',
  read: 'trusted-profile',
  createComment: [
    'A trusted profile: Code Engine hands the components a token for it, so there is no API key to leak or rotate.',
  ],
};

const SERVICE_ID: IdentityCommands = {
  create: 'service-id-create',
  update: 'service-id-update',
  read: 'service-id',
  createComment: [],
};

/** The identity created or updated, then read for its IAM id. */
const identitySteps = (
  who: { name: string; description: string },
  commands: IdentityCommands,
  s: ExistingState,
): Step[] => {
  const verb = s.identity ? 'update' : 'create';
  return [
    {
      kind: 'identity',
      name: who.name,
      verb,
      comment: verb === 'create' ? commands.createComment : [],
      argv: ['iam', commands[verb], who.name, '-d', who.description],
    },
    {
      kind: 'identity',
      name: who.name,
      verb: 'read',
      comment: [
        'Its IAM id: events the guard itself causes carry it, and the guard ignores them (IMDS_GUARD_SELF_IDS).',
      ],
      argv: ['iam', commands.read, who.name, '--output', 'JSON'],
      capture: { variable: GUARD_IAM_ID, property: 'iam_id' },
    },
  ];
};

/** A trusted-profile link per component that has none yet (links have no update). */
const linkSteps = (d: Deployment, profile: string, s: ExistingState): Part => {
  const steps: Step[] = [];
  const notes: string[] = [];
  for (const c of componentsOf(d)) {
    const link = linkName(c.type, c.spec.name);
    if (s.links.has(link)) {
      notes.push(`Link ${link} exists (links have no update).`);
      continue;
    }
    steps.push({
      kind: 'link',
      name: link,
      verb: 'create',
      comment: [],
      argv: [
        'iam',
        'trusted-profile-link-create',
        profile,
        '--name',
        link,
        '--cr-type',
        'CE',
        '--link-crn',
        ref(PROJECT_CRN),
        '--link-component-type',
        LINK_COMPONENT_TYPES[c.type],
        '--link-component-name',
        c.spec.name,
      ],
    });
  }
  return { steps, notes };
};

const grantStep = (g: Grant, s: ExistingState, subject: string, service: boolean): Step => {
  const key = scopeKey(g.scope);
  const existing = s.policies.get(key);
  const create = service ? 'service-policy-create' : 'trusted-profile-policy-create';
  const update = service ? 'service-policy-update' : 'trusted-profile-policy-update';
  const roles = ['--roles', g.roles.join(',')];
  return {
    kind: 'iam-policy',
    name: key,
    verb: existing === undefined ? 'create' : 'update',
    comment: [`${g.roles.join(', ')} on ${g.scopeText}: ${g.why}.`],
    argv:
      existing === undefined
        ? ['iam', create, subject, ...roles, ...scopeFlags(g.scope)]
        : ['iam', update, subject, existing, ...roles, ...scopeFlags(g.scope)],
  };
};

const title = (kind: string): string => `Identity: ${kind}, its links and least-privilege access`;

const identitySection = (d: Deployment, policy: Policy, s: ExistingState): PlanSection => {
  const tp = d.identity.trusted_profile;
  const sid = d.identity.service_id;
  const grants = grantsFor(policy, d.audit_trail);
  if (tp) {
    const links = linkSteps(d, tp.name, s);
    return {
      title: title(`trusted profile ${tp.name}`),
      notes: links.notes,
      steps: [
        ...identitySteps(tp, TRUSTED_PROFILE, s),
        ...links.steps,
        ...grants.map((g) => grantStep(g, s, tp.name, false)),
      ],
    };
  }
  if (sid) {
    return {
      title: title(`service ID ${sid.name}`),
      notes: [
        `The API key is yours to create and rotate; deploy never sees it. For example: ibmcloud iam service-api-key-create imds-guard-key ${sid.name} --file key.json, then put its apikey into secret ${sid.apikey_secret} as ${APIKEY_KEY}.`,
      ],
      steps: [...identitySteps(sid, SERVICE_ID, s), ...grants.map((g) => grantStep(g, s, sid.name, true))],
    };
  }
  return { title: title('service ID '), notes: [], steps: [] };
};

export { identitySection, linkName };
