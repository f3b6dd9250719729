// Fault knobs for reliability tests: fail a share of API requests (bounded), add latency, or run a hook per
// request. Failures are spread deterministically (every 1/rate-th matching request), not randomly, so tests
// that count retries are exact.

import { StatusError } from "./errors.js";
import type { RequestInfo } from "./request-info.js";

export interface FaultConfig {
  /** Share of matching requests that fail, 0..1. */
  failRate?: number;
  /** HTTP status of injected failures: 500, 503 or 429 (default 500). */
  failStatus?: number;
  /** Stop failing after this many injected failures (default: unbounded while failRate is set). */
  failCount?: number;
  /** Added before every matching request is handled. */
  latencyMs?: number;
  /** Only requests with these verbs (get, list, watch, create, update, patch, delete) are affected. */
  verbs?: string[];
  /** Only requests for these resources (plural names, e.g. "services", "pods") are affected. */
  resources?: string[];
  /** Discovery, /version and OpenAPI are spared unless this is true. */
  includeDiscovery?: boolean;
}

/** Runs before each request; return (or throw) a StatusError to fail it. */
export type RequestHook = (
  info: RequestInfo,
  req: { method: string; url: string },
) => StatusError | void | Promise<StatusError | void>;

export interface FaultState extends FaultConfig {
  matched: number;
  injected: number;
}

export class Faults {
  private config: FaultConfig = {};
  private matched = 0;
  private injected = 0;
  hook: RequestHook | undefined;

  set(config: FaultConfig): void {
    const status = config.failStatus ?? 500;
    if (config.failRate !== undefined && !(config.failRate >= 0 && config.failRate <= 1)) {
      throw StatusError.badRequest(`failRate must be between 0 and 1, got ${config.failRate}`);
    }
    if (![500, 503, 429].includes(status))
      throw StatusError.badRequest(`failStatus must be 500, 503 or 429, got ${status}`);
    this.config = { ...config };
    this.matched = 0;
    this.injected = 0;
  }

  clear(): void {
    this.set({});
    this.hook = undefined;
  }

  state(): FaultState {
    return { ...this.config, matched: this.matched, injected: this.injected };
  }

  private applies(info: RequestInfo): boolean {
    const c = this.config;
    if (info.kind !== "resource") return c.includeDiscovery === true;
    if (c.verbs && !c.verbs.includes(info.verb)) return false;
    if (c.resources && !c.resources.includes(info.type.plural)) return false;
    return true;
  }

  /** Latency to add before handling the request. */
  latencyFor(info: RequestInfo): number {
    return this.config.latencyMs && this.applies(info) ? this.config.latencyMs : 0;
  }

  /** The injected failure for this request, if it is one of the failing share. */
  failureFor(info: RequestInfo): StatusError | undefined {
    const { failRate, failCount } = this.config;
    if (!failRate || !this.applies(info)) return undefined;
    if (failCount !== undefined && this.injected >= failCount) return undefined;
    const n = this.matched++;
    if (Math.floor((n + 1) * failRate) <= Math.floor(n * failRate)) return undefined;
    this.injected++;
    return StatusError.forCode(this.config.failStatus ?? 500, "injected by the simulator's fault knob");
  }
}
