// Counts the HTTP requests each decision makes (decision record `api_calls`), including sdk-core's
// own retries, by tagging the async context of the work and counting in axios interceptors.
import { AsyncLocalStorage } from 'node:async_hooks';

interface CallTally {
  calls: number;
  byService: Record<string, number>;
}

// One store per process, whichever bundle file this module was copied into: a lazily loaded part of a
// function (the instance guard's ticketing) counts into the tally its caller opened.
const STORE = Symbol.for('imds-guard.call-tally');
const holder = globalThis as { [STORE]?: AsyncLocalStorage<CallTally> };
holder[STORE] ??= new AsyncLocalStorage<CallTally>();
const store = holder[STORE];

/** Runs `fn` with a fresh tally; returns its result and the number of API calls made inside. */
const countCalls = async <T>(fn: () => Promise<T>): Promise<{ result: T; tally: CallTally }> => {
  const tally: CallTally = { calls: 0, byService: {} };
  const result = await store.run(tally, fn);
  return { result, tally };
};

/** The tally of the current async context, if any. */
const currentTally = (): CallTally | undefined => store.getStore();

interface HasHttpClient {
  // biome-ignore lint/suspicious/noExplicitAny: axios's interceptor types differ between axios copies.
  getHttpClient(): { interceptors: { request: { use(fn: (c: any) => any): number } } };
}

/**
 * Makes every request of an sdk-core client count toward the current decision's tally: axios's
 * requests through an interceptor, and our VPC client's lean path (shared/cloud/transport.ts) through
 * its `onAttempt` hook.
 */
const instrument = <T extends HasHttpClient & { onAttempt?(listener: () => void): void; lean?: boolean }>(
  client: T,
  service: string,
): T => {
  const count = (): void => {
    const tally = store.getStore();
    if (tally) {
      tally.calls += 1;
      tally.byService[service] = (tally.byService[service] ?? 0) + 1;
    }
  };
  // A client that sends everything on its lean path never builds its axios instance (cold start).
  if (client.lean !== true)
    client.getHttpClient().interceptors.request.use((cfg: unknown) => {
      count();
      return cfg;
    });
  client.onAttempt?.(count);
  return client;
};

export type { CallTally };
export { countCalls, currentTally, instrument };
