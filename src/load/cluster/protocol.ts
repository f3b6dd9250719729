// What the action and the workers agree on: the marker of a worker's result line, its version, and the
// histogram's range. worker.mjs repeats these values because it must stand alone in the pod (importing it here
// would pull the worker into the action's bundle); a unit test keeps the two equal.
export type { WorkerConfig, WorkerResult, WorkerSecond, WorkerShare } from "./worker.mjs";

export const RESULT_MARKER = "@@knative-perf-gate/worker-result ";
export const RESULT_VERSION = 1;
/** Latencies are microseconds; the runner's recorder uses the same range (1 µs to 60 s, 3 digits). */
export const HIGHEST_TRACKABLE_VALUE = 60_000_000;
