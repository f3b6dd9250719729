// Figure 1: load engine throughput against wrk and hey, same keep-alive loopback target (nginx `return 200`),
// same connections and duration, tools interleaved round by round (the order rotates) so that the machine's
// noise falls on all of them alike. Ratios are of the medians.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNginx } from "./lib/nginx.js";
import { median } from "./lib/process.js";
import { summarizeProfiles, type ProfileSummary } from "./lib/profile.js";
import {
  runEngine,
  runHey,
  runNodeNet,
  runWrk,
  type EngineChild,
  type LoadShape,
  type ToolRun,
} from "./lib/tools.js";

export interface ThroughputResult {
  connections: number;
  durationS: number;
  rounds: number;
  /** Every run, in the order made. */
  runs: ToolRun[];
  /** Median rps per tool. */
  rps: Record<string, number>;
  oursVsWrk: number;
  oursVsHey: number;
  /** Our engine's threads in the `ours` runs (load-threads: auto, one per core). */
  threads?: number;
  /** Median rps of our engine by thread count: the engine's scaling. */
  scaling?: Record<string, number>;
  profile?: ProfileSummary;
}

export interface ThroughputOptions {
  child: EngineChild;
  connections: number;
  durationS: number;
  rounds: number;
  /** Also run our engine once under --cpu-prof (unbundled, so packages are named) and summarize. */
  profile: boolean;
  log: (line: string) => void;
}

type Tool = [name: string, run: (shape: LoadShape) => Promise<ToolRun>];

export async function benchThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const nginx = await startNginx();
  try {
    const shape: LoadShape = {
      url: nginx.url,
      connections: options.connections,
      durationS: options.durationS,
    };
    // `ours` is the action's default (one thread per core); `ours -tN` the same engine on N threads.
    const cores = availableParallelism();
    const threadCounts = [1, 2].filter((t) => t < cores);
    const oursOn = (threads: number): Tool => [
      `ours -t${threads}`,
      async (s) => ({
        ...(await runEngine(options.child, "ours", { ...s, threads })),
        tool: `ours -t${threads}`,
      }),
    ];
    const tools: Tool[] = [
      ["ours", (s) => runEngine(options.child, "ours", { ...s, threads: cores })],
      ...threadCounts.map(oursOn),
      ["wrk", (s) => runWrk(s)],
      ["hey", (s) => runHey(s)],
      ["autocannon", (s) => runEngine(options.child, "autocannon", s)],
      ["wrk -t1", (s) => runWrk(s, 1)],
      ["node net", (s) => runNodeNet(s)],
    ];
    const runs: ToolRun[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const order = tools.map((_, i) => tools[(i + round) % tools.length]);
      for (const [name, runTool] of order) {
        const result = await runTool(shape);
        runs.push(result);
        options.log(
          `throughput round ${round + 1}: ${name} ${Math.round(result.rps).toLocaleString("en-US")} rps`,
        );
      }
    }
    const rps = Object.fromEntries(
      tools.map(([name]) => [
        name,
        Math.round(median(runs.filter((r) => r.tool === name).map((r) => r.rps))),
      ]),
    );
    let profile: ProfileSummary | undefined;
    if (options.profile) profile = await profileOurs(shape, options.log);
    return {
      connections: options.connections,
      durationS: options.durationS,
      rounds: options.rounds,
      runs,
      rps,
      oursVsWrk: ratio(rps.ours, rps.wrk),
      oursVsHey: ratio(rps.ours, rps.hey),
      threads: cores,
      scaling: Object.fromEntries([
        ...threadCounts.map((t) => [String(t), rps[`ours -t${t}`]]),
        [String(cores), rps.ours],
      ]),
      profile,
    };
  } finally {
    await nginx.stop();
  }
}

async function profileOurs(shape: LoadShape, log: (line: string) => void): Promise<ProfileSummary> {
  const dir = mkdtempSync(join(tmpdir(), "kpg-bench-prof-"));
  try {
    const child = {
      args: ["--import", "tsx", fileURLToPath(new URL("./engine-child.ts", import.meta.url))],
      kind: "tsx",
    };
    const result = await runEngine(child, "ours", shape, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    log(`throughput profile: ours ${Math.round(result.rps).toLocaleString("en-US")} rps under --cpu-prof`);
    return summarizeProfiles(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
