// The load phase of a gate run: an optional warm-up whose figures are discarded, then the measured pass with a
// per-second timeline and a progress line every few seconds. Always bounded: it ends at the duration (then the
// requests in flight get the grace period of grace.ts), at the request cap, or promptly when the signal aborts,
// and returns what was measured.
import { performance } from "node:perf_hooks";
import type { LoadSettings, RequestSettings } from "../config/settings.js";
import type { LoadSummary } from "../results.js";
import { loadEngine, runPass, type PassOptions } from "./engine.js";
import { gracePeriodMs } from "./grace.js";
import { formatProgress } from "./progress.js";
import { LoadRecorder } from "./recorder.js";
import { requestFor, type LoadTarget } from "./target.js";

/** The target's url and host: a full URL, or a gateway base URL when `host` is set. */
export interface RunLoadOptions extends LoadTarget {
  request: RequestSettings;
  load: LoadSettings;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Appended to each progress line, e.g. the current pod counts. */
  progressExtra?: () => string;
  /** How often a progress line is logged; 5 s unless set. */
  progressIntervalMs?: number;
}

const PROGRESS_INTERVAL_MS = 5000;

export async function runLoad(options: RunLoadOptions): Promise<LoadSummary> {
  const { request, load, signal, log = () => {} } = options;
  const target = requestFor(options, request);
  const reported: LoadSummary["target"] = options.host
    ? { url: options.url, host: options.host }
    : { url: target.url };
  const pass = (durationMs: number, requests?: number): Omit<PassOptions, "startedAt"> => ({
    target,
    method: request.method,
    body: request.body,
    timeoutMs: request.timeoutMs,
    connections: load.connections,
    durationMs,
    rate: load.rate,
    requests,
    signal,
  });

  // Loaded before any clock starts, so its import time is never measured as load.
  const engine = await loadEngine();
  let warmupRequests = 0;
  if (load.warmupMs > 0 && !signal?.aborted) {
    const count = () => void warmupRequests++;
    await runPass(
      engine,
      { ...pass(load.warmupMs), startedAt: performance.now() },
      { response: count, timeout: () => {}, connectionError: () => {} },
    );
    log(
      `[load] warm-up: ${seconds(load.warmupMs)} s, ${warmupRequests.toLocaleString("en-US")} requests (discarded)`,
    );
  }

  const startedAt = performance.now();
  const recorder = new LoadRecorder(startedAt);
  if (signal?.aborted) return recorder.summary(startedAt, reported, warmupRequests);

  log(
    `[load] ${seconds(load.durationMs)} s at ${load.connections} connections` +
      (load.rate ? `, ${load.rate} req/s` : "") +
      (load.requests ? `, at most ${load.requests.toLocaleString("en-US")} requests` : "") +
      ` → ${target.url}` +
      (options.host ? ` (Host: ${options.host})` : ""),
  );
  const secondTimer = setInterval(() => recorder.endSecond(performance.now()), 1000);
  const progressTimer = setInterval(() => {
    const line = formatProgress(recorder.progress(performance.now()), load.durationMs / 1000);
    const extra = options.progressExtra?.();
    log(extra ? `${line}  ${extra}` : line);
  }, options.progressIntervalMs ?? PROGRESS_INTERVAL_MS);
  try {
    const { endedAt, endedBy } = await runPass(
      engine,
      { ...pass(load.durationMs, load.requests), graceMs: gracePeriodMs(request.timeoutMs), startedAt },
      recorder,
    );
    const summary = recorder.summary(endedAt, reported, warmupRequests);
    if (endedBy === "aborted") log(`[load] aborted after ${summary.durationSeconds} s`);
    if (summary.unanswered) {
      log(
        `[load] ${summary.unanswered} requests still unanswered ${seconds(gracePeriodMs(request.timeoutMs))} s ` +
          "after the load ended: counted as timeouts",
      );
    }
    return summary;
  } finally {
    clearInterval(secondTimer);
    clearInterval(progressTimer);
  }
}

const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);
