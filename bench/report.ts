// Turns a benchmark run into the summary table and writes it into bench/README.md between markers (the prose
// around them is written by hand). Pure apart from readme I/O at the bottom.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as prettier from "prettier";
import type { FootprintResult } from "./footprint.js";
import type { ApiEconomyResult, GateOverheadResult } from "./gate.js";
import type { LatencyResult } from "./latency.js";
import { ratio, type ThroughputResult } from "./throughput.js";
import type { VerdictResult } from "./verdict.js";

export type Skipped = { skipped: string };
export const isSkipped = (value: unknown): value is Skipped =>
  typeof value === "object" && value !== null && "skipped" in value;

export interface BenchResults {
  schema: "knative-perf-gate/bench";
  version: 1;
  mode: "full" | "quick";
  date: string;
  command: string;
  durationS: number;
  /** Wall time of each section that ran, s ("setup": bundling the engine child). Absent in older records. */
  sectionsS?: Partial<Record<string, number>>;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    os: string;
    node: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
  };
  engineChild: string;
  throughput: ThroughputResult | Skipped;
  latency: LatencyResult | Skipped;
  footprint: FootprintResult | Skipped;
  gateOverhead: GateOverheadResult | Skipped;
  /** The same with two Services (an A/B run against two by hand); absent in records from before it. */
  gateOverheadAB?: GateOverheadResult | Skipped;
  apiEconomy: ApiEconomyResult | Skipped;
  /** Absent in runs from before the verdict section. */
  verdict?: VerdictResult | Skipped;
  table: Row[];
}

export interface Row {
  figure: string;
  ours: string;
  wrk: string;
  /** hey, the manual flow for the gate figures, or the stored-baseline path / single Service for the verdict. */
  other: string;
  ratio: string;
  target: string;
  /** null: not measured. */
  met: boolean | null;
}

const n = (value: number, digits = 0): string =>
  value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const notMeasured = (figure: string, target: string, why: string): Row => ({
  figure,
  ours: "—",
  wrk: "—",
  other: "—",
  ratio: `not measured: ${why}`,
  target,
  met: null,
});

