// The benchmark: `npm run bench` (full, about 40 minutes, 20 of them the verdict section) or `npm run bench --
// --quick` (about 7 minutes: under 3 for the engine sections, about 4 for the verdict section's 33 gate runs of
// 5 s). `npm run bench -- --help` prints the options and what each section costs (USAGE below). Writes
// bench/results/<mode>.json and the summary block of bench/README.md (from the full results when they exist,
// else the quick ones); a run of some sections writes bench/results/<mode>-<sections>.json only. Every figure is
// a ratio or comparison taken side by side in this one run; each section's wall time is recorded with them
// (`sectionsS`), so that the engine sections' time is known apart from the verdict's.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem, type } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { benchFootprint } from "./footprint.js";
import { benchApiEconomy, benchGateOverhead, type GateWiring } from "./gate.js";
import { gateWiring } from "./gate-wiring.js";
import { benchLatency } from "./latency.js";
import { NGINX } from "./lib/nginx.js";
import { prepareEngineChild } from "./lib/tools.js";
import {
  buildTable,
  isSkipped,
  readResults,
  updateReadme,
  type BenchResults,
  type Skipped,
} from "./report.js";
import { benchThroughput } from "./throughput.js";
import { benchVerdict } from "./verdict.js";

const SECTIONS = ["throughput", "latency", "footprint", "gate", "verdict"] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `npm run bench [-- --quick] [-- --only a,b] [-- --profile]

  --quick      shorter runs, one round fewer, smaller footprint runs, 10 verdict runs per scenario
  --only a,b   run some sections only (results/<mode>-<sections>.json; the README is left alone)
  --profile    also profile our engine's throughput run (always on in full mode)
  --help       this text

Sections in the order they run, with their wall time on 2 cores (quick; full, estimated from its shape):
  (setup)      bundle the engine child with ncc                                 ~4 s; ~4 s
  throughput   ours vs wrk and hey against nginx, engine scaling with threads   ~45 s; ~4 min
  latency      p50 at a 20 ms service time, fixed rate, 1 s stall               ~55 s; ~3.5 min
  footprint    peak RSS (1 thread, the default; 2 threads), cold start, bundle  ~12 s; ~1 min
  gate         gate overhead (one Service; A/B, two), API economy               ~60 s; ~10 min
  verdict      A/B on a noisy machine: 33 gate runs of 5 s (full: 95 of 10 s)   ~4 min; ~20 min

--quick runs every section: the engine sections (setup to gate) in under 3 minutes (issue 16), the verdict
section (issue 14) about 4 more. Each section's time is in the results (sectionsS) and in the table.
Needs dist/ built (npm run package) for the gate and verdict sections and for the cold start.`;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = values.quick;
const only = new Set((values.only ?? SECTIONS.join(",")).split(",").map((s) => s.trim()));
for (const section of only) {
  if (!SECTIONS.includes(section as Section))
    throw new Error(`--only: unknown section "${section}" (${SECTIONS.join(", ")})`);
}

const started = performance.now();
const log = (line: string): void =>
  console.log(`[bench ${Math.round((performance.now() - started) / 1000)}s] ${line}`);
