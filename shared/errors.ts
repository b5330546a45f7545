// Small error classes, mapped to HTTP status once, at the edge (functions/*/index.ts, serve, CLI).

/** Bad input from a caller: answered 4xx, never retried, nothing read or changed. */
class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  readonly status: number;
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, { cause: options?.cause });
    this.status = options?.status ?? 400;
  }
}

/** A configuration or manifest problem: the process cannot do its job until a human fixes it. */
class ConfigError extends Error {
  override name = 'ConfigError';
}

/** An IBM Cloud API call failed. Carries what IBM said, never credentials. */
class CloudApiError extends Error {
  override name = 'CloudApiError';
  readonly status: number;
  readonly code: string | undefined;
  readonly trace: string | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    details: { status: number; code?: string; trace?: string; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.code = details.code;
    this.trace = details.trace;
    this.retryAfterMs = details.retryAfterMs;
  }
  /** 429, 5xx and "no response" (status 0) are worth another try; 4xx are not. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || (this.status >= 500 && this.status !== 501);
  }
}

/** The work could not be finished now; the platform should deliver the event again (answer 5xx). */
class RetryLaterError extends Error {
  override name = 'RetryLaterError';
}

/**
 * `instanceof` across copies of a module: a function bundle holds one copy per file that imports it
 * (the acting code and its lazily loaded ticketing, scripts/build.mjs), and an error one copy throws
 * may be classified by another. The class's instances carry a process-wide brand; `x instanceof C`
 * asks for it, and a subclass keeps the ordinary prototype check.
 */
const crossCopy = (cls: abstract new (...args: never[]) => Error, name: string): void => {
  const brand = Symbol.for(`imds-guard.error.${name}`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, x: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, x);
      return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[brand] === true;
    },
  });
};
crossCopy(InvalidInputError, 'InvalidInputError');
crossCopy(ConfigError, 'ConfigError');
crossCopy(CloudApiError, 'CloudApiError');
crossCopy(RetryLaterError, 'RetryLaterError');

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export { CloudApiError, ConfigError, crossCopy, errorMessage, InvalidInputError, RetryLaterError };