export function buildTable(r: Omit<BenchResults, "table">): Row[] {
  const rows: Row[] = [];
  const t = r.throughput;
  if (isSkipped(t)) {
    rows.push(notMeasured("Throughput vs hey", "≥ 2× hey", t.skipped));
    rows.push(notMeasured("Throughput vs wrk", "≥ 0.85× wrk", t.skipped));
  } else {
    const shape = `rps, ${t.connections} connections, ${t.durationS} s, median of ${t.rounds}`;
    const base = { ours: n(t.rps.ours), wrk: n(t.rps.wrk), other: n(t.rps.hey) };
    rows.push({
      figure: `Throughput vs hey (${shape})`,
      ...base,
      ratio: `${t.oursVsHey}× hey`,
      target: "≥ 2× hey",
      met: t.oursVsHey >= 2,
    });
    rows.push({
      figure: `Throughput vs wrk (${shape})`,
      ...base,
      ratio: `${t.oursVsWrk}× wrk`,
      target: "≥ 0.85× wrk",
      met: t.oursVsWrk >= 0.85,
    });
    if (t.scaling && t.threads) {
      const counts = Object.keys(t.scaling).sort((a, b) => Number(a) - Number(b));
      const one = t.scaling["1"];
      const top = t.scaling[String(t.threads)];
      rows.push({
        figure: `Engine scaling with threads (rps at ${counts.join(" / ")} threads; ${t.threads} = one per core)`,
        ours: counts.map((c) => n(t.scaling![c])).join(" / "),
        wrk: t.rps["wrk -t1"] ? `${n(t.rps["wrk -t1"])} (-t1) / ${n(t.rps.wrk)}` : n(t.rps.wrk),
        other: "—",
        ratio: one ? `${ratio(top, one)}× one thread` : "—",
        target: "(reported)",
        met: null,
      });
    }
  }
  const l = r.latency;
  if (isSkipped(l)) {
    rows.push(notMeasured("p50 at a 20 ms service time", "within 0.5 ms of the truth", l.skipped));
    rows.push(notMeasured("p99 with a 1 s stall, fixed rate", "reflects the stall", l.skipped));
  } else {
    const acc = l.accuracy.median;
    const sign = (x: number) => `${x >= 0 ? "+" : ""}${n(x, 2)}`;
    const fmt = (tool: string) => (acc[tool] ? `${n(acc[tool].p50, 2)} (${sign(acc[tool].p50Error)})` : "—");
    if (acc.ours) {
      rows.push({
        figure:
          `p50 ms at a ${l.serviceMs} ms service time, ${l.accuracy.connections} connections, median of ` +
          `${l.accuracy.rounds} (in brackets: error vs the target's own p50, ${n(acc.ours.truthP50, 2)} ms)`,
        ours: fmt("ours"),
        wrk: fmt("wrk"),
        other: fmt("hey"),
        ratio: `${sign(acc.ours.p50Error)} ms`,
        target: "within 0.5 ms of the truth",
        met: Math.abs(acc.ours.p50Error) <= 0.5,
      });
    }
    const co = l.coordinatedOmission;
    const coRun = (tool: string) => co.runs.find((x) => x.tool === tool);
    const coOurs = coRun("ours");
    if (coOurs) {
      const off = Math.abs(coOurs.p99 - co.expectedP99) / co.expectedP99;
      rows.push({
        figure: `p99 ms with a 1 s stall at ${co.rate}/s for ${co.durationS} s (a correct measurement: ${co.expectedP99} ms)`,
        ours: n(coOurs.p99, 1),
        wrk: coRun("wrk") ? `${n(coRun("wrk")!.p99, 1)} (closed loop)` : "—",
        other: coRun("hey") ? `${n(coRun("hey")!.p99, 1)} (-q)` : "—",
        ratio: `${n(coOurs.p99 / co.expectedP99, 2)}× expected`,
        target: "within 10% of expected",
        met: off <= 0.1,
      });
    }
  }
  rows.push(gateOverheadRow("Gate overhead", r.gateOverhead));
  if (r.gateOverheadAB !== undefined)
    rows.push(gateOverheadRow("Gate overhead, A/B (two Services)", r.gateOverheadAB));
  const a = r.apiEconomy;
  if (isSkipped(a)) rows.push(notMeasured("API requests per run vs load duration", "flat", a.skipped));
  else {
    rows.push({
      figure: `API requests per run at ${a.requestsByDuration.map((x) => `${x.loadDurationS} s`).join(" / ")} of load`,
      ours: a.requestsByDuration.map((x) => x.apiRequests).join(" / "),
      wrk: "—",
      other: "—",
      ratio: `${a.growth}× growth`,
      target: "flat (≤ 1.1×)",
      met: a.growth <= 1.1,
    });
  }
  const f = r.footprint;
  if (isSkipped(f)) {
    rows.push(notMeasured("Peak RSS", "≤ 150 MB, flat", f.skipped));
    rows.push(notMeasured("Cold start", "≤ 300 ms", f.skipped));
  } else {
    const [short, long] = f.runs;
    rows.push({
      figure: `Peak RSS MB, ${n(long.requests)} requests (engine process, bundled)`,
      ours: n(long.peakRssMb ?? 0, 1),
      wrk: "—",
      other: "—",
      // The figure's name predates threads (records stay comparable); which threads it ran on is said here.
      ratio: long.threads ? `load-threads: ${long.threads}${long.threads === 1 ? " (the default)" : ""}` : "",
      target: "≤ 150 MB",
      met: (long.peakRssMb ?? Infinity) <= 150,
    });
    const more = f.moreThreads;
    if (more) {
      rows.push({
        figure: `Peak RSS MB, ${n(more.requests)} requests, ${more.threads} threads (engine process, bundled)`,
        ours: n(more.peakRssMb ?? 0, 1),
        wrk: "—",
        other: `${n(long.peakRssMb ?? 0, 1)} (${long.threads ?? 1} thread)`,
        ratio: `+${n((more.peakRssMb ?? 0) - (long.peakRssMb ?? 0), 1)} MB over ${long.threads ?? 1} thread`,
        target: "(reported)",
        met: null,
      });
    }
    rows.push({
      figure: `Peak RSS growth, ${n(short.requests)} → ${n(long.requests)} requests`,
      ours: `${n(short.peakRssMb ?? 0, 1)} → ${n(long.peakRssMb ?? 0, 1)} MB`,
      wrk: "—",
      other: "—",
      ratio: `${f.rssGrowth}×`,
      target: "flat (≤ 1.1×)",
      met: f.rssGrowth <= 1.1,
    });
    rows.push({
      figure: `Live heap after GC, ${n(short.requests)} → ${n(long.requests)} requests`,
      ours: `${n(short.liveHeapEndMb ?? 0, 1)} → ${n(long.liveHeapEndMb ?? 0, 1)} MB`,
      wrk: "—",
      other: "—",
      ratio: `${f.liveHeapGrowth}×`,
      target: "flat (≤ 1.1×)",
      met: f.liveHeapGrowth <= 1.1,
    });
    if (f.coldStart.measured) {
      rows.push({
        figure: "Cold start ms, `node dist/main.js` to first output (median; fastest)",
        ours: `${n(f.coldStart.ms)}; ${n(f.coldStart.minMs)}`,
        wrk: "—",
        other: `${n(f.coldStart.nodeBaselineMs)}; ${n(f.coldStart.nodeBaselineMinMs)} (node -e alone)`,
        ratio: `+${n(f.coldStart.ms - f.coldStart.nodeBaselineMs)} ms over node`,
        target: "≤ 300 ms",
        met: f.coldStart.ms <= 300,
      });
    } else rows.push(notMeasured("Cold start", "≤ 300 ms", f.coldStart.reason));
    if (f.bundle.measured) {
      rows.push({
        figure: "Bundle size (dist/index.js; all of dist/)",
        ours: `${n(f.bundle.indexBytes / 1e6, 2)} MB; ${n(f.bundle.distBytes / 1e6, 2)} MB`,
        wrk: "—",
        other: "—",
        ratio: "",
        target: "(reported)",
        met: null,
      });
    }
  }
  if (r.verdict !== undefined) rows.push(...verdictRows(r.verdict));
  if (r.sectionsS) rows.push(...timeRows(r.mode, r.sectionsS));
  return rows;
}

