// Figure 2: latency accuracy. (a) Against a target with a 20 ms service time, each tool's p50 is compared with
// the service time the target measured itself (a fresh target per tool). (b) Coordinated omission: at a fixed
// rate against a target that stalls for 1 s, a correct measurement times every request from when it should have
// been sent, so a fraction 1/T of a T-second run is spread evenly over 0..1000 ms and
// p99 = 1000 × (1 − 0.01 × T) ms. Closed-loop tools (wrk, hey -q) see only the few requests in flight.
import { fileURLToPath } from "node:url";
import { median, startService } from "./lib/process.js";
import { runEngine, runHey, runWrk, type EngineChild, type LoadShape, type ToolRun } from "./lib/tools.js";

const TARGET = fileURLToPath(new URL("./targets/delay-server.mjs", import.meta.url));

export interface ServerTruth {
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface AccuracyRun extends ToolRun {
  /** What the target measured for the same run. */
  truth: ServerTruth;
  /** Tool p50 minus the target's p50, ms. */
  p50Error: number;
}

export interface LatencyResult {
  serviceMs: number;
  accuracy: {
    connections: number;
    durationS: number;
    rounds: number;
    runs: AccuracyRun[];
    /** Per tool, the median over rounds of p50 and of its error against the target's own p50. */
    median: Record<string, { p50: number; p50Error: number; truthP50: number }>;
  };
  /** The same 20 ms target at a fixed rate: shows autocannon's own correction dragging p50 down. */
  fixedRate: { rate: number; runs: AccuracyRun[] };
  coordinatedOmission: {
    rate: number;
    connections: number;
    durationS: number;
    stallMs: number;
    /** p99 a correct measurement shows. */
    expectedP99: number;
    runs: ToolRun[];
  };
}

export interface LatencyOptions {
  child: EngineChild;
  durationS: number;
  rounds: number;
  coDurationS: number;
  log: (line: string) => void;
}

type Tool = [name: string, run: (shape: LoadShape) => Promise<ToolRun>];

async function withTarget<T>(
  args: string[],
  use: (url: string) => Promise<T>,
): Promise<{ value: T; truth: ServerTruth }> {
  const target = await startService(process.execPath, [TARGET, ...args], /^listening \d+$/);
  try {
    const value = await use(`http://127.0.0.1:${target.ready.split(" ")[1]}/`);
    const truth = JSON.parse((await target.stop()).trim().split("\n").at(-1) ?? "{}") as ServerTruth;
    return { value, truth };
  } finally {
    await target.stop();
  }
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export async function benchLatency(options: LatencyOptions): Promise<LatencyResult> {
  const serviceMs = 20;
  const connections = 10;
  const ours: Tool = ["ours", (s) => runEngine(options.child, "ours", s)];
  const autocannon: Tool = ["autocannon", (s) => runEngine(options.child, "autocannon", s)];
  const tools: Tool[] = [ours, ["wrk", (s) => runWrk(s)], ["hey", (s) => runHey(s)], autocannon];

  const measure = async (tool: Tool, shape: Omit<LoadShape, "url">): Promise<AccuracyRun> => {
    const { value, truth } = await withTarget(["--delay", String(serviceMs)], (url) =>
      tool[1]({ url, ...shape }),
    );
    const run = { ...value, truth, p50Error: round3(value.p50 - truth.p50) };
    options.log(
      `latency ${tool[0]}${shape.rate ? ` at ${shape.rate}/s` : ""}: p50 ${value.p50} ms, target measured ${round3(truth.p50)} ms`,
    );
    return run;
  };

  const accuracyShape = { connections, durationS: options.durationS };
  const accuracyRuns: AccuracyRun[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < tools.length; i++)
      accuracyRuns.push(await measure(tools[(i + round) % tools.length], accuracyShape));
  }
  const perTool = (name: string) => accuracyRuns.filter((r) => r.tool === name);
  const accuracyMedian = Object.fromEntries(
    tools.map(([name]) => [
      name,
      {
        p50: round3(median(perTool(name).map((r) => r.p50))),
        p50Error: round3(median(perTool(name).map((r) => r.p50Error))),
        truthP50: round3(median(perTool(name).map((r) => r.truth.p50))),
      },
    ]),
  );

  // 10 connections × 20 ms can carry 500/s; 200/s leaves room, so every request goes out on time.
  const rate = 200;
  const fixedRateRuns: AccuracyRun[] = [];
  for (const tool of [ours, autocannon]) fixedRateRuns.push(await measure(tool, { ...accuracyShape, rate }));

  const stallMs = 1000;
  const coShape = { connections, durationS: options.coDurationS, rate };
  const coRuns: ToolRun[] = [];
  for (const [name, runTool] of tools) {
    // wrk has no rate option (wrk2 does): it runs closed loop, which is what coordinated omission looks like.
    const shape = name === "wrk" ? { ...coShape, rate: undefined } : coShape;
    const { value } = await withTarget(["--stall-after", "2000", "--stall", String(stallMs)], (url) =>
      runTool({ url, ...shape }),
    );
    coRuns.push(value);
    options.log(`stall ${name}: p99 ${value.p99} ms, p90 ${value.p90} ms`);
  }
  return {
    serviceMs,
    accuracy: {
      connections,
      durationS: options.durationS,
      rounds: options.rounds,
      runs: accuracyRuns,
      median: accuracyMedian,
    },
    fixedRate: { rate, runs: fixedRateRuns },
    coordinatedOmission: {
      rate,
      connections,
      durationS: options.coDurationS,
      stallMs,
      expectedP99: Math.round(stallMs * (1 - 0.01 * options.coDurationS)),
      runs: coRuns,
    },
  };
}
