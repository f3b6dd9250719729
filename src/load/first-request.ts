// The cold-start probe: one request to a revision at zero pods, timed end to end (connect, the activator holding
// it while a pod starts, the full response body). Its timeout is generous because that hold can take a while.
// A request that gets no complete response (the deadline, a reset, a refused connection) resolves as unanswered
// rather than failing the run as a cluster error: like a load with no answer, it is a cold start not measured,
// and the gate fails on it (verdict/evaluate.ts unmeasuredRun). Only a cancelled run rejects.
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import type { RequestSettings } from "../config/settings.js";
import { requestFor, type LoadTarget } from "./target.js";

export interface FirstRequestOptions extends LoadTarget {
  request: RequestSettings;
  /** Default: the larger of the request timeout and 5 minutes (Knative's default revision timeout). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FirstResponse {
  /** From sending the request to the last byte of the response (or to giving up), ms. */
  firstResponseMs: number;
  /** 0 when unanswered. */
  status: number;
  /** Why no complete response came, e.g. "no complete response within 300 s"; absent when answered. */
  unanswered?: string;
  /** Wall-clock time (epoch ms) the request was sent, to line up with pod events. */
  sentAt: number;
}

const COLD_START_TIMEOUT_MS = 300_000;

export function measureFirstRequest(options: FirstRequestOptions): Promise<FirstResponse> {
  const { request } = options;
  const target = requestFor(options, request);
  const timeoutMs = options.timeoutMs ?? Math.max(request.timeoutMs, COLD_START_TIMEOUT_MS);
  const url = new URL(target.url);
  const client = url.protocol === "https:" ? https : http;
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers: Record<string, string> = { ...target.headers };
  if (body) headers["content-length"] = String(body.length);

  return new Promise((resolve, reject) => {
    const sentAt = Date.now();
    const started = performance.now();
    const elapsed = (): number => Number((performance.now() - started).toFixed(3));
    const fail = (reason: string): void => {
      if (options.signal?.aborted) return reject(new Error(`cold-start request to ${target.url}: ${reason}`));
      resolve({ firstResponseMs: elapsed(), status: 0, sentAt, unanswered: `${target.url}: ${reason}` });
    };
    const req = client.request(
      url,
      {
        method: request.method,
        headers,
        // A fresh connection, as a first user would make; and TLS like the load engine (Knative certs are often
        // self-signed or issued for the Host, not the gateway address).
        agent: false,
        rejectUnauthorized: false,
        signal: options.signal,
      },
      (res) => {
        res.on("data", () => {});
        res.on("error", (error) => fail(error.message));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({
            firstResponseMs: elapsed(),
            status: res.statusCode ?? 0,
            sentAt,
          });
        });
      },
    );
    // A deadline for the whole exchange, not an idle timeout: a response may trickle in slowly.
    const timer = setTimeout(() => {
      fail(`no complete response within ${timeoutMs / 1000} s`);
      req.destroy();
    }, timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      fail(error.message);
    });
    req.end(body);
  });
}
