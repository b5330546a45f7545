// The preflight for one account: credentials and identity first (everything else needs a token), then
// access, regions, Activity Tracker, Code Engine, the ticket sink and exemptions. Read-only by
// construction: every call below is a GET (plus the IAM token request). Written per account so a
// manifest with many accounts runs it once per account with that account's credentials.
import type { Authenticator } from 'ibm-cloud-sdk-core';
import { authenticatorFor } from '../cloud/auth.ts';
import { createClients } from '../cloud/clients.ts';
import { atrackerUrl, codeEngineUrl } from '../cloud/endpoints.ts';
import type { Config } from '../config.ts';
import type { Account, Deployment } from '../manifest/schema.ts';
import type { Policy } from '../policy/schema.ts';
import { checkAccess, readGrantCommand } from './access.ts';
import { checkActivityTracker } from './activity-tracker.ts';
import { type AtrackerClient, createAtrackerClient } from './atracker-client.ts';
import { checkCodeEngine } from './code-engine.ts';
import { type CodeEngineClient, createCodeEngineClient } from './code-engine-client.ts';
import { checkExemptions } from './exemptions.ts';
import { checkCredentials, checkIdentity } from './identity.ts';
import { checkRegions } from './regions.ts';
import { checkTicketSink } from './ticket-sink.ts';
import { type Check, check, type DoctorContext, type DoctorReport } from './types.ts';

/** The credentials belong to another account than the one the manifest deploys: bad input, exit 2. */
class AccountMismatchError extends Error {
  override name = 'AccountMismatchError';
}

interface DoctorInput {
  manifestFile: string;
  deployment: Deployment;
  policy: Policy;
  /** The manifest account to check (one of deployment.accounts). */
  account: Account;
  config: Config;
  now?: Date;
}

const perRegion = <T>(make: (region: string) => T): ((region: string) => T) => {
  const made = new Map<string, T>();
  return (region) => {
    let c = made.get(region);
    if (!c) {
      c = make(region);
      made.set(region, c);
    }
    return c;
  };
};

const contextOf = (input: DoctorInput, authenticator: Authenticator): DoctorContext => ({
  manifestFile: input.manifestFile,
  deployment: input.deployment,
  policy: input.policy,
  account: input.account,
  config: input.config,
  settings: input.config.env,
  clients: createClients(input.config),
  authenticator,
  atracker: perRegion<AtrackerClient>((r) =>
    createAtrackerClient({ authenticator, serviceUrl: atrackerUrl(input.config, r) }),
  ),
  codeEngine: perRegion<CodeEngineClient>((r) =>
    createCodeEngineClient({ authenticator, serviceUrl: codeEngineUrl(input.config, r) }),
  ),
  now: input.now ?? new Date(),
});

const SKIPPED = ['access', 'regions', 'activity-tracker', 'code-engine', 'ticket-sink', 'exemptions'];

/** Runs every check for one account; throws ConfigError (no credentials) or AccountMismatchError. */
const runDoctor = async (input: DoctorInput): Promise<DoctorReport> => {
  const authenticator = authenticatorFor(input.config);
  const ctx = contextOf(input, authenticator);
  const creds = await checkCredentials(authenticator, ctx.clients);
  const report = (identity: DoctorReport['identity'], checks: Check[]): DoctorReport => ({
    account: input.account.id,
    manifest: input.manifestFile,
    identity,
    ok: checks.every((c) => c.status !== 'fail'),
    checks,
  });
  const identity = creds.identity;
  if (!identity)
    return report(undefined, [
      creds.check,
      ...SKIPPED.map((id) => check(id, 'skip', id, 'needs working credentials')),
    ]);
  if (identity.accountId !== input.account.id)
    throw new AccountMismatchError(
      `${input.manifestFile} deploys to account ${input.account.id}, but these credentials belong to account ${identity.accountId}: use credentials of that account, or fix accounts: in the manifest`,
    );
  const [access, regions, at, ce, sink] = await Promise.all([
    checkAccess(ctx, identity),
    checkRegions(ctx),
    checkActivityTracker(ctx, readGrantCommand(identity, ['Viewer'], 'atracker')),
    checkCodeEngine(ctx, readGrantCommand(identity, ['Viewer', 'Reader'], 'codeengine')),
    checkTicketSink(ctx),
  ]);
  return report(identity, [
    creds.check,
    checkIdentity(input.deployment, identity),
    ...access,
    ...regions,
    ...at,
    ...ce,
    sink,
    checkExemptions(ctx),
  ]);
};

export type { DoctorInput };
export { AccountMismatchError, runDoctor };
