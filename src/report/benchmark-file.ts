// The run's figures in github-action-benchmark's custom format, so a repository can keep history charts on
// gh-pages with that action (benchmark-action/github-action-benchmark, README "customBiggerIsBetter and
// customSmallerIsBetter"): a JSON array of {name, unit, value} with optional range and extra (the tooltip).
// That action reads one file per step, and its `tool:` (customSmallerIsBetter or customBiggerIsBetter) says which
// direction is better for every entry in it, so the figures go to two files:
//   benchmark-file                       customSmallerIsBetter: latency percentiles, error rate, pods, cold start
//   the same path with -throughput.json  customBiggerIsBetter: requests per second
// Names are fixed words ("p99 latency"), never the service's name: a PR-specific name (app-pr-{pr}) would start
// a new chart on every run; the action's own `name:` input tells one service's charts from another's.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { ResultsDocument } from "../results.js";

export interface BenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  /** Shown in the chart's tooltip. */
  extra?: string;
}

export interface BenchmarkFiles {
  smallerIsBetter: BenchmarkEntry[];
  biggerIsBetter: BenchmarkEntry[];
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/** The entries of both files; null when the run measured nothing (it did not finish). */
export function benchmarkEntries(doc: ResultsDocument): BenchmarkFiles | null {
  const load = doc.load;
  if (!load) return null;
  const s = doc.settings;
  const extra = [
    doc.service.revision && `revision ${doc.service.revision}`,
    `${s.connections} connections`,
    `${s.durationSeconds} s`,
    s.rate === null ? "closed loop" : `${s.rate} rps offered`,
    `${load.requests} requests`,
  ]
    .filter(Boolean)
    .join(", ");
  const entry = (name: string, unit: string, value: number): BenchmarkEntry => ({
    name,
    unit,
    value: round(value),
    extra,
  });
  const smaller = [
    entry("p50 latency", "ms", load.latency.p50),
    entry("p90 latency", "ms", load.latency.p90),
    entry("p99 latency", "ms", load.latency.p99),
    entry("p99.9 latency", "ms", load.latency.p999),
    entry("error rate", "%", load.errors.rate * 100),
  ];
  if (doc.pods) smaller.push(entry("max serving pods", "pods", doc.pods.max.serving));
  if (doc.coldStart) smaller.push(entry("cold start", "ms", doc.coldStart.firstResponseMs));
  return { smallerIsBetter: smaller, biggerIsBetter: [entry("throughput", "rps", load.rps)] };
}

/** Where the bigger-is-better entries go: `perf.json` → `perf-throughput.json`. */
export function throughputPath(path: string): string {
  return /\.json$/i.test(path) ? path.replace(/\.json$/i, "-throughput.json") : `${path}-throughput.json`;
}

/** Writes both files (atomically, like the results file) and returns their absolute paths; none for no load. */
export function writeBenchmarkFiles(path: string, doc: ResultsDocument): string[] {
  const entries = benchmarkEntries(doc);
  if (!entries) return [];
  return [writeJson(path, entries.smallerIsBetter), writeJson(throughputPath(path), entries.biggerIsBetter)];
}

function writeJson(path: string, value: unknown): string {
  const target = resolve(path);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { encoding: "utf8", mode: 0o644 });
    renameSync(tmp, target);
  } catch (error) {
    if (existsSync(tmp)) rmSync(tmp, { force: true });
    throw new Error(`benchmark-file: cannot write ${target}: ${(error as Error).message}`, { cause: error });
  }
  return target;
}
