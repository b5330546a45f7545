// The `policy:` section of manifest.yaml (or IMDS_GUARD_POLICY as JSON): what the guard enforces.
// People edit it by hand, so objects are strict (a typo fails loudly instead of silently doing
// nothing), `null` counts as "not set" (a YAML key whose list is commented out), and every default
// is the cautious one: an empty policy audits and changes nothing.
import * as v from 'valibot';
import { APPROVAL, objectMessage, Text, wholeNumber } from './blocks.ts';
import {
  DEFAULT_EXEMPT_ACCESS_TAG,
  DEFAULT_HOP_LIMIT,
  DEFAULT_NAME_SUFFIX,
  DEFAULT_RULE_NAME,
} from './defaults.ts';
import { NetworkPolicy } from './network.ts';
import { ProfilesPolicy } from './profiles.ts';
import { RolloutPolicy, StageSchema } from './rollout.ts';

// ---- Vocabularies (decide.ts switches over them exhaustively) ----------------------------------

const INSTANCE_MODES = ['disable', 'secure', 'audit'] as const;
const TEMPLATE_MODES = ['replace', 'audit'] as const;
const TAG_FAILURE_MODES = ['fail-closed', 'fail-open'] as const;
/** When the image's allowed use requires the metadata service, so IBM refuses to disable it. */
const IMAGE_METADATA_CHOICES = ['fallback', 'fail', 'ticket'] as const;

type InstanceMode = (typeof INSTANCE_MODES)[number];
type TemplateMode = (typeof TEMPLATE_MODES)[number];
type TagFailureMode = (typeof TAG_FAILURE_MODES)[number];
type ImageMetadataChoice = (typeof IMAGE_METADATA_CHOICES)[number];

// ---- Building blocks -----------------------------------------------------------------------------

const isMapping = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * A mapping of options: strict, so a misspelt option fails instead of silently doing nothing; a list
 * in its place is refused up front (valibot would otherwise read its indexes as option names).
 */
const section = <const TEntries extends v.ObjectEntries>(entries: TEntries) => {
  const known = Object.keys(entries);
  return v.pipe(
    v.custom<Record<string, unknown>>(isMapping, (issue) =>
      Array.isArray(issue.input)
        ? 'expected a mapping of options, not a list'
        : `expected a mapping of options (got ${issue.received})`,
    ),
    v.strictObject(entries, (issue) => objectMessage(issue, known)),
  );
};

/** A value or glob (`*` any run of characters, `?` one character), matched whole and case-sensitively. */
const Pattern = v.pipe(
  v.string('expected a value or glob such as "web-*"'),
  v.trim(),
  v.minLength(1, 'must not be empty'),
);

/** One value or a list of them; a single value is the common case when writing YAML by hand. */
const Patterns = v.pipe(
  v.union([Pattern, v.array(Pattern)], 'expected a value or a list of values'),
  v.transform((value): string[] => (typeof value === 'string' ? [value] : value)),
  v.minLength(1, 'list at least one value, or leave the key out'),
);

const HopLimit = wholeNumber('hop_limit', 1, 64);

const InstanceModeSchema = v.picklist(
  INSTANCE_MODES,
  (issue) => `mode must be one of ${INSTANCE_MODES.join(', ')} (got ${issue.received})`,
);

const AccountId = v.pipe(
  v.string('expected an account id'),
  v.trim(),
  v.regex(/^[0-9a-f]{32}$/, 'an IBM Cloud account id is 32 lowercase hexadecimal characters'),
);

/** Appended to a template's name for its compliant copy; VPC names are lowercase, digits and hyphens. */
const NameSuffix = v.pipe(
  v.string('expected text'),
  v.regex(
    /^[-a-z0-9]*[a-z0-9]$/,
    'name_suffix may hold lowercase letters, digits and hyphens, and must end with a letter or digit',
  ),
  v.maxLength(20, 'name_suffix is at most 20 characters (VPC names are at most 63)'),
);

// ---- Sections ------------------------------------------------------------------------------------

/** Every key narrows (AND); the values of one key are alternatives (OR). `{}` matches everything. */
const Match = section({
  regions: v.optional(Patterns),
  zones: v.optional(Patterns),
  /** Resource group id or name. */
  resource_groups: v.optional(Patterns),
  /** VPC id or name. */
  vpcs: v.optional(Patterns),
  names: v.optional(Patterns),
  /** User or access tags (`key:value`, a label, or a glob); compared case-insensitively, like IBM does. */
  tags: v.optional(Patterns),
});

