// Types of worker.mjs, the plain-JavaScript load worker that runs in the cluster's pods.

/** config.json in the load ConfigMap: everything a worker needs besides its JOB_COMPLETION_INDEX. */
export interface WorkerConfig {
  /** Absolute URL including the request path and query. */
  url: string;
  method: string;
  /** Request headers, Host included when the target is a gateway address. */
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** After the measured phase, how long requests in flight may finish (src/load/grace.ts); 0 when absent. */
  graceMs?: number;
  /** The common start time (epoch ms): the start barrier every worker waits for. */
  startAt: number;
  warmupMs: number;
  durationMs: number;
  /** Requests per second of the whole Job; undefined runs closed loop (as fast as answers come). */
  rate?: number;
  /** Connections of the whole Job (the sum of the shares). */
  connections: number;
  /** One entry per worker index. */
  shares: WorkerShare[];
  progressIntervalMs?: number;
  /** Also report every measured latency (µs) in the result: for tests that check the merge against them. */
  samples?: boolean;
}

export interface WorkerShare {
  connections: number;
  /** Index of this worker's first connection among the Job's, which places its fixed-rate schedule. */
  firstConnection: number;
  /** Its part of the rate (informational: the schedule follows from rate, connections and firstConnection). */
  rate?: number;
  requests?: number;
}

export interface WorkerSecond {
  requests: number;
  errors: number;
  /** HdrHistogram V2 compressed base64 of the latencies (µs) completed in this second. */
  histogram: string;
}

/** The JSON after RESULT_MARKER on a worker's last log line. Times are epoch milliseconds. */
export interface WorkerResult {
  v: number;
  index: number;
  workers: number;
  /** When the worker passed the start barrier (later than startAt if its pod started late). */
  startedAt: number;
  /** Start of its measured phase: startAt + warmupMs, or later if it started late. */
  measuredFrom: number;
  endedAt: number;
  endedBy: "duration" | "requests";
  requests: number;
  bytes: number;
  /** Responses by status code, all codes. */
  statuses: Record<string, number>;
  /** Includes `unanswered`. */
  timeouts: number;
  connectionErrors: number;
  /** Requests still in flight when the grace period ended (absent from older workers). */
  unanswered?: number;
  warmupRequests: number;
  /** Exact smallest and largest latencies (µs) and the HdrHistogram V2 compressed base64 of all of them. */
  latency: { min: number; max: number; histogram: string };
  /** Second k covers [startAt + warmupMs + k s, … + 1 s). */
  seconds: WorkerSecond[];
  samples?: number[];
}

export const RESULT_MARKER: string;
export const RESULT_VERSION: number;
export const HIGHEST_TRACKABLE_VALUE: number;

export function countsIndex(value: number): number;

export class Histogram {
  counts: Map<number, number>;
  totalCount: number;
  min: number;
  max: number;
  record(value: number): void;
  encode(): string;
}

export function runWorker(
  config: WorkerConfig,
  index: number,
  log?: (line: string) => void,
): Promise<WorkerResult>;
