// What `imds-guard doctor` reports: one line per check, each with exactly one status and, when it fails,
// the exact fix. The JSON shape (`--json`) is a contract for automation: `checks[]` of {id, status, title,
// detail, fix}; ids are stable (docs/doctor.md lists them).
import type { Authenticator } from 'ibm-cloud-sdk-core';
import type { Clients } from '../cloud/clients.ts';
import type { Config } from '../config.ts';
import type { Account, Deployment } from '../manifest/schema.ts';
import type { Policy } from '../policy/schema.ts';
import type { AtrackerClient } from './atracker-client.ts';
import type { CodeEngineClient } from './code-engine-client.ts';

/** ok: holds · fail: needed and does not hold · warn: holds, or could not be looked at, but needs a human · skip: not checked. */
type CheckStatus = 'ok' | 'fail' | 'warn' | 'skip';

const CHECK_STATUSES = ['ok', 'fail', 'warn', 'skip'] as const satisfies readonly CheckStatus[];

interface Check {
  /** Stable: `credentials`, `access:<scope key>`, `region:<name>`, `code-engine:function:<name>`… */
  id: string;
  status: CheckStatus;
  /** What was checked, in a few words. */
  title: string;
  /** What was found. */
  detail: string;
  /** The exact commands or edits that fix a failing (or warning) check; empty otherwise. */
  fix: string[];
}

/** Who the credentials are, from the token and one read of the identity. */
interface Identity {
  iamId: string;
  accountId: string;
  /** The token's `sub_type`: ServiceId, Profile, IAMUser… */
  subType: string;
  kind: 'service-id' | 'trusted-profile' | 'user' | 'other';
  /** A name for people (service ID or profile name, user email), or the id when it could not be read. */
  name: string;
}

interface DoctorReport {
  account: string;
  manifest: string;
  identity: Identity | undefined;
  /** true when no check failed (warnings allowed): the exit code is 0 exactly then. */
  ok: boolean;
  checks: Check[];
}

/** Everything a check may read: the manifest, the clients (one authenticator), the clock. */
interface DoctorContext {
  manifestFile: string;
  deployment: Deployment;
  policy: Policy;
  account: Account;
  config: Config;
  /** Settings as the deployed code would see them: the manifest's configmaps, then the environment. */
  settings: Readonly<Record<string, string | undefined>>;
  clients: Clients;
  authenticator: Authenticator;
  atracker(region: string): AtrackerClient;
  codeEngine(region: string): CodeEngineClient;
  now: Date;
}

const check = (
  id: string,
  status: CheckStatus,
  title: string,
  detail: string,
  fix: readonly string[] = [],
): Check => ({ id, status, title, detail, fix: [...fix] });

export type { Check, CheckStatus, DoctorContext, DoctorReport, Identity };
export { CHECK_STATUSES, check };
