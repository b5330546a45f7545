// The policy's defaults that acting code needs at run time, without the schema (valibot) that
// validates a policy: the acting bundle imports these and so does not build the policy schema again.

/** IBM's default and the tightest value: responses never leave the instance. */
const DEFAULT_HOP_LIMIT = 1;
/** Access tags are attached only by resource administrators, so they make tamper-resistant exemptions. */
const DEFAULT_EXEMPT_ACCESS_TAG = 'imds-guard:exempt';
const DEFAULT_NAME_SUFFIX = '-imds-guard';
/** Decision records cite `rule: "default"` when no rule matched, so no rule may take that name. */
const DEFAULT_RULE_NAME = 'default';

export { DEFAULT_EXEMPT_ACCESS_TAG, DEFAULT_HOP_LIMIT, DEFAULT_NAME_SUFFIX, DEFAULT_RULE_NAME };
