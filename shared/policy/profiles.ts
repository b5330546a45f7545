// The `policy.profiles` section of manifest.yaml: when a trusted profile counts as too broad, who is
// exempt, and where tickets go. Like the rest of the policy, objects are strict (typos fail loudly),
// `null` means "not set", and every default is the cautious one: flag broad grants, change nothing.
import * as v from 'valibot';
import { exemptionByIdOrName, objectMessage, Text, wholeNumber } from './blocks.ts';

// ---- Vocabularies (the breadth-rule registry in functions/profile-guard/rules is keyed by these) ----

/** Every breadth rule the profile guard knows; `disabled_rules` may only name these. */
const PROFILE_RULE_IDS = [
  'broad-role-all-services',
  'broad-role-account-management',
  'broad-role-iam-services',
  'broad-role-resource-group',
  'vsi-rule-unpinned',
  'cross-account-link',
  'long-session',
  'too-many-vsi-links',
  'exposed-privileged-vsi',
] as const;

/** Most severe first: the order findings are ranked in. */
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** Event Notifications is the recommended sink; Case Management opens cases with IBM support. */
const TICKET_SINKS = [
  'event-notifications',
  'jira',
  'case-management',
  'servicenow',
  'webhook',
  'log',
] as const;

type ProfileRuleId = (typeof PROFILE_RULE_IDS)[number];
type Severity = (typeof SEVERITIES)[number];
type TicketSinkKind = (typeof TICKET_SINKS)[number];

/** IBM's platform (Administrator, Editor) and service (Manager, Writer) roles that can change things. */
const DEFAULT_BROAD_ROLES = ['Administrator', 'Manager', 'Editor', 'Writer'];
/** One hour: IBM's default IAM session for compute resources is well inside it. */
const DEFAULT_MAX_SESSION_SECONDS = 3600;
const DEFAULT_MAX_LINKED_VSIS = 5;
/** IBM's default and tightest hop limit: metadata responses never leave the instance. */
const DEFAULT_EXPOSURE_HOP_LIMIT = 1;

// ---- Building blocks -------------------------------------------------------------------------------

const RuleIdSchema = v.picklist(
  PROFILE_RULE_IDS,
  (issue) => `unknown rule ${issue.received}; known rules: ${PROFILE_RULE_IDS.join(', ')}`,
);

// ---- Sections --------------------------------------------------------------------------------------

/** A time-boxed, approved exception for one profile, named by id or by name (exactly one). */
const ProfileExemption = exemptionByIdOrName('profile', {});

/** Sink severities are sink-specific (Case Management 1–4, ServiceNow impact text…), so values are free. */
const SeverityMap = v.strictObject(
  {
    critical: v.optional(v.union([v.number(), Text], 'expected a number or text')),
    high: v.optional(v.union([v.number(), Text], 'expected a number or text')),
    medium: v.optional(v.union([v.number(), Text], 'expected a number or text')),
    low: v.optional(v.union([v.number(), Text], 'expected a number or text')),
  },
  objectMessage,
);

/** Jira settings that are not secrets (site URL, email and API token come from the environment). */
const JiraOptions = v.strictObject(
  {
    /** Project key, e.g. `SEC`. */
    project: v.pipe(Text, v.regex(/^[A-Z][A-Z0-9_]{1,9}$/, 'project must be a Jira project key such as SEC')),
    issue_type: v.nullish(Text, 'Task'),
    /** The transition that resolves; default: the first one into the Done status category. */
    done_transition: v.optional(Text),
  },
  objectMessage,
);

const TicketOptionsObject = v.strictObject(
  {
    /** `log` only writes the ticket to the decision log: nothing leaves the process until you choose a sink. */
    sink: v.nullish(
      v.picklist(
        TICKET_SINKS,
        (issue) => `sink must be one of ${TICKET_SINKS.join(', ')} (got ${issue.received})`,
      ),
      'log',
    ),
    severity_map: v.optional(SeverityMap),
    jira: v.optional(JiraOptions),
  },
  objectMessage,
);

const TicketOptions = v.pipe(
  TicketOptionsObject,
  v.check((t) => t.sink !== 'jira' || t.jira !== undefined, 'sink jira needs jira.project (a project key)'),
);

const FixOptions = v.strictObject(
  {
    /** Off by default: shortening sessions can break running workloads, so it is a deliberate choice. */
    cap_session_expiration: v.nullish(v.boolean('expected true or false'), false),
  },
  objectMessage,
);

const ProfilesPolicy = v.strictObject(
  {
    broad_roles: v.nullish(
      v.pipe(v.array(Text, 'expected a list of role names'), v.minLength(1, 'list at least one role')),
      DEFAULT_BROAD_ROLES,
    ),
    max_session_seconds: v.nullish(wholeNumber('max_session_seconds', 1), DEFAULT_MAX_SESSION_SECONDS),
    max_linked_vsis: v.nullish(wholeNumber('max_linked_vsis', 0), DEFAULT_MAX_LINKED_VSIS),
    allow_cross_account_links: v.nullish(v.boolean('expected true or false'), false),
    /** A linked instance whose metadata hop limit is above this counts as exposed (as does http). */
    exposure_hop_limit: v.nullish(wholeNumber('exposure_hop_limit', 1, 64), DEFAULT_EXPOSURE_HOP_LIMIT),
    disabled_rules: v.nullish(v.array(RuleIdSchema), []),
    exempt_profiles: v.nullish(v.array(ProfileExemption), []),
    ticket: v.nullish(TicketOptions, {}),
    fix: v.nullish(FixOptions, {}),
  },
  objectMessage,
);

type ProfilesPolicy = v.InferOutput<typeof ProfilesPolicy>;
type ProfilesPolicyInput = v.InferInput<typeof ProfilesPolicy>;
type ProfileExemption = v.InferOutput<typeof ProfileExemption>;
type TicketOptions = v.InferOutput<typeof TicketOptions>;

/** What an absent `policy.profiles` section means. */
const PROFILES_POLICY_DEFAULTS: ProfilesPolicy = v.parse(ProfilesPolicy, {});

/** Option names of this section, for "did you mean" hints in the policy loader. */
const PROFILES_POLICY_KEYS: readonly string[] = [
  ...new Set([
    ...Object.keys(ProfilesPolicy.entries),
    ...Object.keys(ProfileExemption.pipe[0].entries),
    ...Object.keys(TicketOptionsObject.entries),
    ...Object.keys(JiraOptions.entries),
    ...Object.keys(FixOptions.entries),
  ]),
];

export type { ProfileExemption, ProfileRuleId, ProfilesPolicyInput, Severity, TicketOptions, TicketSinkKind };
export {
  DEFAULT_BROAD_ROLES,
  DEFAULT_EXPOSURE_HOP_LIMIT,
  DEFAULT_MAX_LINKED_VSIS,
  DEFAULT_MAX_SESSION_SECONDS,
  PROFILE_RULE_IDS,
  PROFILES_POLICY_DEFAULTS,
  PROFILES_POLICY_KEYS,
  ProfilesPolicy,
  SEVERITIES,
  TICKET_SINKS,
};
