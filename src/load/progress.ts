// The progress line logged during the measured load, e.g.
// `[load] 15s/30s  12,345 req  823 rps  p99 41.2 ms  errors 0`; the pipeline appends the pod counts.
import type { ProgressSnapshot } from "./recorder.js";

const count = (n: number): string => Math.round(n).toLocaleString("en-US");

/** Requests and errors are totals so far; rps and p99 cover the time since the previous line. */
export function formatProgress(snapshot: ProgressSnapshot, durationSeconds: number): string {
  const elapsed = Math.round(snapshot.elapsedSeconds);
  return (
    `[load] ${elapsed}s/${Math.round(durationSeconds)}s  ${count(snapshot.requests)} req  ` +
    `${count(snapshot.rps)} rps  p99 ${snapshot.p99.toFixed(1)} ms  errors ${count(snapshot.errors)}`
  );
}