const has = (command: string): boolean => {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const missingTools = [has("wrk") ? "" : "wrk", has("hey") ? "" : "hey", NGINX ? "" : "nginx"].filter(Boolean);

/** Wall time of each section that ran, s (setup: bundling the engine child). */
const sectionsS: Partial<Record<Section | "setup", number>> = {};
const timed = async <T>(name: Section | "setup", body: () => Promise<T>): Promise<T> => {
  const start = performance.now();
  try {
    return await body();
  } finally {
    sectionsS[name] = Math.round(((sectionsS[name] ?? 0) * 1000 + performance.now() - start) / 100) / 10;
  }
};

async function section<T>(name: Section, needs: string[], body: () => Promise<T>): Promise<T | Skipped> {
  if (!only.has(name)) return { skipped: "not selected (--only)" };
  const missing = needs.filter((tool) => missingTools.includes(tool));
  if (missing.length > 0) return { skipped: `${missing.join(", ")} not installed (bench/install-tools.sh)` };
  return timed(name, async () => {
    try {
      return await body();
    } catch (error) {
      log(`${name} failed: ${(error as Error).message}`);
      return { skipped: `failed: ${(error as Error).message.split("\n")[0]}` };
    }
  });
}

const loadAverageStart = loadavg();
log(`${quick ? "quick" : "full"} mode; bundling the engine child with ncc`);
const child = await timed("setup", prepareEngineChild);
log(`engine child: ${child.kind}`);

const throughput = await section("throughput", ["wrk", "hey", "nginx"], () =>
  benchThroughput({
    child,
    connections: 50,
    durationS: quick ? 3 : 10,
    rounds: quick ? 2 : 3,
    profile: values.profile || !quick,
    log,
  }),
);
const latency = await section("latency", ["wrk", "hey"], () =>
  benchLatency({ child, durationS: quick ? 3 : 10, rounds: quick ? 2 : 3, coDurationS: quick ? 5 : 10, log }),
);
const footprint = await section("footprint", ["nginx"], () =>
  benchFootprint({
    child,
    requests: quick ? [30_000, 300_000] : [100_000, 1_000_000],
    coldStartSamples: quick ? 3 : 7,
    log,
  }),
);
// Figures 3 and 4 run once bench/gate-wiring.ts exports a wiring.
const wiring: GateWiring | undefined = gateWiring;
const gateSection = <T>(body: (w: GateWiring) => Promise<T>): Promise<T | Skipped> =>
  wiring
    ? section("gate", [], () => body(wiring))
    : Promise.resolve({
        skipped: only.has("gate")
          ? "needs the simulator and the pipeline: wire bench/gate-wiring.ts"
          : "not selected (--only)",
      });
const gateOverhead = await gateSection((w) => benchGateOverhead(w, quick ? 2 : 10, quick ? 2 : 5, log));
// The A/B row (issue 16): the same load and rounds, two Services (candidate and baseline) against two by hand.
const gateOverheadAB = await gateSection((w) => benchGateOverhead(w, quick ? 2 : 10, quick ? 2 : 5, log, 2));
const apiEconomy = await gateSection((w) =>
  benchApiEconomy(w, log, isSkipped(gateOverhead) ? undefined : gateOverhead),
);
// Figure 6 starts its own simulator (with node noise) and CPU hog, so it runs last, alone.
const verdict = await section("verdict", [], () => benchVerdict({ quick, log }));

const cpu = cpus();
const partial: Omit<BenchResults, "table"> = {
  schema: "knative-perf-gate/bench",
  version: 1,
  mode: quick ? "quick" : "full",
  date: new Date().toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  durationS: (performance.now() - started) / 1000,
  sectionsS,
  machine: {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(totalmem() / 1e9),
    os: `${type()} ${release()}`,
    node: process.versions.node,
    loadAverageStart,
    loadAverageEnd: loadavg(),
  },
  engineChild: child.kind,
  throughput,
  latency,
  footprint,
  gateOverhead,
  gateOverheadAB,
  apiEconomy,
  verdict,
};
const results: BenchResults = { ...partial, table: buildTable(partial) };

// A run of some sections only (--only) is kept apart and leaves the README alone.
const partialRun = SECTIONS.some((name) => !only.has(name));
const dir = fileURLToPath(new URL("./results/", import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}${results.mode}${partialRun ? `-${[...only].join("-")}` : ""}.json`;
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
log(`results: ${file} (free memory ${Math.round(freemem() / 1e9)} GB)`);

if (!partialRun) {
  const full = results.mode === "full" ? results : readResults(`${dir}full.json`);
  const shown = full ?? results;
  await updateReadme(
    fileURLToPath(new URL("./README.md", import.meta.url)),
    shown,
    shown === results
      ? `Raw figures: results/${shown.mode}.json.`
      : `The latest quick run (${results.date}) is in results/quick.json; this table is the full run.`,
  );
}
for (const row of results.table) {
  console.log(
    `${row.met === null ? "  " : row.met ? "✓ " : "✗ "}${row.figure}: ours ${row.ours} · ${row.ratio} (target ${row.target})`,
  );
}
if (!existsSync(fileURLToPath(new URL("../dist/main.js", import.meta.url)))) {
  log("note: dist/ is not built, so cold start and bundle size were not measured (npm run package)");
}
