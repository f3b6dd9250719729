// One load run in its own process, so its memory and CPU are its own: our engine (runLoad, as the gate runs it)
// or plain autocannon (its own pacing and histogram, for comparison). Prints one JSON line (a ToolRun).
//   node --import tsx bench/engine-child.ts '{"engine":"ours","url":"http://127.0.0.1:8080/","connections":50,"durationS":10}'
// Bundled, this file is also what our engine's load threads import (src/load/threads/entry.mjs): it exports
// runLoadThread, and only the main thread runs a load.
export { runLoadThread } from "../src/load/threads/thread.js";
import { isMainThread } from "node:worker_threads";
import { runLoad } from "../src/load/index.js";
import type { LoadShape, ToolRun } from "./lib/tools.js";

const shape = (isMainThread ? JSON.parse(process.argv[2] ?? "{}") : {}) as LoadShape & {
  engine: "ours" | "autocannon";
};
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const rssTimeline: number[] = [];
// With --expose-gc, also the live heap after a full collection every 5 s: what the run retains, as opposed to
// how much heap V8 chose to reserve (which RSS shows).
const gc = (globalThis as { gc?: () => void }).gc;
const liveHeapTimeline: number[] = [];
const liveHeap = (): number => {
  gc?.();
  return mb(process.memoryUsage().heapUsed);
};
let tick = 0;
// RSS is the whole process's, threads included; the live heap is the main thread's (each thread has its own).
const sampler = isMainThread
  ? setInterval(() => {
      rssTimeline.push(mb(process.memoryUsage.rss()));
      if (gc && ++tick % 5 === 0) liveHeapTimeline.push(liveHeap());
    }, 1000)
  : undefined;

async function ours(): Promise<ToolRun> {
  const summary = await runLoad({
    url: shape.url,
    request: { path: "/", method: "GET", headers: {}, timeoutMs: (shape.timeoutS ?? 10) * 1000 },
    load: {
      durationMs: shape.durationS * 1000,
      connections: shape.connections,
      rate: shape.rate,
      requests: shape.requests,
      warmupMs: 0,
      // As the action's default (load-threads: 1, src/config/inputs.ts) unless the shape sets it.
      threads: shape.threads ?? 1,
    },
  });
  return {
    tool: "ours",
    rps: summary.rps,
    requests: summary.requests,
    p50: summary.latency.p50,
    p90: summary.latency.p90,
    p99: summary.latency.p99,
    errors: summary.errors.total,
  };
}

async function plainAutocannon(): Promise<ToolRun> {
  // Imported here, not at the top: our engine's threads import this bundle too, and never need it.
  const { default: autocannon } = await import("autocannon");
  const result = await autocannon({
    url: shape.url,
    connections: shape.connections,
    duration: shape.durationS,
    overallRate: shape.rate,
    timeout: shape.timeoutS ?? 10,
  });
  return {
    tool: shape.rate ? "autocannon overallRate" : "autocannon",
    rps: result.requests.total / result.duration,
    requests: result.requests.total,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

// No top-level await: ncc bundles this file for the footprint figure, and its parser rejects it.
if (isMainThread) void main();

async function main(): Promise<void> {
  const figures = await (shape.engine === "autocannon" ? plainAutocannon() : ours());
  clearInterval(sampler);
  // maxRSS is in kilobytes: the peak of the whole process life, start-up included.
  const peakRssMb = mb(process.resourceUsage().maxRSS * 1024);
  const live = gc ? { liveHeapTimeline, liveHeapEndMb: liveHeap() } : {};
  console.log(JSON.stringify({ ...figures, peakRssMb, rssTimeline, ...live }));
}
