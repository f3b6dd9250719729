// Single API requests (a read, the apply, a delete) meet the same blips as watches: an API server restarting
// behind its load balancer (connection refused or reset), 503 while etcd elects a leader, 429 from API
// priority and fairness. Those are retried a few times with exponential backoff; anything else (403, 404,
// 409, 422) is an answer and goes straight back to the caller. Watches have their own loop (watch.ts).
import { statusCodeOf } from "./errors.js";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Wait before the second try; doubled for each further one. */
  baseDelayMs: number;
}

// 250 + 500 + 1000 ms: a restart of a few seconds' downtime is still the watch loop's to ride out, but a
// dropped connection or a single 5xx costs a run nothing.
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250 };

/** A failure worth another try: 429, 5xx but 501, or no HTTP answer at all. */
export function isTransient(error: unknown, options: { transport?: boolean } = {}): boolean {
  const code = statusCodeOf(error);
  if (code === undefined) return (options.transport ?? true) && isTransportError(error);
  return code === 429 || (code >= 500 && code !== 501);
}

/** fetch's "fetch failed" with a socket error as its cause (undici), or a bare socket error. */
function isTransportError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return false;
  const code = e?.cause?.code ?? e?.code;
  return (
    typeof code === "string" &&
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|UND_ERR_SOCKET|UND_ERR_CLOSED)$/.test(code)
  );
}

/** The wait after failure number `failure` (1 for the first) under the default policy. */
export function retryDelayMs(failure: number, policy: RetryPolicy = DEFAULT_RETRY): number {
  return policy.baseDelayMs * 2 ** (failure - 1);
}

/**
 * Calls `request` until it succeeds, fails with an error that is not transient, or the tries are used up;
 * then the last error is thrown unchanged. Only for requests that are safe to repeat.
 */
export async function withRetries<T>(
  request: () => Promise<T>,
  options: Partial<RetryPolicy> & {
    transport?: boolean;
    onRetry?: (error: unknown, delayMs: number) => void;
  } = {},
): Promise<T> {
  const { attempts, baseDelayMs } = { ...DEFAULT_RETRY, ...options };
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error, options)) throw error;
      const delayMs = retryDelayMs(attempt, { attempts, baseDelayMs });
      options.onRetry?.(error, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
