// Admin API input: subscription specs and injected events. Schemas at the edge; types from them.
import * as v from 'valibot';
import { ENVELOPE_KINDS } from './envelopes.ts';

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

// Code Engine resource names: lowercase, start with a letter, ≤ 63 (CE-CLI).
const CeName = v.pipe(
  v.string(),
  v.regex(
    /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'must be lowercase letters, digits and -, start with a letter, ≤ 63',
  ),
);

const ActionGlob = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_.*-]+$/, 'an action glob uses letters, digits, . _ - and *'),
);

const FORBIDDEN_HEADERS = new Set(['content-length', 'host', 'transfer-encoding', 'connection']);

const HeaderName = v.pipe(
  v.string(),
  v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name'),
  v.check((h) => !FORBIDDEN_HEADERS.has(h.toLowerCase()), 'this header is set by the sender'),
);

const HttpUrl = v.pipe(
  v.string(),
  v.url('must be an absolute URL'),
  v.check((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL'),
);

const SubscriptionSpec = v.pipe(
  v.strictObject({
    url: HttpUrl,
    envelope: v.picklist(ENVELOPE_KINDS, `must be one of ${ENVELOPE_KINDS.join(', ')}`),
    actions: v.optional(
      v.pipe(v.array(ActionGlob), v.minLength(1, 'give at least one action glob, or omit')),
    ),
    name: v.optional(CeName),
    topic: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,249}$/, 'not a valid Kafka topic name'))),
    project: v.optional(CeName),
    headers: v.optional(
      v.record(HeaderName, v.pipe(v.string(), v.regex(/^[^\r\n]*$/, 'header values are one line'))),
    ),
    delay_ms: v.optional(int(0, 60_000)),
    max_attempts: v.optional(int(1, 20)),
    batch_ms: v.optional(int(0, 10_000)),
    timeout_ms: v.optional(int(1, 60_000)),
  }),
  v.check(
    (s) => s.batch_ms === undefined || s.envelope === 'at-array',
    'batch_ms applies only to envelope at-array',
  ),
);

type SubscriptionSpec = v.InferOutput<typeof SubscriptionSpec>;

const ChangeSpec = v.strictObject({
  action: v.pipe(v.string(), v.regex(/^[a-z0-9-]+(\.[a-z0-9_-]+){2,}$/i, 'an action is service.object.verb')),
  outcome: v.optional(v.picklist(['success', 'failure'])),
  target: v.strictObject({
    id: v.pipe(v.string(), v.minLength(1)),
    name: v.string(),
    typeURI: v.pipe(v.string(), v.minLength(1)),
    resourceGroupId: v.optional(v.string()),
  }),
  reasonCode: int(100, 599),
  reasonType: v.optional(v.string()),
  reasonForFailure: v.optional(v.string()),
  message: v.pipe(v.string(), v.minLength(1)),
  severity: v.optional(v.picklist(['normal', 'warning', 'critical'])),
  location: v.pipe(v.string(), v.minLength(1)),
  logSourceCRN: v.optional(v.string()),
  requestData: v.optional(v.record(v.string(), v.unknown())),
  responseData: v.optional(v.record(v.string(), v.unknown())),
  userAgent: v.optional(v.string()),
  address: v.optional(v.string()),
});

/** `{change, as?}`: an event built like the emulator's own, as the named API key. */
const Injection = v.strictObject({
  change: ChangeSpec,
  as: v.optional(v.pipe(v.string(), v.minLength(1))),
});

type Injection = v.InferOutput<typeof Injection>;

interface Problem {
  path: string;
  message: string;
}

const problemsOf = (issues: readonly v.BaseIssue<unknown>[], prefix = ''): Problem[] =>
  issues.slice(0, 20).map((issue) => {
    const path = v.getDotPath(issue) ?? '';
    return { path: [prefix, path].filter(Boolean).join('.'), message: issue.message };
  });

export type { Problem };
export { ChangeSpec, Injection, problemsOf, SubscriptionSpec };
