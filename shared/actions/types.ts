// What an action is: one thing the guard (or doctor) does at IBM, the API calls it makes and the IAM
// access those calls need. The least-privilege grants of deploy, Terraform and doctor are derived from
// these declarations (grants.ts); test/unit/actions/grants-vs-emulator.test.ts checks every declared
// call against the emulator's route → role table.
import type { Policy } from '../policy/schema.ts';

/** The IBM API a call goes to: the emulator serves each under one origin (prefix in the test). */
type Api =
  | 'vpc'
  | 'iam-identity'
  | 'iam-policy'
  | 'iam-groups'
  | 'global-tagging'
  | 'case-management'
  | 'event-notifications'
  | 'servicenow'
  | 'jira'
  | 'webhook'
  | 'cos'
  | 'atracker'
  | 'code-engine';

/** One HTTP operation, its path as IBM's API reference writes it (`{id}` for a path parameter). */
interface ApiCall {
  api: Api;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
}

/** The resource an IAM policy applies to, as `ibmcloud iam …-policy-create` flags express it. */
interface GrantScope {
  serviceName: string;
  serviceInstance?: string;
  resourceType?: string;
  resource?: string;
  /** `--attributes name=value,…` (VPC resource attributes such as instanceId=*). */
  attributes?: Readonly<Record<string, string>>;
}

/** The IAM access one action needs on one scope, and why (the calls, for people). */
interface Permission {
  role: string;
  scope: GrantScope;
  /** Short scope for people: "every instance and instance template". */
  scopeText: string;
  /** Why: the calls that need it. Actions sharing one reason share the text (it is said once). */
  why: string;
}

/** Who makes the calls: the guard's identity (its grants are derived), or whoever runs doctor. */
type Caller = 'guard' | 'operator';

/** What a deployment gives the derivation: its policy and the optional COS audit trail. */
interface Usage {
  policy: Policy;
  trail: { instance_id: string; bucket: string } | undefined;
}

interface Action {
  /** What it does, one line. */
  does: string;
  caller: Caller;
  calls: readonly ApiCall[];
  /**
   * The IAM access the calls need. Empty when the API is not IAM-authenticated (a sink's own secret) or
   * the caller's access is the operator's own (doctor).
   */
  needs: (u: Usage) => readonly Permission[];
  /** Whether a deployment with this policy (and trail) lets the guard take the action at all. */
  usedBy: (u: Usage) => boolean;
}

export type { Action, Api, ApiCall, Caller, GrantScope, Permission, Usage };