function gateOverheadRow(name: string, g: GateOverheadResult | Skipped): Row {
  if (isSkipped(g)) return notMeasured(`${name} (wall − load)`, "≤ 1.0× manual", g.skipped);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    figure: `${name} ms (wall − ${g.loadDurationS} s load, ${g.rounds} rounds)`,
    ours: n(median(g.gateOverheadMs)),
    wrk: "—",
    other: `${n(median(g.manualOverheadMs))} (manual${g.services === 2 ? ", two Services" : ""})`,
    ratio: `${g.ratio}× manual`,
    target: "≤ 1.0× manual",
    met: g.ratio <= 1,
  };
}

/** The sections issue 16 times (its `--quick` target) apart from the verdict section (issue 14). */
export const ENGINE_SECTIONS = ["setup", "throughput", "latency", "footprint", "gate"] as const;

/** Wall time of the engine sections and of the verdict section, so neither hides in the other's figure. */
export function timeRows(mode: BenchResults["mode"], sectionsS: Partial<Record<string, number>>): Row[] {
  const rows: Row[] = [];
  const ran = ENGINE_SECTIONS.filter((name) => sectionsS[name] !== undefined);
  // Setup alone (every run bundles the engine child) is not a run of the engine sections.
  if (ran.some((name) => name !== "setup")) {
    const total = ran.reduce((sum, name) => sum + (sectionsS[name] ?? 0), 0);
    const all = ran.length === ENGINE_SECTIONS.length;
    rows.push({
      figure: `Wall time s, engine sections (${ran.join(", ")})`,
      ours: n(total),
      wrk: "—",
      other: ran.map((name) => `${name} ${n(sectionsS[name] ?? 0)}`).join(", "),
      ratio: "",
      // Issue 16's "--quick still under 3 minutes" is about these sections together.
      target: mode === "quick" && all ? "< 180 s (quick)" : "(reported)",
      met: mode === "quick" && all ? total < 180 : null,
    });
  }
  if (sectionsS.verdict !== undefined) {
    rows.push({
      figure: "Wall time s, verdict section",
      ours: n(sectionsS.verdict),
      wrk: "—",
      other: "—",
      ratio: "",
      target: "(reported)",
      met: null,
    });
  }
  return rows;
}

