// What profile-guard's acting code shares: the runtime, clients on the one authenticator, the guard's own
// token claims, the ticket sink the policy names, and small helpers for reading IBM's answers.
import type { TokenClaims } from '#shared/cloud/auth.ts';
import { authenticatorFor, tokenClaims } from '#shared/cloud/auth.ts';
import { type Clients, createClients } from '#shared/cloud/clients.ts';
import { CloudApiError, errorMessage } from '#shared/errors.ts';
import { accountAllowed } from '#shared/policy/match.ts';
import type { GuardRuntime } from '#shared/runtime/guard.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import { createSink, type TicketSink } from '#shared/tickets/index.ts';

interface ActContext {
  rt: GuardRuntime;
  clients: Clients;
  self: TokenClaims;
  /** Stop starting waits after this time (ms epoch): the function's time limit. */
  deadline: number;
  /** The policy's sink, built on first use (a sink with missing settings fails only when needed). */
  sink: () => TicketSink;
}

const contexts = new WeakMap<
  GuardRuntime,
  { clients: Clients; self: Promise<TokenClaims>; sink?: TicketSink }
>();

/** Clients, token claims and the sink, once per runtime (one token per process). */
const actContext = async (rt: GuardRuntime, budgetMs = 50_000): Promise<ActContext> => {
  let c = contexts.get(rt);
  if (!c) {
    c = { clients: createClients(rt.config), self: tokenClaims(authenticatorFor(rt.config)) };
    contexts.set(rt, c);
  }
  const shared = c;
  const self = await shared.self;
  return {
    rt,
    clients: shared.clients,
    self,
    deadline: Date.now() + budgetMs,
    sink: () => {
      shared.sink ??= createSink(rt.policy.profiles.ticket, {
        config: rt.config,
        logger: rt.logger,
        cases: shared.clients.cases,
        now: rt.now,
      });
      return shared.sink;
    },
  };
};

/** May the guard act in this account? The policy's list, or else only the guard's own account. */
const accountOk = (ctx: ActContext, account: string | undefined): boolean =>
  accountAllowed(ctx.rt.policy, account, ctx.self.account?.bss);

const asCloudError = (err: unknown): CloudApiError =>
  err instanceof CloudApiError ? err : new CloudApiError(errorMessage(err), { status: 0, cause: err });

const ibmReason = (e: CloudApiError): string =>
  `IBM answered ${e.status || 'nothing'}${e.code ? ` ${e.code}` : ''}: ${e.message}${e.trace ? ` (trace ${e.trace})` : ''}`;

/** A GET whose 404 may mean "not visible yet" (just created): retried a few times, then `undefined`. */
const readOr404 = async <T>(
  ctx: ActContext,
  get: () => Promise<{ result: T }>,
  notFoundRetries = 0,
): Promise<T | undefined> => {
  try {
    const res = await withRetry(() => cloudCall(get()), {
      attempts: notFoundRetries + 1,
      baseDelayMs: 400,
      deadline: ctx.deadline,
      // sdk-core already retried 429/5xx on this GET; here only "not visible yet".
      retryable: (e) => e instanceof CloudApiError && e.status === 404,
    });
    return res.result;
  } catch (err) {
    if (err instanceof CloudApiError && err.status === 404) return undefined;
    throw err;
  }
};

export type { ActContext };
export { accountOk, actContext, asCloudError, ibmReason, readOr404 };
