// The secrets-and-configuration plan section: declared secrets (values from the environment, via a
// private file), declared configmaps, and the generated configmap holding the policy and identity settings.
import type { Policy } from '../../policy/schema.ts';
import { accountsSetting } from '../accounts.ts';
import { keysOf } from '../references.ts';
import type { ConfigMap, Deployment } from '../schema.ts';
import {
  ceStep,
  type ExistingState,
  GUARD_IAM_ID,
  type Part,
  type PlanSection,
  ref,
  type Step,
} from './types.ts';

const literal = (key: string, value: string): string[] => ['--from-literal', `${key}=${value}`];

/** Secrets from: env are created or updated from a private env file; from: existing ones are only noted. */
const secretSteps = (d: Deployment, s: ExistingState): Part => {
  const steps: Step[] = [];
  const notes: string[] = [];
  for (const secret of d.secrets) {
    if (secret.from === 'existing') {
      notes.push(
        `Secret ${secret.name} is not managed here (from: existing); it must already hold ${keysOf(secret).join(', ')}.`,
      );
      continue;
    }
    const entries = Object.entries(secret.keys).map(([key, env]) => ({ key, env }));
    const step = ceStep('secret', ['secret'], secret.name, s.secrets, () => ['--from-env-file', ''], [
      `${secret.name}: ${entries.map((e) => `${e.key} from $${e.env}`).join(', ')}.`,
    ]);
    steps.push({
      ...step,
      file: {
        index: step.argv.length - 1,
        prefix: '',
        file: `${secret.name}.env`,
        content: { kind: 'env-file', entries },
      },
    });
  }
  return { steps, notes };
};

const configmapStep = (cm: ConfigMap, s: ExistingState): Step =>
  ceStep('configmap', ['configmap'], cm.name, s.configmaps, () =>
    Object.entries(cm.data).flatMap(([k, val]) => literal(k, val)),
  );

/** The generated configmap's settings besides the policy: how the code authenticates, accounts, trail. */
const settingLiterals = (d: Deployment): string[] => {
  const trail = d.audit_trail;
  const many = accountsSetting(d.accounts);
  return [
    ...(d.identity.trusted_profile
      ? [
          ...literal('IMDS_GUARD_AUTH_TYPE', 'container'),
          ...literal('IMDS_GUARD_IAM_PROFILE_NAME', d.identity.trusted_profile.name),
        ]
      : []),
    ...literal('IMDS_GUARD_SELF_IDS', ref(GUARD_IAM_ID)),
    ...(many ? literal('IMDS_GUARD_ACCOUNTS', many) : []),
    ...(trail
      ? [
          ...literal('IMDS_GUARD_TRAIL_BUCKET', trail.bucket),
          ...literal('IMDS_GUARD_TRAIL_REGION', trail.region),
          ...(trail.prefix !== undefined ? literal('IMDS_GUARD_TRAIL_PREFIX', trail.prefix) : []),
          ...(trail.endpoint !== undefined ? literal('IMDS_GUARD_TRAIL_ENDPOINT', trail.endpoint) : []),
        ]
      : []),
  ];
};

/** The project's configmap: the validated policy (from a file) as IMDS_GUARD_POLICY, and the settings. */
const policyConfigmapStep = (d: Deployment, policy: Policy, s: ExistingState): Step => {
  const name = d.project.config_map;
  return {
    ...ceStep(
      'configmap',
      ['configmap'],
      name,
      s.configmaps,
      () => ['--from-file', '', ...settingLiterals(d)],
      [
        `${name} holds the policy: section (validated, defaults filled in) as IMDS_GUARD_POLICY, and how the code authenticates.`,
      ],
    ),
    file: {
      index: 6,
      prefix: 'IMDS_GUARD_POLICY=',
      file: 'policy.json',
      content: { kind: 'text', text: JSON.stringify(policy) },
    },
  };
};

const configSection = (d: Deployment, policy: Policy, s: ExistingState): PlanSection => {
  const secrets = secretSteps(d, s);
  return {
    title: 'Secrets and configuration',
    notes: secrets.notes,
    steps: [
      ...secrets.steps,
      ...d.configmaps.map((cm) => configmapStep(cm, s)),
      policyConfigmapStep(d, policy, s),
    ],
  };
};

export { configSection };
