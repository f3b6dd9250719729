// Figure 6: can the verdict be trusted on a noisy machine? (issue 14, "Must show"). Every run is the bundled CLI
// (`node dist/cli.js run`, a process of its own, as bench/gate-wiring.ts runs it) on a simulator of its own
// (`tsx test/sim/cli.ts`) with node noise on (seeded episodes slowing every pod of the node), while a runner-side
// CPU hog (bench/lib/cpu-hog.mjs, seeded) switches on and off. The services have a known service time, so the
// right verdict is known:
//   - A/A: the same image and manifest on both sides (`--baseline-image` = the candidate's image). A run whose
//     comparison says `regressed` is a false alarm. Beside it, the stored-baseline path under the same noise:
//     each A/A run's document against the first A/A run's, judged in process by src/verdict/judge.ts exactly as
//     `run --baseline=<first run's results.json>` would judge it (the point comparison of
//     src/verdict/regression.ts `compareToBaseline`, plus the unpaired interval shown beside it).
//   - Detection: a candidate whose service time (and jitter) is 25% (then 10%) higher than the baseline's
//     (`--baseline-service-file`); a run that does not say `regressed` is a miss.
//   - Wall time: A/B runs (the first A/A runs) against single-Service runs of the same load, run next to them in
//     alternating order.
// Scenarios are interleaved round by round with the order rotating, so none always meets a calmer machine.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import * as yaml from "js-yaml";
import type { ResultsDocument } from "../src/results.js";
import { judge } from "../src/verdict/judge.js";
import { noiseSchedule } from "../test/sim/knative/noise.js";
import { median, startService } from "./lib/process.js";
import { ratio } from "./throughput.js";

/** The settings every figure of this section depends on; they name the figures, so keep them stable. */
export const VERDICT_SETUP = {
  connections: 8,
  warmupS: 1,
  serviceTimeMs: 4,
  serviceTimeJitterMs: 2,
  /** Simulator node noise: 2× slower for ~1 s (exponential) every ~4 s (exponential gaps), seed 14. */
  noise: { slowdown: 2, everyS: 4, forS: 1, seed: 14 },
  /** Runner CPU hog: one core busy for 0.5–3 s, idle for 0.5–3 s (uniform), seed 14. */
  hog: { seed: 14, phaseS: [0.5, 3] as [number, number] },
  /** The simulator's time scale: shortens deploy and start-up delays only, never what a request experiences. */
  timeScale: 0.1,
  maxRegression: "p99: 10%, rps: 10% (the default)",
  confidence: 0.95,
  slowerPercents: [25, 10],
};

const NAMESPACE = "verdict";
const IMAGE = "example.com/sim/app:1";
const CLI_DEADLINE_MS = 5 * 60 * 1000;
const GATING = ["p99", "rps"];

export interface ComparedRunMetric {
  metric: string;
  changePercent: number;
  interval: [number, number];
  verdict: string;
}

export interface VerdictRun {
  scenario: "aa" | "slower25" | "slower10" | "single";
  round: number;
  wallMs: number;
  exitCode: number | null;
  /** The comparison's verdict; null when the run wrote none (it failed: see error). */
  verdict: "passed" | "regressed" | "inconclusive" | null;
  error?: string;
  seconds?: number;
  requests?: { candidate: number; baseline: number | null };
  /** Every compared metric: change, interval and verdict (p99 and rps gate, the rest are shown). */
  metrics?: ComparedRunMetric[];
}

export interface StoredBaselineRun {
  round: number;
  p99ChangePercent: number;
  rpsChangePercent: number;
  /** Metrics the point comparison failed (max-regression 10% on p99 and rps). */
  flagged: string[];
  /** The unpaired interval's verdict for the same two documents (shown beside it, never gating). */
  intervalVerdict: string | null;
  intervalRegressed: string[];
}

export interface DetectionResult {
  slowerPercent: number;
  runs: number;
  regressed: number;
  /** regressed / runs. */
  rate: number;
  inconclusive: number;
  /** How many runs each metric was `regressed` in. */
  byMetric: Record<string, number>;
  failedRuns: number;
}