/** Figure 6 (bench/verdict.ts). The figure names carry the run shape, so rows of one mode compare across runs. */
export function verdictRows(v: VerdictResult | Skipped): Row[] {
  const names = {
    aa: "A/A false alarms: same Service on both sides, runs the A/B verdict calls regressed",
    stored: "Stored-baseline path on the same A/A runs: flagged as p99/rps regressions (point, 10%)",
    wall: "Wall time, A/B run vs single-Service run of the same load",
  };
  const detect = (pct: number) => `Detection: candidate +${pct}% service time, runs called regressed`;
  if (isSkipped(v)) {
    return [
      notMeasured(names.aa, "≤ 1 run", v.skipped),
      notMeasured(names.stored, "(reported)", v.skipped),
      notMeasured(detect(25), "≥ 95% of runs", v.skipped),
      notMeasured(detect(10), "(reported)", v.skipped),
      notMeasured(names.wall, "≤ 1.3×", v.skipped),
    ];
  }
  const s = v.setup;
  const shape = `${s.runs} runs of ${s.durationS} s, ${s.connections} connections, noise + CPU hog`;
  const by = (counts: Record<string, number>) =>
    Object.keys(counts).length
      ? ` (${Object.entries(counts)
          .map(([metric, count]) => `${metric} ${count}`)
          .join(", ")})`
      : "";
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const signed = (x: number) => `${x > 0 ? "+" : ""}${n(x, 1)}`;
  const failed = (count: number) => (count > 0 ? `; ${count} failed` : "");
  const sb = v.storedBaseline;
  const rows: Row[] = [
    {
      figure: `${names.aa} (${shape})`,
      ours: `${v.aa.regressed} of ${v.aa.runs}${by(v.aa.byMetric)}; ${v.aa.inconclusive} inconclusive${failed(v.aa.failedRuns)}`,
      wrk: "—",
      other:
        `stored baseline: ${sb.flagged} of ${sb.comparisons} vs the first run` +
        (sb.againstPrevious
          ? `, ${sb.againstPrevious.flagged} of ${sb.againstPrevious.comparisons} vs the previous run`
          : ""),
      ratio: "",
      target: "≤ 1 run",
      met: v.aa.failedRuns === 0 && v.aa.regressed <= 1,
    },
    {
      figure: `${names.stored} (${shape}; each against the first)`,
      ours: "—",
      wrk: "—",
      other:
        `${sb.flagged} of ${sb.comparisons}${by(sb.byMetric)}; Δp99 median ${signed(median(sb.runs.map((x) => x.p99ChangePercent)))}%, ` +
        `|Δp99| max ${n(sb.p99AbsChange.max, 1)}%`,
      ratio:
        `unpaired interval: ${sb.intervalRegressed} of ${sb.comparisons} regressed` +
        (sb.againstPrevious
          ? `; each against the previous run: ${sb.againstPrevious.flagged} of ${sb.againstPrevious.comparisons} ` +
            `flagged${by(sb.againstPrevious.byMetric)}, unpaired interval ${sb.againstPrevious.intervalRegressed}`
          : ""),
      target: "(reported)",
      met: null,
    },
  ];
  for (const d of v.detection) {
    rows.push({
      figure: `${detect(d.slowerPercent)} (${shape})`,
      ours: `${d.regressed} of ${d.runs}${by(d.byMetric)}; ${d.inconclusive} inconclusive${failed(d.failedRuns)}`,
      wrk: "—",
      other: "—",
      ratio: `${n(d.rate * 100)}%`,
      target: d.slowerPercent === 25 ? "≥ 95% of runs" : "(reported)",
      met: d.slowerPercent === 25 ? d.rate >= 0.95 : null,
    });
  }
  const w = v.wallTime;
  rows.push({
    figure: `${names.wall} (${s.durationS} s load + ${s.warmupS} s warm-up, ${s.connections} connections each, median of ${w.rounds}, alternating)`,
    ours: `${n(w.abMedianMs / 1000, 2)} s`,
    wrk: "—",
    other: `${n(w.singleMedianMs / 1000, 2)} s (single)`,
    ratio: `${w.ratio}×`,
    target: "≤ 1.3×",
    met: Number.isFinite(w.ratio) && w.ratio <= 1.3,
  });
  return rows;
}

