// Turns the workers' result lines into one LoadSummary, exactly: latency histograms are decoded and added bucket
// by bucket (percentiles of the merge, never averages of percentiles), counters are summed, and the timeline's
// seconds line up because every worker counts them from the same common start (wall clock).
//
// The histogram has the runner recorder's layout (1 µs to 60 s, 3 significant digits, src/load/histogram.ts),
// so a cluster run and a runner run report percentiles the same way. The exact min and max come from the
// workers: a decoded histogram knows only their buckets. The histogram library must be loaded
// (loadHistogramLibrary, histogram.ts) before a merge: run.ts loads it when the Job starts.
import type { ClusterWorkerSummary, ErrorSummary, LoadSample, LoadSummary } from "../../results.js";
import { decodeHistogram, latencySummary, microsecondHistogram, ms, type Histogram } from "../histogram.js";
import { RESULT_MARKER, RESULT_VERSION, type WorkerResult } from "./protocol.js";

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

export type { ClusterWorkerSummary };

export interface WorkerReport {
  result: WorkerResult;
  pod: string;
  node?: string;
}

export class WorkerResultError extends Error {}

/** The result document from a worker's log; the last marker line wins. */
export function parseWorkerLog(log: string, expectedIndex: number): WorkerResult {
  const line = log
    .split("\n")
    .reverse()
    .find((l) => l.startsWith(RESULT_MARKER));
  if (!line) throw new WorkerResultError("its log has no result line");
  let result: WorkerResult;
  try {
    result = JSON.parse(line.slice(RESULT_MARKER.length)) as WorkerResult;
  } catch (error) {
    throw new WorkerResultError(
      `its result line is not JSON (${(error as Error).message}); was the log truncated?`,
    );
  }
  if (result.v !== RESULT_VERSION) {
    throw new WorkerResultError(`its result has version ${result.v}, expected ${RESULT_VERSION}`);
  }
  if (result.index !== expectedIndex) {
    throw new WorkerResultError(`its result is for worker ${result.index}, expected ${expectedIndex}`);
  }
  return result;
}

function decode(encoded: string, what: string): Histogram {
  try {
    return decodeHistogram(encoded);
  } catch (error) {
    throw new WorkerResultError(`${what}: cannot decode the latency histogram: ${(error as Error).message}`);
  }
}

/** Adds histograms into a fresh one; `add` copies bucket counts when the layouts agree (they do). */
export function mergeHistograms(encoded: string[], what = "worker"): Histogram {
  const merged = microsecondHistogram();
  for (const e of encoded) merged.add(decode(e, what));
  return merged;
}

const failedStatus = (status: number): boolean => status < 200 || status >= 400;

function statusErrors(statuses: Record<string, number>): number {
  return Object.entries(statuses).reduce(
    (sum, [status, n]) => sum + (failedStatus(Number(status)) ? n : 0),
    0,
  );
}

export interface MergeOptions {
  target: LoadSummary["target"];
  /** The common start of the measured phase (startAt + warm-up), epoch ms. */
  measureFrom: number;
}

/** One LoadSummary for the Job, plus each worker's figures. Reports must be one per index, in any order. */
export function mergeWorkerResults(
  reports: WorkerReport[],
  options: MergeOptions,
): { summary: LoadSummary; workers: ClusterWorkerSummary[] } {
  const sorted = [...reports].sort((a, b) => a.result.index - b.result.index);
  const results = sorted.map((r) => r.result);
  const endedAt = Math.max(options.measureFrom, ...results.map((r) => r.endedAt));
  const durationSeconds = (endedAt - options.measureFrom) / 1000;

  const latency = mergeHistograms(
    results.map((r) => r.latency.histogram),
    "worker",
  );
  const recorded = results.filter((r) => r.requests > 0);
  const exact = recorded.length
    ? {
        min: Math.min(...recorded.map((r) => r.latency.min)),
        max: Math.max(...recorded.map((r) => r.latency.max)),
      }
    : undefined;

  const byStatus: Record<string, number> = {};
  for (const r of results) {
    for (const [status, n] of Object.entries(r.statuses)) {
      if (failedStatus(Number(status))) byStatus[status] = (byStatus[status] ?? 0) + n;
    }
  }
  const sum = (pick: (r: WorkerResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const requests = sum((r) => r.requests);
  const timeouts = sum((r) => r.timeouts);
  const connectionErrors = sum((r) => r.connectionErrors);
  const unanswered = sum((r) => r.unanswered ?? 0);
  const total = sum((r) => statusErrors(r.statuses)) + timeouts + connectionErrors;
  const attempts = requests + timeouts + connectionErrors;
  const errors: ErrorSummary = {
    total,
    rate: attempts > 0 ? total / attempts : 0,
    byStatus,
    timeouts,
    connectionErrors,
  };

  const summary: LoadSummary = {
    target: options.target,
    durationSeconds: round(durationSeconds, 3),
    sent: attempts,
    requests,
    unanswered,
    rps: durationSeconds > 0 ? round(requests / durationSeconds, 1) : 0,
    bytesPerSecond: durationSeconds > 0 ? Math.round(sum((r) => r.bytes) / durationSeconds) : 0,
    latency: latencySummary(latency, exact),
    errors,
    timeline: mergeTimeline(results, durationSeconds),
    warmupRequests: sum((r) => r.warmupRequests),
  };
  const workers = sorted.map(({ result: r, pod, node }) => workerSummary(r, pod, node, options.measureFrom));
  return { summary, workers };
}

function mergeTimeline(results: WorkerResult[], durationSeconds: number): LoadSample[] {
  const seconds = Math.max(0, ...results.map((r) => r.seconds.length));
  const timeline: LoadSample[] = [];
  for (let k = 0; k < seconds; k++) {
    const parts = results.map((r) => r.seconds[k]).filter((s) => s !== undefined);
    const requests = parts.reduce((n, s) => n + s.requests, 0);
    const errors = parts.reduce((n, s) => n + s.errors, 0);
    // The last second may be partial (the run ended by its request cap, or the duration is fractional).
    const length = Math.min(1, durationSeconds - k);
    if (length <= 0 && requests === 0 && errors === 0) continue;
    const p99 =
      requests > 0
        ? ms(
            mergeHistograms(
              parts.map((s) => s.histogram),
              `second ${k}`,
            ).getValueAtPercentile(99),
          )
        : 0;
    timeline.push({ t: k, requests, rps: round(requests / Math.max(length, 0.001), 1), p99, errors });
  }
  return timeline;
}

function workerSummary(
  r: WorkerResult,
  pod: string,
  node: string | undefined,
  measureFrom: number,
): ClusterWorkerSummary {
  const h = decode(r.latency.histogram, `worker ${r.index}`);
  const seconds = (r.endedAt - r.measuredFrom) / 1000;
  const latency = latencySummary(h, r.requests > 0 ? r.latency : undefined);
  return {
    index: r.index,
    pod,
    ...(node ? { node } : {}),
    requests: r.requests,
    rps: seconds > 0 ? round(r.requests / seconds, 1) : 0,
    errors: statusErrors(r.statuses) + r.timeouts + r.connectionErrors,
    latency: { p50: latency.p50, p99: latency.p99, max: latency.max },
    lateMs: Math.max(0, Math.round(r.measuredFrom - measureFrom)),
  };
}