const Target = section({
  mode: v.nullish(InstanceModeSchema, 'audit'),
  hop_limit: v.optional(HopLimit),
});

const Rule = section({
  name: Text,
  match: v.nullish(Match, {}),
  mode: InstanceModeSchema,
  hop_limit: v.optional(HopLimit),
  /** The rollout stage for what this rule matches (else `instances.rollout.stage`). */
  stage: v.optional(StageSchema),
});

const ExemptionMatch = v.pipe(
  section({
    crn: v.optional(Text),
    id: v.optional(Text),
    name: v.optional(Text),
    /** Narrows `name` (names are unique per region, not per account). */
    region: v.optional(Text),
  }),
  v.check(
    (m) => [m.crn, m.id, m.name].filter((x) => x !== undefined).length === 1,
    'an exemption matches exactly one of crn, id or name',
  ),
);

/** A time-boxed, approved exception: who said yes, where it is tracked, and when it ends. */
const ExemptionEntry = section({
  match: ExemptionMatch,
  ...APPROVAL,
});

const Exemptions = section({
  access_tags: v.nullish(v.array(Pattern), [DEFAULT_EXEMPT_ACCESS_TAG]),
  /** Anyone with tag rights can attach user tags, so honouring them is opt-in. */
  user_tags: v.nullish(v.array(Pattern), []),
  list: v.nullish(v.array(ExemptionEntry), []),
});

const Instances = section({
  default: v.nullish(Target, {}),
  /** First match wins, in file order; no match → `default`. */
  rules: v.nullish(v.array(Rule), []),
  exemptions: v.nullish(Exemptions, {}),
  /**
   * Whether rules' `match.tags` also look at user tags. Off by default: rules can loosen the setting
   * (hop limit 2, secure instead of disable), and anyone with tag rights can attach a user tag, while
   * access tags are attached only by resource administrators.
   */
  match_user_tags: v.nullish(v.boolean('expected true or false'), false),
  /** fail-closed: decide as if the resource had no tags; fail-open: leave it alone. */
  on_tag_lookup_failure: v.nullish(
    v.picklist(
      TAG_FAILURE_MODES,
      (issue) => `on_tag_lookup_failure must be fail-closed or fail-open (got ${issue.received})`,
    ),
    'fail-closed',
  ),
  /**
   * An instance to disable whose image's allowed use requires the metadata service (IBM refuses the
   * PATCH): `fallback` gives it secure access instead (https, hop limit 1), `fail` records a failure,
   * `ticket` changes nothing and opens a ticket (profiles.ticket's sink) for a person to decide.
   * Either way no PATCH IBM must refuse is sent.
   */
  on_image_requires_metadata: v.nullish(
    v.picklist(
      IMAGE_METADATA_CHOICES,
      (issue) => `on_image_requires_metadata must be fallback, fail or ticket (got ${issue.received})`,
    ),
    'fallback',
  ),
  /** Staged rollout: audit → notify → enforce, and the brakes on changes (rollout.ts). */
  rollout: v.nullish(RolloutPolicy, {}),
});

const Templates = section({
  mode: v.nullish(
    v.picklist(TEMPLATE_MODES, (issue) => `mode must be replace or audit (got ${issue.received})`),
    'audit',
  ),
  repoint_instance_groups: v.nullish(v.boolean('expected true or false'), false),
  name_suffix: v.nullish(NameSuffix, DEFAULT_NAME_SUFFIX),
});

const PolicyShape = section({
  accounts: v.nullish(v.array(AccountId), []),
  self_ids: v.nullish(v.array(Text), []),
  dry_run: v.nullish(v.boolean('expected true or false'), false),
  instances: v.nullish(Instances, {}),
  templates: v.nullish(Templates, {}),
  profiles: v.nullish(ProfilesPolicy, {}),
  network: v.nullish(NetworkPolicy, {}),
});

type PolicyShapeOutput = v.InferOutput<typeof PolicyShape>;

// ---- Semantic checks (things a shape cannot say) -------------------------------------------------

type DocPath = (string | number)[];

interface PolicyProblem {
  path: DocPath;
  message: string;
}

const DISABLE_HOP_MESSAGE =
  'hop_limit has no effect with mode disable (the hop limit applies only while the metadata service is enabled); remove it';

