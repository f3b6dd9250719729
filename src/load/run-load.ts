// The load phase of a gate run: an optional warm-up whose figures are discarded, then the measured pass with a
// per-second timeline and a progress line every few seconds. Always bounded: it ends at the duration (then the
// requests in flight get the grace period of grace.ts), at the request cap, or promptly when the signal aborts,
// and returns what was measured.
//
// With `load.threads` above 1 the passes run on worker threads (threads/pool.ts) that report every outcome to
// this thread's one recorder, so the figures are recorded exactly as on one thread. Each runLoad has threads of
// its own, started when the load is prepared (prepareLoad, e.g. while the Service becomes Ready, or at the start
// of runLoad) and ended with it: two loads side by side (A/B) get the same number each and share the cores
// evenly, as their connections do.
import { performance } from "node:perf_hooks";
import type { LoadSettings, RequestSettings } from "../config/settings.js";
import type { LoadSummary } from "../results.js";
import { runPass, type PassObserver, type PassOptions, type PassResult } from "./engine.js";
import { gracePeriodMs } from "./grace.js";
import { loadHistogramLibrary } from "./histogram.js";
import { formatProgress } from "./progress.js";
import { LoadRecorder } from "./recorder.js";
import { requestFor, type LoadTarget } from "./target.js";
import { LoadThreads } from "./threads/pool.js";

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
  /** The engine (and its threads) started ahead of the load by prepareLoad; runLoad prepares it otherwise. */
  prepared?: PreparedLoad;
}

type Pass = (options: PassOptions, observer: PassObserver) => Promise<PassResult>;

/** The engine ready to run passes: loaded on this thread, or its threads started; the recorder's histograms loaded. */
export interface PreparedLoad {
  /** Resolves when passes can start and be recorded; rejects if the engine or a thread cannot start. */
  ready: Promise<Pass>;
  /** Ends the threads; runLoad calls it when the load is over, a caller that never ran the load must. */
  close(): Promise<void>;
}

/** How many threads a load runs on: `load.threads` (1 when unset), at most one per connection. */
export function threadCount(load: LoadSettings): number {
  return Math.max(1, Math.min(load.threads ?? 1, load.connections, load.requests ?? Infinity));
}

/**
 * Starts what the load needs before it starts: the recorder's histogram library (histogram.ts) and, on several
 * threads, the threads started and their engines loaded. Nothing is sent until runLoad. A failure shows when
 * runLoad awaits `ready`.
 */
export function prepareLoad(load: LoadSettings): PreparedLoad {
  const count = threadCount(load);
  const histograms = loadHistogramLibrary();
  if (count === 1) {
    const ready = histograms.then((): Pass => runPass);
    ready.catch(() => {});
    return { ready, close: async () => {} };
  }
  const threads = LoadThreads.start(count);
  threads.catch(() => {});
  const ready = Promise.all([threads, histograms]).then(
    ([pool]): Pass =>
      (options, observer) =>
        pool.runPass(options, observer),
  );
  // A load prepared and never run (the deploy failed) must not leave an unhandled rejection behind.
  ready.catch(() => {});
  return {
    ready,
    close: async () => {
      await (await threads.catch(() => undefined))?.close();
    },
  };
}

const PROGRESS_INTERVAL_MS = 5000;

export async function runLoad(options: RunLoadOptions): Promise<LoadSummary> {
  const { request, load, signal } = options;
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

  // Loaded (and threads started) before any clock starts, so start-up time is never measured as load.
  const prepared = options.prepared ?? prepareLoad(load);
  try {
    return await measure(options, await prepared.ready, pass, target, reported);
  } finally {
    await prepared.close();
  }
}

async function measure(
  options: RunLoadOptions,
  runPass: Pass,
  pass: (durationMs: number, requests?: number) => Omit<PassOptions, "startedAt">,
  target: ReturnType<typeof requestFor>,
  reported: LoadSummary["target"],
): Promise<LoadSummary> {
  const { request, load, signal, log = () => {} } = options;
  let warmupRequests = 0;
  if (load.warmupMs > 0 && !signal?.aborted) {
    const count = () => void warmupRequests++;
    await runPass(
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
      (threadCount(load) > 1 ? `, on ${threadCount(load)} threads` : "") +
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
