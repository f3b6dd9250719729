// The bench table is how records are compared across runs (issue 16: the same figure names every time), so the
// rows it builds from a run's results are checked here: which run each target judges, and which time counts
// against the `--quick` budget; and which gate runs the API economy figure reuses rather than runs again.
import { readFileSync } from "node:fs";
import type { FootprintResult, FootprintRun } from "../../bench/footprint.js";
import {
  benchApiEconomy,
  type GateOverheadResult,
  type GateWiring,
  type Services,
} from "../../bench/gate.js";
import { buildTable, timeRows, type BenchResults, type Row } from "../../bench/report.js";

const skipped = { skipped: "not selected (--only)" };

const engineRun = (requests: number, threads: number, peakRssMb: number): FootprintRun => ({
  tool: "ours",
  rps: 40_000,
  requests,
  p50: 1,
  p90: 2,
  p99: 5,
  errors: 0,
  peakRssMb,
  liveHeapEndMb: 11,
  requestCap: requests,
  threads,
});

const footprint: FootprintResult = {
  connections: 50,
  runs: [engineRun(30_000, 1, 98.5), engineRun(300_000, 1, 116.9)],
  moreThreads: engineRun(300_000, 2, 154.8),
  rssGrowth: 1.19,
  liveHeapGrowth: 1,
  coldStart: { measured: false, reason: "dist/main.js not built" },
  bundle: { measured: false, reason: "dist/index.js not built" },
};

const overhead = (services: 1 | 2, gate: number[], manual: number[], ratio: number): GateOverheadResult => ({
  services,
  loadDurationS: 2,
  rounds: 2,
  gateOverheadMs: gate,
  manualOverheadMs: manual,
  ratio,
});

const results = (extra: Partial<Omit<BenchResults, "table">>): Omit<BenchResults, "table"> => ({
  schema: "knative-perf-gate/bench",
  version: 1,
  mode: "quick",
  date: "2026-11-29T20:00:00.000Z",
  command: "npm run bench -- --quick",
  durationS: 100,
  machine: {
    cpus: 2,
    cpuModel: "test",
    memoryGb: 1,
    os: "Linux",
    node: "24",
    loadAverageStart: [0, 0, 0],
    loadAverageEnd: [0, 0, 0],
  },
  engineChild: "ncc bundle",
  throughput: skipped,
  latency: skipped,
  footprint: skipped,
  gateOverhead: skipped,
  apiEconomy: skipped,
  ...extra,
});

const row = (rows: Row[], prefix: string): Row => {
  const found = rows.filter((r) => r.figure.startsWith(prefix));
  if (found.length !== 1) throw new Error(`${found.length} rows start with "${prefix}"`);
  return found[0];
};

test("the A/B overhead row sits beside the single one, whose name is unchanged", () => {
  const rows = buildTable(
    results({
      gateOverhead: overhead(1, [2831, 2905], [2702, 2639], 1.07),
      gateOverheadAB: overhead(2, [2990, 3356], [2819, 2847], 1.12),
    }),
  );
  const single = row(rows, "Gate overhead ms");
  expect(single.figure).toBe("Gate overhead ms (wall − 2 s load, 2 rounds)");
  expect(single).toMatchObject({ ratio: "1.07× manual", met: false, other: "2,702 (manual)" });
  const ab = row(rows, "Gate overhead, A/B (two Services)");
  expect(ab.figure).toBe("Gate overhead, A/B (two Services) ms (wall − 2 s load, 2 rounds)");
  expect(ab).toMatchObject({ ratio: "1.12× manual", met: false, other: "2,847 (manual, two Services)" });
  expect(row(rows, "Gate overhead, A/B").target).toBe("≤ 1.0× manual");

  const met = buildTable(results({ gateOverheadAB: overhead(2, [2500, 2600], [2800, 2900], 0.9) }));
  expect(row(met, "Gate overhead, A/B").met).toBe(true);
  // A record from before the A/B row has no such row; a run that skipped it says why.
  expect(buildTable(results({})).some((r) => r.figure.startsWith("Gate overhead, A/B"))).toBe(false);
  expect(row(buildTable(results({ gateOverheadAB: skipped })), "Gate overhead, A/B").met).toBeNull();
});

