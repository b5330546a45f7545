// The one acting context of every guard and the sweep: clients on the one authenticator, the guard's own
// token claims, a deadline, IBM's errors mapped once, and the fresh read whose 404 may mean "not yet".
import { accessFor } from '../cloud/accounts.ts';
import { authenticatorFor, type TokenClaims, tokenClaims } from '../cloud/auth.ts';
import { type Clients, createClientsWith } from '../cloud/clients.ts';
import type { ServiceLoaders } from '../cloud/service-loaders.ts';
import { CloudApiError, ConfigError, errorMessage } from '../errors.ts';
import { accountAllowed } from '../policy/match.ts';
import type { GuardRuntime } from './records.ts';
import { cloudCall, withRetry } from './retry.ts';

/** What acting needs besides the runtime: clients, who we are, and when to stop waiting. */
interface ActContext {
  rt: GuardRuntime;
  clients: Clients;
  self: TokenClaims;
  /** Stop starting waits after this time (ms epoch): the function's time limit. */
  deadline: number;
}

interface ActOptions {
  /** The SDK services this bundle calls (instance-guard: tagging only), so it carries only those. */
  services: Partial<ServiceLoaders>;
  budgetMs?: number;
}

/** A failure as every guard records it. */
interface Failure {
  outcome: 'failed';
  reason: string;
  before: null;
  after: null;
  retry: boolean;
}

type Shared = { clients: Clients; self: Promise<TokenClaims> };

// Per runtime (a warm container), service set and account: clients are built once, the token fetched once.
const contexts = new WeakMap<GuardRuntime, WeakMap<Partial<ServiceLoaders>, Map<string, Shared>>>();

/** The key of one acting identity: '' is the guard's own credentials (also when no account is named). */
const identityKey = (rt: GuardRuntime, account: string | undefined): string => {
  if (rt.config.accounts.length === 0 || account === undefined) return '';
  const access = accessFor(rt.config.accounts, account);
  if (!access) throw new ConfigError(`account ${account} is not one IMDS_GUARD_ACCOUNTS lists`);
  return access.auth ? access.id : '';
};

const cacheFor = (rt: GuardRuntime, services: Partial<ServiceLoaders>): Map<string, Shared> => {
  let byServices = contexts.get(rt);
  if (!byServices) {
    byServices = new WeakMap();
    contexts.set(rt, byServices);
  }
  let byAccount = byServices.get(services);
  if (!byAccount) {
    byAccount = new Map();
    byServices.set(services, byAccount);
  }
  return byAccount;
};

/** The configuration one account is acted in with: the guard's, with that account's credentials. */
const configFor = (rt: GuardRuntime, key: string): GuardRuntime['config'] => {
  const auth = key === '' ? undefined : accessFor(rt.config.accounts, key)?.auth;
  return auth ? { ...rt.config, auth } : rt.config;
};

/**
 * Clients and token claims, once per runtime and account (the account's own credentials when
 * IMDS_GUARD_ACCOUNTS gives it some); a failed token request is forgotten, never kept.
 */
const actContext = async (
  rt: GuardRuntime,
  options: ActOptions,
  account?: string | undefined,
): Promise<ActContext> => {
  const key = identityKey(rt, account);
  const cache = cacheFor(rt, options.services);
  let s = cache.get(key);
  if (!s) {
    const cfg = configFor(rt, key);
    s = { clients: createClientsWith(cfg, options.services), self: tokenClaims(authenticatorFor(cfg)) };
    cache.set(key, s);
  }
  try {
    return {
      rt,
      clients: s.clients,
      self: await s.self,
      deadline: Date.now() + (options.budgetMs ?? 50_000),
    };
  } catch (err) {
    // One IAM blip must not poison the warm container: the next event asks IAM again.
    if (cache.get(key) === s) cache.delete(key);
    throw err;
  }
};

/**
 * Acts on items in their order, each with its account's acting context (built once per account);
 * when an account's context cannot be had, its items get `failed`'s answer.
 */
const actPerAccount = async <T extends { target: { account: string } }, R>(
  contextOf: (account: string) => Promise<ActContext>,
  items: readonly T[],
  act: (ctx: ActContext, item: T) => Promise<R>,
  failed: (items: T[], err: unknown) => R[],
): Promise<R[]> => {
  const out: R[] = [];
  const contexts = new Map<string, Promise<ActContext>>();
  for (const item of items) {
    const account = item.target.account;
    let ctx = contexts.get(account);
    if (!ctx) {
      ctx = contextOf(account);
      contexts.set(account, ctx);
    }
    let got: ActContext;
    try {
      got = await ctx;
    } catch (err) {
      out.push(...failed([item], err));
      continue;
    }
    out.push(await act(got, item));
  }
  return out;
};

/** May the guard act in this account? The policy's list, or else only the guard's own account. */
const mayActIn = (ctx: ActContext, account: string | undefined): boolean =>
  ctx.rt.config.accounts.length > 0
    ? accessFor(ctx.rt.config.accounts, account) !== undefined &&
      (ctx.rt.policy.accounts.length === 0 || accountAllowed(ctx.rt.policy, account))
    : accountAllowed(ctx.rt.policy, account, ctx.self.account?.bss);

const asCloudError = (err: unknown): CloudApiError =>
  err instanceof CloudApiError ? err : new CloudApiError(errorMessage(err), { status: 0, cause: err });

const ibmReason = (e: CloudApiError): string =>
  `IBM answered ${e.status || 'nothing'}${e.code ? ` ${e.code}` : ''}: ${e.message}${e.trace ? ` (trace ${e.trace})` : ''}`;

/** An error's own `retryable` flag (ticket sinks carry one), if it has one. */
const ownRetryable = (err: unknown): boolean | undefined => {
  const flag = (err as { retryable?: unknown } | null)?.retryable;
  return typeof flag === 'boolean' ? flag : undefined;
};

/** Any thrown error as a failed result: IBM's answer with its reason; anything else is retried unless it says not. */
const failureOf = (err: unknown): Failure => ({
  outcome: 'failed',
  reason: err instanceof CloudApiError ? ibmReason(err) : errorMessage(err),
  before: null,
  after: null,
  retry: err instanceof CloudApiError ? err.retryable : (ownRetryable(err) ?? true),
});

/**
 * A GET whose 404 may mean "not visible yet" (just created): retried a few times, then `undefined`.
 * sdk-core already retried 429/5xx on this GET, so only the 404 is retried here.
 */
const readOr404 = async <T>(
  ctx: ActContext,
  get: () => Promise<{ result: T; headers?: object }>,
  notFoundRetries = 0,
  pace: { baseDelayMs: number; maxDelayMs?: number } = { baseDelayMs: 400 },
): Promise<{ value: T; etag: string | undefined } | undefined> => {
  try {
    const res = await withRetry(() => cloudCall(get()), {
      attempts: notFoundRetries + 1,
      ...pace,
      deadline: ctx.deadline,
      retryable: (e) => e instanceof CloudApiError && e.status === 404,
    });
    const headers = (res.headers ?? {}) as Record<string, unknown>;
    const etag = headers.etag ?? headers.ETag;
    return { value: res.result, etag: typeof etag === 'string' ? etag : undefined };
  } catch (err) {
    if (err instanceof CloudApiError && err.status === 404) return undefined;
    throw err;
  }
};

export type { ActContext, ActOptions, Failure };
export { actContext, actPerAccount, asCloudError, failureOf, ibmReason, mayActIn, readOr404 };
