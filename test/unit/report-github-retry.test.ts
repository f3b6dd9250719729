import { describe, expect, test } from "@jest/globals";
import { apiFailure, isRateLimited, retryDecision, type ApiFailure } from "../../src/report/github-retry.js";

const policy = { retries: 3, baseDelayMs: 1000, rateLimitDelayMs: 60_000, maxDelayMs: 60_000 };
const failure = (status: number, headers: Record<string, string> = {}, message = ""): ApiFailure => ({
  status,
  headers,
  message,
});

describe("isRateLimited", () => {
  test("429 always; 403 only with a rate-limit sign; other 403s are permissions", () => {
    expect(isRateLimited(failure(429))).toBe(true);
    expect(isRateLimited(failure(403, { "retry-after": "5" }))).toBe(true);
    expect(isRateLimited(failure(403, { "x-ratelimit-remaining": "0" }))).toBe(true);
    expect(isRateLimited(failure(403, {}, "You have exceeded a secondary rate limit."))).toBe(true);
    expect(
      isRateLimited(
        failure(403, { "x-ratelimit-remaining": "4999" }, "Resource not accessible by integration"),
      ),
    ).toBe(false);
    expect(isRateLimited(failure(404))).toBe(false);
  });
});

describe("retryDecision", () => {
  const now = 1_700_000_000_000;

  test("honors retry-after in seconds", () => {
    expect(retryDecision(failure(403, { "retry-after": "7" }), "POST", 0, policy, now)).toMatchObject({
      retry: true,
      delayMs: 7000,
    });
  });

  test("waits until x-ratelimit-reset (plus a second) when the primary limit is spent", () => {
    const reset = String(now / 1000 + 30);
    const d = retryDecision(
      failure(429, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }),
      "GET",
      0,
      policy,
      now,
    );
    expect(d).toMatchObject({ retry: true, delayMs: 31_000 });
  });

  test("without a hint waits the rate-limit delay, doubling, and gives up beyond the cap", () => {
    const secondary = failure(403, {}, "secondary rate limit");
    expect(retryDecision(secondary, "GET", 0, policy, now)).toMatchObject({ retry: true, delayMs: 60_000 });
    expect(retryDecision(secondary, "GET", 1, policy, now)).toEqual({
      retry: false,
      why: "GitHub asks to wait 120 s, longer than the 60 s we allow",
    });
  });

  test("gives up after the allowed number of retries", () => {
    expect(retryDecision(failure(429, { "retry-after": "1" }), "GET", 3, policy, now)).toEqual({
      retry: false,
      why: "still rate limited after 3 retries",
    });
    expect(retryDecision(failure(502), "GET", 3, policy, now)).toEqual({
      retry: false,
      why: "still failing after 3 retries",
    });
  });

  test("server errors back off exponentially, capped, for requests that are safe to repeat", () => {
    expect(retryDecision(failure(502), "GET", 0, policy, now)).toMatchObject({ retry: true, delayMs: 1000 });
    expect(retryDecision(failure(503), "PATCH", 2, policy, now)).toMatchObject({
      retry: true,
      delayMs: 4000,
    });
    expect(retryDecision(failure(500), "GET", 2, { ...policy, maxDelayMs: 3000 }, now)).toMatchObject({
      delayMs: 3000,
    });
  });

  test("a POST that failed with 5xx is not repeated blindly", () => {
    expect(retryDecision(failure(502), "POST", 0, policy, now)).toEqual({ retry: false });
  });

  test("client errors are not retried", () => {
    for (const status of [400, 401, 403, 404, 422]) {
      expect(retryDecision(failure(status), "GET", 0, policy, now)).toEqual({ retry: false });
    }
  });
});

describe("apiFailure", () => {
  test("reads status, message and lower-cased headers from an Octokit RequestError", () => {
    const error = Object.assign(new Error("boom"), {
      status: 403,
      response: { headers: { "Retry-After": 5 } },
    });
    expect(apiFailure(error)).toEqual({ status: 403, message: "boom", headers: { "retry-after": "5" } });
    expect(apiFailure(new Error("plain"))).toBeUndefined();
    expect(apiFailure("text")).toBeUndefined();
  });
});
