// What a cluster load accepts and assumes when not told: the worker count's bounds against the load settings,
// the worker image and the start delay. A leaf (no imports), so input validation (src/config) checks a worker
// count with the same rules the cluster load (src/load/cluster) applies, without either importing the other.

/** The part of the load settings the worker count is checked against. */
export interface WorkerLoad {
  connections: number;
  /** The request cap, if any. */
  requests?: number;
}

export const DEFAULT_WORKER_IMAGE = "node:24-alpine";
/** How far ahead of the Job's creation the common start lies: time to schedule pods and pull the image. */
export const DEFAULT_START_DELAY_MS = 15_000;
export const MAX_WORKERS = 100;

/** Problems with the worker count against the load settings; undefined when there are none. */
export function workersProblem(workers: number, load: WorkerLoad): string | undefined {
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    return `must be a whole number from 1 to ${MAX_WORKERS}, got ${workers}`;
  }
  if (load.connections < workers) {
    return (
      `${workers} workers need at least ${workers} connections (one each), ` +
      `but connections is ${load.connections}; raise connections or lower load-workers`
    );
  }
  if (load.requests !== undefined && load.requests < workers) {
    return `${workers} workers cannot share a cap of ${load.requests} requests; raise requests or lower load-workers`;
  }
  return undefined;
}

/** workersProblem as a message naming the input, e.g. "load-workers: 4 workers need at least 4 connections …". */
export function checkWorkers(workers: number, load: WorkerLoad): string | undefined {
  const problem = workersProblem(workers, load);
  return problem && `load-workers: ${problem}`;
}