/** The A/A runs judged the stored-baseline way, each against an earlier one. */
export interface StoredBaselineComparisons {
  comparisons: number;
  /** Comparisons the point comparison flagged (p99 or rps worse than 10%). */
  flagged: number;
  byMetric: Record<string, number>;
  p99AbsChange: { median: number; max: number };
  rpsAbsChange: { median: number; max: number };
  /** The unpaired interval of the same comparisons: how many it calls regressed. */
  intervalRegressed: number;
  runs: StoredBaselineRun[];
}

export interface VerdictResult {
  setup: typeof VERDICT_SETUP & { runs: number; durationS: number; wallTimeRounds: number };
  aa: {
    runs: number;
    /** Runs whose comparison verdict was `regressed`: false alarms. */
    regressed: number;
    inconclusive: number;
    byMetric: Record<string, number>;
    failedRuns: number;
    /** Median and largest |point change| of p99 and rps across the A/A runs, and the median interval width. */
    p99AbsChange: { median: number; max: number };
    rpsAbsChange: { median: number; max: number };
    p99IntervalWidthMedian: number;
  };
  storedBaseline: StoredBaselineComparisons & {
    method: string;
    /** The same, each A/A run against the one before it (a nightly chain), so no single run sets the figure. */
    againstPrevious: StoredBaselineComparisons;
  };
  detection: DetectionResult[];
  wallTime: {
    rounds: number;
    abMs: number[];
    singleMs: number[];
    abMedianMs: number;
    singleMedianMs: number;
    ratio: number;
  };
  hog: { onMs: number; offMs: number; switches: number } | null;
  /** Share of the section's time the simulator's node was in a noise episode (from its seeded schedule). */
  noiseShare: number;
  sectionS: number;
  runs: VerdictRun[];
}

interface Sim {
  apiServer: string;
  gateway: string;
  kubeconfig: string;
  stop(): Promise<string>;
}

