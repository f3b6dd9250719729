// When to retry a GitHub API request, and how long to wait first. GitHub's rules: on a rate limit (403/429 with
// `retry-after`, `x-ratelimit-remaining: 0`, or a "secondary rate limit" message) wait what it asks; without a
// hint wait at least a minute, longer on each retry; give up after a few tries. Server errors (5xx, and network
// failures, which Octokit reports as 500) get a short exponential backoff, but only for requests that are safe
// to repeat: a POST that failed with 5xx may have happened, so its caller must look before trying again.
import type { getOctokit } from "@actions/github";

type Octokit = ReturnType<typeof getOctokit>;

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First wait after a server error; doubled on each retry. */
  baseDelayMs: number;
  /** First wait after a rate limit that names no time (GitHub asks for at least a minute); doubled each retry. */
  rateLimitDelayMs: number;
  /** The longest single wait. If GitHub asks for longer, we give up instead of retrying too early. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 1000,
  rateLimitDelayMs: 60_000,
  maxDelayMs: 60_000,
};

/** What we need from a failed Octokit request (a RequestError), read defensively. */
export interface ApiFailure {
  status: number;
  message: string;
  headers: Record<string, string | undefined>;
}

export function apiFailure(error: unknown): ApiFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as {
    status?: unknown;
    message?: unknown;
    response?: { headers?: Record<string, unknown> };
  };
  if (typeof e.status !== "number") return undefined;
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(e.response?.headers ?? {})) {
    headers[key.toLowerCase()] = value === undefined || value === null ? undefined : String(value);
  }
  return { status: e.status, message: typeof e.message === "string" ? e.message : "", headers };
}

export function isRateLimited(f: ApiFailure): boolean {
  if (f.status === 429) return true;
  if (f.status !== 403) return false;
  return (
    f.headers["retry-after"] !== undefined ||
    f.headers["x-ratelimit-remaining"] === "0" ||
    /secondary rate limit|abuse detection/i.test(f.message)
  );
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export type RetryDecision = { retry: true; delayMs: number; why: string } | { retry: false; why?: string };

/**
 * Whether to retry after failure number `attempt` (0 for the first), and after how long. Pure: `nowMs` is the
 * clock for `x-ratelimit-reset`.
 */
export function retryDecision(
  f: ApiFailure,
  method: string,
  attempt: number,
  policy: RetryPolicy,
  nowMs: number,
): RetryDecision {
  if (isRateLimited(f)) {
    if (attempt >= policy.retries)
      return { retry: false, why: `still rate limited after ${policy.retries} retries` };
    const retryAfter = Number(f.headers["retry-after"]);
    const reset = Number(f.headers["x-ratelimit-reset"]);
    let delayMs: number;
    if (f.headers["retry-after"] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) {
      delayMs = retryAfter * 1000;
    } else if (f.headers["x-ratelimit-remaining"] === "0" && Number.isFinite(reset)) {
      delayMs = Math.max(0, reset * 1000 - nowMs) + 1000;
    } else {
      delayMs = policy.rateLimitDelayMs * 2 ** attempt;
    }
    if (delayMs > policy.maxDelayMs) {
      return {
        retry: false,
        why: `GitHub asks to wait ${Math.ceil(delayMs / 1000)} s, longer than the ${Math.ceil(policy.maxDelayMs / 1000)} s we allow`,
      };
    }
    return { retry: true, delayMs, why: `rate limited (${f.status})` };
  }
  if (f.status >= 500 && IDEMPOTENT.has(method.toUpperCase())) {
    if (attempt >= policy.retries)
      return { retry: false, why: `still failing after ${policy.retries} retries` };
    return {
      retry: true,
      delayMs: Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt),
      why: `server error (${f.status})`,
    };
  }
  return { retry: false };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Retries every request of `octokit` (pagination included) per `policy`. Failures that are not retried reach
 * the caller unchanged, with a `retryNote` saying why retrying stopped, if it did.
 */
export function installRetries(
  octokit: Octokit,
  policy: RetryPolicy,
  log: (line: string) => void,
  wait: (ms: number) => Promise<void> = sleep,
): void {
  octokit.hook.wrap("request", async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        const failure = apiFailure(error);
        if (!failure) throw error;
        const decision = retryDecision(failure, options.method, attempt, policy, Date.now());
        if (!decision.retry) {
          if (decision.why && typeof error === "object")
            Object.assign(error as object, { retryNote: decision.why });
          throw error;
        }
        log(
          `GitHub API ${options.method} ${options.url}: ${decision.why}; retry ${attempt + 1} of ` +
            `${policy.retries} in ${(decision.delayMs / 1000).toFixed(1)} s`,
        );
        await wait(decision.delayMs);
      }
    }
  });
}