/** Errors: the policy is contradictory or ambiguous and must not be enforced. */
const policyErrors = (policy: PolicyShapeOutput): PolicyProblem[] => {
  const problems: PolicyProblem[] = [];
  const { instances } = policy;
  if (instances.default.mode === 'disable' && instances.default.hop_limit !== undefined) {
    problems.push({ path: ['instances', 'default', 'hop_limit'], message: DISABLE_HOP_MESSAGE });
  }
  const firstIndex = new Map<string, number>();
  instances.rules.forEach((rule, i) => {
    if (rule.name === DEFAULT_RULE_NAME) {
      problems.push({
        path: ['instances', 'rules', i, 'name'],
        message: `"${DEFAULT_RULE_NAME}" is reserved for instances.default; pick another rule name`,
      });
    }
    const earlier = firstIndex.get(rule.name);
    if (earlier === undefined) firstIndex.set(rule.name, i);
    else {
      problems.push({
        path: ['instances', 'rules', i, 'name'],
        message: `rule name "${rule.name}" is already used by rules[${earlier}]; decision records cite rules by name, so names must be unique`,
      });
    }
    if (rule.mode === 'disable' && rule.hop_limit !== undefined) {
      problems.push({ path: ['instances', 'rules', i, 'hop_limit'], message: DISABLE_HOP_MESSAGE });
    }
  });
  return problems;
};

/** Warnings: the policy works, but probably not as its author meant. */
/** One warning per exemption of the list at `at` whose end has passed. */
const expiredExemptions = (
  entries: readonly { expires: string; ticket: string }[],
  at: DocPath,
  what: string,
  now: Date,
): PolicyProblem[] =>
  entries.flatMap((entry, i) =>
    Date.parse(entry.expires) <= now.getTime()
      ? [
          {
            path: [...at, i, 'expires'],
            message: `${what} (ticket ${entry.ticket}) expired at ${entry.expires} and no longer applies; renew or remove it`,
          },
        ]
      : [],
  );

const policyWarnings = (policy: Policy, now: Date): PolicyProblem[] => {
  const problems: PolicyProblem[] = [
    ...expiredExemptions(
      policy.instances.exemptions.list,
      ['instances', 'exemptions', 'list'],
      'exemption',
      now,
    ),
    ...expiredExemptions(policy.network.exempt_vpcs, ['network', 'exempt_vpcs'], 'network exemption', now),
  ];
  const catchAll = policy.instances.rules.findIndex((rule) => Object.keys(rule.match).length === 0);
  if (catchAll >= 0 && catchAll < policy.instances.rules.length - 1) {
    problems.push({
      path: ['instances', 'rules', catchAll + 1],
      message: `rules[${catchAll}] matches every resource, so this rule and the ones after it (and instances.default) never apply`,
    });
  }
  return problems;
};

/** valibot wants issue paths as items carrying the input and value at each step. */
const toIssuePath = (root: unknown, path: DocPath): [v.IssuePathItem, ...v.IssuePathItem[]] | undefined => {
  const items: v.IssuePathItem[] = [];
  let input: unknown = root;
  for (const key of path) {
    const value: unknown =
      input !== null && typeof input === 'object'
        ? (input as Record<string | number, unknown>)[key]
        : undefined;
    items.push(
      typeof key === 'number'
        ? { type: 'array', origin: 'value', input: input as unknown[], key, value }
        : { type: 'object', origin: 'value', input: input as Record<string, unknown>, key, value },
    );
    input = value;
  }
  const [first, ...rest] = items;
  return first ? [first, ...rest] : undefined;
};

const Policy = v.pipe(
  PolicyShape,
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    for (const problem of policyErrors(dataset.value)) {
      addIssue({ message: problem.message, path: toIssuePath(dataset.value, problem.path) });
    }
  }),
);

type Policy = v.InferOutput<typeof Policy>;
type PolicyInput = v.InferInput<typeof Policy>;
type Match = v.InferOutput<typeof Match>;
type Rule = v.InferOutput<typeof Rule>;
type Target = v.InferOutput<typeof Target>;
type ExemptionEntry = v.InferOutput<typeof ExemptionEntry>;
type ExemptionMatch = v.InferOutput<typeof ExemptionMatch>;

export type {
  DocPath,
  ExemptionEntry,
  ExemptionMatch,
  ImageMetadataChoice,
  InstanceMode,
  Match,
  PolicyInput,
  PolicyProblem,
  Rule,
  TagFailureMode,
  Target,
  TemplateMode,
};
export {
  DEFAULT_EXEMPT_ACCESS_TAG,
  DEFAULT_HOP_LIMIT,
  DEFAULT_NAME_SUFFIX,
  DEFAULT_RULE_NAME,
  IMAGE_METADATA_CHOICES,
  INSTANCE_MODES,
  Policy,
  policyWarnings,
  section,
  TAG_FAILURE_MODES,
  TEMPLATE_MODES,
};
