// Figure 5: footprint. Peak RSS of our engine (bundled, in its own process) for a short and a long run against
// nginx on one thread, the action's default (load-threads: 1, src/config/inputs.ts): the long one must stay under
// the target and not need more memory than the short one (nothing grows per request). The long run again on two
// threads is reported beside it: each worker thread is an isolate with its own copy of the engine, so threads
// cost memory the default does not pay. The action's cold start (`node dist/main.js` to its first line of
// output) and bundle size, when dist/ has been built.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNginx } from "./lib/nginx.js";
import { median, timeToFirstOutput } from "./lib/process.js";
import { runEngine, type EngineChild, type ToolRun } from "./lib/tools.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** load-threads of the runs the targets judge: the action's default. */
export const DEFAULT_THREADS = 1;
/** load-threads of the run reported beside them. */
export const MORE_THREADS = 2;

export type FootprintRun = ToolRun & { requestCap: number; threads?: number };

export interface FootprintResult {
  connections: number;
  /** The short and the long run, on DEFAULT_THREADS (records from before `threads` ran one thread per core). */
  runs: FootprintRun[];
  /** The long run on MORE_THREADS threads (reported, not judged); absent in older records. */
  moreThreads?: FootprintRun;
  /** Peak RSS of the long run over the short one. */
  rssGrowth: number;
  /** Live heap after a full GC at the end of the long run over the short one: what grows per request. */
  liveHeapGrowth: number;
  coldStart:
    | {
        measured: true;
        entry: string;
        /** Median and fastest time to first output, ms. */
        ms: number;
        minMs: number;
        samples: number[];
        nodeBaselineMs: number;
        nodeBaselineMinMs: number;
        firstLine: string;
      }
    | { measured: false; reason: string };
  bundle:
    | { measured: true; indexBytes: number; distBytes: number; files: number }
    | { measured: false; reason: string };
}

export interface FootprintOptions {
  child: EngineChild;
  /** Request caps of the short and the long run. */
  requests: [number, number];
  coldStartSamples: number;
  log: (line: string) => void;
}

export async function benchFootprint(options: FootprintOptions): Promise<FootprintResult> {
  const connections = 50;
  const runs: FootprintRun[] = [];
  let moreThreads: FootprintRun | undefined;
  const nginx = await startNginx();
  try {
    const measure = async (requestCap: number, threads: number): Promise<FootprintRun> => {
      // The duration only bounds the run: the request cap ends it.
      const durationS = Math.max(60, Math.ceil(requestCap / 2000));
      const shape = { url: nginx.url, connections, durationS, requests: requestCap, threads };
      const result = await runEngine(options.child, "ours", shape, ["--expose-gc"]);
      options.log(
        `footprint: ${result.requests.toLocaleString("en-US")} requests on ${threads} thread(s), peak RSS ` +
          `${result.peakRssMb} MB, live heap at the end ${result.liveHeapEndMb} MB ` +
          `(${Math.round(result.rps).toLocaleString("en-US")} rps)`,
      );
      return { ...result, requestCap, threads };
    };
    for (const requestCap of options.requests) runs.push(await measure(requestCap, DEFAULT_THREADS));
    moreThreads = await measure(options.requests[1], MORE_THREADS);
  } finally {
    await nginx.stop();
  }
  return {
    connections,
    runs,
    moreThreads,
    rssGrowth: Math.round(((runs[1].peakRssMb ?? 0) / (runs[0].peakRssMb ?? 1)) * 100) / 100,
    liveHeapGrowth: Math.round(((runs[1].liveHeapEndMb ?? 0) / (runs[0].liveHeapEndMb ?? 1)) * 100) / 100,
    coldStart: await coldStart(options.coldStartSamples, options.log),
    bundle: bundleSize(),
  };
}

async function coldStart(
  samples: number,
  log: (line: string) => void,
): Promise<FootprintResult["coldStart"]> {
  const entry = join(ROOT, "dist", "main.js");
  if (!existsSync(entry))
    return { measured: false, reason: "dist/main.js not built (run `npm run package`)" };
  // Run it as GitHub would, with an input that fails validation at once: no cluster is contacted, and the
  // first line it prints is what a user sees first. Alternate it with bare node so that a busy spell of the
  // machine falls on both.
  const env = {
    PATH: process.env.PATH,
    GITHUB_ACTIONS: "true",
    "INPUT_SERVICE-FILE": "bench-cold-start-does-not-exist.yaml",
    KUBECONFIG: "/nonexistent",
  };
  const times: number[] = [];
  const baseline: number[] = [];
  let firstLine = "";
  for (let i = 0; i < samples; i++) {
    const result = await timeToFirstOutput(process.execPath, [entry], env);
    times.push(Math.round(result.ms));
    firstLine = result.firstLine;
    baseline.push(Math.round((await timeToFirstOutput(process.execPath, ["-e", "console.log(1)"], env)).ms));
  }
  const ms = median(times);
  log(`cold start: dist/main.js first output after ${ms} ms (node alone ${median(baseline)} ms)`);
  return {
    measured: true,
    entry: "dist/main.js",
    ms,
    minMs: Math.min(...times),
    samples: times,
    nodeBaselineMs: median(baseline),
    nodeBaselineMinMs: Math.min(...baseline),
    firstLine,
  };
}

function bundleSize(): FootprintResult["bundle"] {
  const dist = join(ROOT, "dist");
  if (!existsSync(join(dist, "index.js"))) return { measured: false, reason: "dist/index.js not built" };
  let distBytes = 0;
  let files = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        distBytes += statSync(path).size;
        files++;
      }
    }
  };
  walk(dist);
  return { measured: true, indexBytes: statSync(join(dist, "index.js")).size, distBytes, files };
}