test("peak RSS is judged on the default one thread; the two-thread run is reported beside it", () => {
  const rows = buildTable(results({ footprint }));
  const judged = row(rows, "Peak RSS MB, 300,000 requests (");
  expect(judged).toMatchObject({ ours: "116.9", met: true, ratio: "load-threads: 1 (the default)" });
  const two = row(rows, "Peak RSS MB, 300,000 requests, 2 threads");
  expect(two).toMatchObject({ ours: "154.8", met: null, target: "(reported)" });
  expect(two.ratio).toBe("+37.9 MB over 1 thread");
  // Over the target on one thread is a miss, whatever two threads did.
  const heavy = { ...footprint, runs: [footprint.runs[0], engineRun(300_000, 1, 151)] };
  expect(row(buildTable(results({ footprint: heavy })), "Peak RSS MB, 300,000 requests (").met).toBe(false);
});

test("the quick budget counts the engine sections only, not the verdict section", () => {
  const all = { setup: 20, throughput: 50, latency: 35, footprint: 27, gate: 45, verdict: 240 };
  const rows = timeRows("quick", all);
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatchObject({
    figure: "Wall time s, engine sections (setup, throughput, latency, footprint, gate)",
    ours: "177",
    target: "< 180 s (quick)",
    met: true,
  });
  expect(rows[0].other).toBe("setup 20, throughput 50, latency 35, footprint 27, gate 45");
  expect(rows[1]).toMatchObject({ figure: "Wall time s, verdict section", ours: "240", met: null });
  expect(timeRows("quick", { ...all, gate: 48 })[0]).toMatchObject({ ours: "180", met: false });
  // Some sections only, or the full mode: reported, not judged against the quick budget.
  expect(timeRows("quick", { setup: 13, footprint: 27 })).toEqual([
    expect.objectContaining({ figure: "Wall time s, engine sections (setup, footprint)", met: null }),
  ]);
  expect(timeRows("full", all)[0]).toMatchObject({ target: "(reported)", met: null });
  // The verdict section alone: no engine row (bundling the engine child is not a run of those sections).
  expect(timeRows("quick", { setup: 13, verdict: 250 }).map((r) => r.figure)).toEqual([
    "Wall time s, verdict section",
  ]);
  expect(buildTable(results({ sectionsS: all })).at(-1)?.figure).toBe("Wall time s, verdict section");
});

test("the API economy reuses the single-Service overhead runs' count at their load duration only", async () => {
  const runs: Array<[number, Services | undefined]> = [];
  const wiring: GateWiring = {
    economyDurationsS: [2, 4, 8],
    runGate: (loadDurationS, services) => {
      runs.push([loadDurationS, services]);
      return Promise.resolve({ wallMs: 0, loadMs: 0, apiRequests: 14 + loadDurationS });
    },
    runManual: () => Promise.reject(new Error("the economy runs no manual flow")),
  };
  const single = { ...overhead(1, [2831, 2905], [2702, 2639], 1.07), gateApiRequests: [19, 20] };
  const economy = await benchApiEconomy(wiring, () => {}, single);
  expect(runs).toEqual([
    [4, undefined],
    [8, undefined],
  ]);
  expect(economy.requestsByDuration).toEqual([
    { loadDurationS: 2, apiRequests: 20, reused: true },
    { loadDurationS: 4, apiRequests: 18 },
    { loadDurationS: 8, apiRequests: 22 },
  ]);
  expect(economy.growth).toBe(1.22);

  // An A/B run makes more requests (two Services), and an older record has no counts: both are run afresh.
  runs.length = 0;
  await benchApiEconomy(wiring, () => {}, { ...overhead(2, [1], [1], 1), gateApiRequests: [30, 31] });
  await benchApiEconomy(wiring, () => {}, overhead(1, [1], [1], 1));
  expect(runs.map(([duration]) => duration)).toEqual([2, 4, 8, 2, 4, 8]);
});

test("a figure holding a | (|Δp99|) stays in its cell of the README table", async () => {
  const { renderSummary } = await import("../../bench/report.js");
  const results = JSON.parse(
    readFileSync(new URL("../../bench/results/full.json", import.meta.url), "utf8"),
  ) as BenchResults;
  // The verdict section's stored-baseline row says "|Δp99| median …"; one such row whatever the file holds.
  const pipes: Row = { ...results.table[0], figure: "Stored baseline", other: "|Δp99| median 25%, max 52%" };
  results.table = [...results.table, pipes];
  const lines = renderSummary(results).split("\n");
  const header = lines.findIndex((line) => line.startsWith("| Figure"));
  const end = lines.indexOf("", header);
  const rows = lines.slice(header + 2, end);
  expect(rows.length).toBe(results.table.length);
  expect(rows.some((line) => line.includes("\\|Δp99\\|"))).toBe(true);
  // Eight unescaped pipes: seven columns.
  for (const line of rows) expect(line.match(/(?<!\\)\|/g)).toHaveLength(8);
});