export function renderSummary(r: BenchResults): string {
  const m = r.machine;
  const lines = [
    `Run: ${r.date} · \`${r.command}\` (${r.mode} mode, ${Math.round(r.durationS)} s) · engine child: ${r.engineChild}`,
    "",
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}; ` +
      `load average ${m.loadAverageStart.map((x) => x.toFixed(2)).join(" ")} at the start, ` +
      `${m.loadAverageEnd.map((x) => x.toFixed(2)).join(" ")} at the end.`,
    "",
    "| Figure | Ours | wrk | hey / manual / reference | Ratio | Target | Met? |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...r.table.map(
      (row) =>
        `| ${cell(row.figure)} | ${cell(row.ours)} | ${cell(row.wrk)} | ${cell(row.other)} | ${cell(row.ratio)} | ` +
        `${cell(row.target)} | ${row.met === null ? "—" : row.met ? "yes" : "**no**"} |`,
    ),
  ];
  if (!isSkipped(r.throughput)) {
    const t = r.throughput;
    lines.push(
      "",
      `All throughput medians (rps): ${Object.entries(t.rps)
        .map(([tool, rps]) => `${tool} ${n(rps)}`)
        .join(", ")}.`,
    );
    if (t.profile) {
      lines.push(
        "",
        `CPU profile of our engine (${n(t.profile.samples)} samples, self time):`,
        "",
        "| Where | Share |",
        "| --- | --- |",
        ...t.profile.functions.slice(0, 8).map(([name, share]) => `| \`${name}\` | ${share}% |`),
        "",
        `By package: ${t.profile.packages.map(([name, share]) => `${name} ${share}%`).join(", ")}.`,
      );
    }
  }
  if (!isSkipped(r.latency)) {
    const l = r.latency;
    const fixed = l.fixedRate.runs.map(
      (x) => `${x.tool} p50 ${n(x.p50, 2)} ms (target measured ${n(x.truth.p50, 2)})`,
    );
    const co = l.coordinatedOmission.runs.map((x) => `${x.tool} p90 ${n(x.p90, 1)} / p99 ${n(x.p99, 1)} ms`);
    lines.push(
      "",
      `Fixed rate ${l.fixedRate.rate}/s at the ${l.serviceMs} ms target: ${fixed.join("; ")}.`,
      "",
      `1 s stall: ${co.join("; ")}.`,
    );
  }
  if (r.verdict !== undefined && !isSkipped(r.verdict)) lines.push("", verdictSummary(r.verdict));
  return lines.join("\n");
}

/** One paragraph on the verdict section's conditions and spreads, for the README block. */
export function verdictSummary(v: VerdictResult): string {
  const s = v.setup;
  const hog = v.hog ? `, busy ${n((v.hog.onMs / (v.hog.onMs + v.hog.offMs)) * 100)}% of the time` : "";
  return (
    `Verdict (${v.sectionS} s): simulator node noise ${s.noise.slowdown}× every ~${s.noise.everyS} s for ` +
    `~${s.noise.forS} s (seed ${s.noise.seed}; ${n(v.noiseShare * 100)}% of the time in an episode), CPU hog seed ` +
    `${s.hog.seed}${hog}; service time ${s.serviceTimeMs} ms + 0–${s.serviceTimeJitterMs} ms. A/A: |Δp99| median ` +
    `${n(v.aa.p99AbsChange.median, 1)}% (max ${n(v.aa.p99AbsChange.max, 1)}%), p99 interval width median ` +
    `${n(v.aa.p99IntervalWidthMedian, 1)} points, |Δrps| median ${n(v.aa.rpsAbsChange.median, 1)}%; stored baseline: ` +
    `|Δp99| median ${n(v.storedBaseline.p99AbsChange.median, 1)}% (max ${n(v.storedBaseline.p99AbsChange.max, 1)}%), ` +
    `|Δrps| median ${n(v.storedBaseline.rpsAbsChange.median, 1)}% (max ${n(v.storedBaseline.rpsAbsChange.max, 1)}%).`
  );
}

/** A table cell: a `|` in a figure (e.g. |Δp99|) would end the cell. */
const cell = (text: string): string => text.replaceAll("|", "\\|");

const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";

/** Replaces the generated block of the README with the summary of `results`, formatted as `npm run lint` wants. */
export async function updateReadme(path: string, results: BenchResults, note: string): Promise<void> {
  const text = readFileSync(path, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${path}: markers ${START} … ${END} not found`);
  const block = `${START}\n<!-- Written by bench/run.ts; edit the prose around it, not this block. -->\n\n${renderSummary(results)}\n\n${note}\n${END}`;
  const updated = text.slice(0, start) + block + text.slice(end + END.length);
  const options = await prettier.resolveConfig(path);
  writeFileSync(path, await prettier.format(updated, { ...options, filepath: path }));
}

export function readResults(path: string): BenchResults | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as BenchResults) : undefined;
}