async function startSim(dir: string): Promise<Sim> {
  const kubeconfig = join(dir, "kubeconfig");
  const { noise, timeScale } = VERDICT_SETUP;
  const service = await startService(
    "node_modules/.bin/tsx",
    [
      "test/sim/cli.ts",
      `--kubeconfig=${kubeconfig}`,
      `--time-scale=${timeScale}`,
      `--noise-slowdown=${noise.slowdown}`,
      `--noise-every=${noise.everyS}s`,
      `--noise-for=${noise.forS}s`,
      `--noise-seed=${noise.seed}`,
    ],
    /^\{"apiServer"/,
    30_000,
  );
  const { apiServer, gateway } = JSON.parse(service.ready) as { apiServer: string; gateway: string };
  const res = await fetch(`${apiServer}/api/v1/namespaces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }),
  });
  if (!res.ok) throw new Error(`simulator: cannot create namespace ${NAMESPACE}: HTTP ${res.status}`);
  return { apiServer, gateway, kubeconfig, stop: () => service.stop() };
}

/** A Service with a known service time: the simulator's annotations, as the issue's measurement used them. */
function writeManifest(dir: string, file: string, slowerPercent: number): string {
  const factor = 1 + slowerPercent / 100;
  const ms = (x: number) => `${Math.round(x * factor * 1000) / 1000}ms`;
  const doc = {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name: "app" },
    spec: {
      template: {
        metadata: {
          annotations: {
            "sim.knative-perf-gate.dev/service-time": ms(VERDICT_SETUP.serviceTimeMs),
            "sim.knative-perf-gate.dev/service-time-jitter": ms(VERDICT_SETUP.serviceTimeJitterMs),
          },
        },
        spec: { containers: [{ image: IMAGE }] },
      },
    },
  };
  const path = join(dir, file);
  writeFileSync(path, yaml.dump(doc));
  return path;
}

interface CliOutcome {
  code: number | null;
  wallMs: number;
  stderr: string;
}

/** The bundled CLI as a user runs it, in its own process; exit 1 (regressed) is an outcome, not a failure. */
async function runCli(args: string[]): Promise<CliOutcome> {
  const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), CLI_DEADLINE_MS);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  return { code, wallMs: performance.now() - started, stderr };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const absStats = (values: number[]) => {
  const abs = values.filter(Number.isFinite).map(Math.abs);
  return abs.length
    ? { median: round2(median(abs)), max: round2(Math.max(...abs)) }
    : { median: NaN, max: NaN };
};
const countBy = (lists: string[][]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const list of lists) for (const name of list) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
};

export async function benchVerdict(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<VerdictResult> {
  const { quick, log } = options;
  const runs = quick ? 10 : 30;
  const durationS = quick ? 5 : 10;
  const wallTimeRounds = quick ? 3 : 5;
  if (!existsSync(fileURLToPath(new URL("../dist/cli.js", import.meta.url))))
    throw new Error("dist/cli.js is not built (npm run package)");
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "kpg-bench-verdict-"));
  const sim = await startSim(dir);
  const simStarted = performance.now();
  const hog = await startService(
    process.execPath,
    [fileURLToPath(new URL("./lib/cpu-hog.mjs", import.meta.url)), String(VERDICT_SETUP.hog.seed)],
    /^hog ready$/,
  );
  const manifests = {
    same: writeManifest(dir, "baseline.yaml", 0),
    slower25: writeManifest(dir, "slower25.yaml", 25),
    slower10: writeManifest(dir, "slower10.yaml", 10),
  };
  const all: VerdictRun[] = [];
  const aaDocs: ResultsDocument[] = [];

  const gate = async (scenario: VerdictRun["scenario"], round: number): Promise<VerdictRun> => {
    const name = `${scenario}-${round}`;
    const results = join(dir, `${name}.json`);
    const side =
      scenario === "single"
        ? [`--service-file=${manifests.same}`]
        : scenario === "aa"
          ? [`--service-file=${manifests.same}`, `--baseline-image=${IMAGE}`]
          : [`--service-file=${manifests[scenario]}`, `--baseline-service-file=${manifests.same}`];
    const outcome = await runCli([
      "run",
      ...side,
      `--service-name=${name}`,
      `--namespace=${NAMESPACE}`,
      `--gateway=${sim.gateway}`,
      `--duration=${durationS}s`,
      `--connections=${VERDICT_SETUP.connections}`,
      `--warmup=${VERDICT_SETUP.warmupS}s`,
      `--kubeconfig-file=${sim.kubeconfig}`,
      `--results-file=${results}`,
      `--state-file=${join(dir, `${name}.state.json`)}`,
      "--no-comment",
    ]);
    const run: VerdictRun = {
      scenario,
      round,
      wallMs: Math.round(outcome.wallMs),
      exitCode: outcome.code,
      verdict: null,
    };
    const doc = existsSync(results)
      ? (JSON.parse(readFileSync(results, "utf8")) as ResultsDocument)
      : undefined;
    if (!doc || doc.error) {
      run.error = doc?.error ?? `no results file; exit ${outcome.code}: ${outcome.stderr.trim().slice(-300)}`;
    } else if (scenario !== "single") {
      if (!doc.comparison) run.error = "the A/B run wrote no comparison";
      else {
        run.verdict = doc.comparison.verdict;
        run.seconds = doc.comparison.seconds;
        run.metrics = doc.comparison.metrics.map((m) => ({
          metric: m.metric,
          changePercent: m.changePercent,
          interval: m.interval,
          verdict: m.verdict,
        }));
      }
      run.requests = { candidate: doc.load?.requests ?? 0, baseline: doc.baseline?.load?.requests ?? null };
      if (scenario === "aa") aaDocs[round] = doc;
    } else run.requests = { candidate: doc.load?.requests ?? 0, baseline: null };
    all.push(run);
    const gating = (run.metrics ?? [])
      .filter((m) => GATING.includes(m.metric))
      .map((m) => `${m.metric} ${m.changePercent}% [${m.interval.join(", ")}] ${m.verdict}`);
    log(
      `verdict ${name}: ${run.error ? `FAILED ${run.error}` : (run.verdict ?? "single")} in ` +
        `${(run.wallMs / 1000).toFixed(1)} s${gating.length ? ` · ${gating.join(" · ")}` : ""}`,
    );
    return run;
  };

  let hogStats: VerdictResult["hog"] = null;
  try {
    const scenarios = ["aa", "slower25", "slower10"] as const;
    for (let round = 0; round < runs; round++) {
      // Rotate the order so that no scenario always runs first after the previous round's teardown.
      const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length]);
      for (const scenario of order) {
        if (scenario === "aa" && round < wallTimeRounds) {
          // The same load on one Service, next to this A/B run, alternately before and after it.
          if (round % 2 === 0) {
            await gate("single", round);
            await gate("aa", round);
          } else {
            await gate("aa", round);
            await gate("single", round);
          }
        } else await gate(scenario, round);
      }
    }
  } finally {
    const hogOut = await hog.stop();
    const line = hogOut.split("\n").find((l) => l.startsWith("{"));
    if (line) {
      const { onMs, offMs, switches } = JSON.parse(line) as { onMs: number; offMs: number; switches: number };
      hogStats = { onMs, offMs, switches };
    }
    await sim.stop();
  }
  const simS = (performance.now() - simStarted) / 1000;
  rmSync(dir, { recursive: true, force: true });

  const of = (scenario: VerdictRun["scenario"]) => all.filter((r) => r.scenario === scenario);
  const regressedMetrics = (r: VerdictRun) =>
    (r.metrics ?? [])
      .filter((m) => GATING.includes(m.metric) && m.verdict === "regressed")
      .map((m) => m.metric);
  const change = (r: VerdictRun, metric: string) => r.metrics?.find((m) => m.metric === metric);

  const aaRuns = of("aa");
  const p99Widths = aaRuns
    .map((r) => change(r, "p99")?.interval)
    .filter((i): i is [number, number] => !!i && Number.isFinite(i[0]) && Number.isFinite(i[1]))
    .map(([low, high]) => high - low);
  const aa: VerdictResult["aa"] = {
    runs: aaRuns.length,
    regressed: aaRuns.filter((r) => r.verdict === "regressed").length,
    inconclusive: aaRuns.filter((r) => r.verdict === "inconclusive").length,
    byMetric: countBy(aaRuns.map(regressedMetrics)),
    failedRuns: aaRuns.filter((r) => r.verdict === null).length,
    p99AbsChange: absStats(aaRuns.map((r) => change(r, "p99")?.changePercent ?? NaN)),
    rpsAbsChange: absStats(aaRuns.map((r) => change(r, "rps")?.changePercent ?? NaN)),
    p99IntervalWidthMedian: p99Widths.length ? round2(median(p99Widths)) : NaN,
  };

  // The stored-baseline path: each later A/A document against the first one, as `run --baseline` judges it; and,
  // so that one lucky or unlucky first run does not decide the figure, each against the run before it.
  const asPlainRun = (d: ResultsDocument): ResultsDocument => ({ ...d, baseline: null, comparison: null });
  const againstStored = (
    doc: ResultsDocument,
    round: number,
    stored: ResultsDocument,
    storedRound: number,
  ) => {
    const verdict = judge(
      asPlainRun(doc),
      {
        thresholds: [],
        baseline: `aa-${storedRound}.json`,
        baselineDocument: asPlainRun(stored),
        maxRegression: [
          { metric: "p99", percent: 10 },
          { metric: "rps", percent: 10 },
        ],
        confidence: VERDICT_SETUP.confidence,
        onInconclusive: "pass",
      },
      { seed: round },
    );
    const point = verdict.regression?.verdicts ?? [];
    const pointChange = (metric: string) => point.find((v) => v.metric === metric)?.changePercent ?? NaN;
    return {
      round,
      p99ChangePercent: pointChange("p99"),
      rpsChangePercent: pointChange("rps"),
      flagged: point.filter((v) => !v.passed).map((v) => v.metric),
      intervalVerdict: verdict.comparison?.verdict ?? null,
      intervalRegressed: (verdict.comparison?.metrics ?? [])
        .filter((m) => m.gating && m.verdict === "regressed")
        .map((m) => m.metric),
    } satisfies StoredBaselineRun;
  };
  const measured = aaDocs.flatMap((doc, round) => (doc ? [{ doc, round }] : []));
  const storedRuns = measured
    .slice(1)
    .map(({ doc, round }) => againstStored(doc, round, measured[0].doc, measured[0].round));
  const previousRuns = measured
    .slice(1)
    .map(({ doc, round }, i) => againstStored(doc, round, measured[i].doc, measured[i].round));
  const summarize = (runs: StoredBaselineRun[]): StoredBaselineComparisons => ({
    comparisons: runs.length,
    flagged: runs.filter((r) => r.flagged.length > 0).length,
    byMetric: countBy(runs.map((r) => r.flagged)),
    p99AbsChange: absStats(runs.map((r) => r.p99ChangePercent)),
    rpsAbsChange: absStats(runs.map((r) => r.rpsChangePercent)),
    intervalRegressed: runs.filter((r) => r.intervalRegressed.length > 0).length,
    runs,
  });
  const storedBaseline: VerdictResult["storedBaseline"] = {
    method:
      "judge() of src/verdict/judge.ts in process, as `run --baseline=<first A/A run's results.json>` judges: " +
      "compareToBaseline (point, max-regression 10% on p99 and rps) decides; the unpaired interval is shown",
    ...summarize(storedRuns),
    againstPrevious: summarize(previousRuns),
  };

  const detection = VERDICT_SETUP.slowerPercents.map((slowerPercent): DetectionResult => {
    const rs = of(`slower${slowerPercent}` as VerdictRun["scenario"]);
    const regressed = rs.filter((r) => r.verdict === "regressed").length;
    return {
      slowerPercent,
      runs: rs.length,
      regressed,
      rate: rs.length ? round2(regressed / rs.length) : NaN,
      inconclusive: rs.filter((r) => r.verdict === "inconclusive").length,
      byMetric: countBy(rs.map(regressedMetrics)),
      failedRuns: rs.filter((r) => r.verdict === null).length,
    };
  });

  const abMs = aaRuns.filter((r) => r.round < wallTimeRounds && r.verdict !== null).map((r) => r.wallMs);
  const singleMs = of("single")
    .filter((r) => !r.error)
    .map((r) => r.wallMs);
  const wallTime = {
    rounds: wallTimeRounds,
    abMs,
    singleMs,
    abMedianMs: abMs.length ? Math.round(median(abMs)) : NaN,
    singleMedianMs: singleMs.length ? Math.round(median(singleMs)) : NaN,
    ratio: abMs.length && singleMs.length ? ratio(median(abMs), median(singleMs)) : NaN,
  };

  // The node's noise schedule from its seed: the share of the simulator's life spent in an episode.
  const { noise } = VERDICT_SETUP;
  const episodes = noiseSchedule(
    { slowdown: noise.slowdown, everyMs: noise.everyS * 1000, forMs: noise.forS * 1000, seed: noise.seed },
    Math.ceil((simS / noise.everyS) * 2) + 10,
  );
  const inEpisodesMs = episodes.reduce(
    (sum, e) => sum + Math.max(0, Math.min(e.endMs, simS * 1000) - Math.min(e.startMs, simS * 1000)),
    0,
  );

  return {
    setup: { ...VERDICT_SETUP, runs, durationS, wallTimeRounds },
    aa,
    storedBaseline,
    detection,
    wallTime,
    hog: hogStats,
    noiseShare: round2(inEpisodesMs / (simS * 1000)),
    sectionS: Math.round((performance.now() - started) / 1000),
    runs: all,
  };
}
