// Candidate against baseline with confidence intervals, from per-second measurements (duet benchmarking: Bulej
// et al., 2020). A block bootstrap over seconds: draw blocks of consecutive seconds with replacement, merge
// those seconds' latency histograms per side, recompute each metric, and take the relative change; the central
// `confidence` share of those changes is the interval. In an A/B run both Services were loaded at the same
// time, so the same seconds are drawn for both sides (paired): a noisy second slows both and cancels out of the
// change. Against a stored results file the sides are drawn independently (unpaired: weaker evidence, another
// time and maybe another machine). Blocks keep the autocorrelation of neighbouring seconds (a slow spell lasts a
// few seconds) that a plain bootstrap would break, which would make the intervals too narrow. Seeded, so a
// results file reproduces its verdict.
import { addInto, BUCKET_COUNT, percentilesOf } from "../latency-buckets.js";
import type { ComparedMetricResult, LoadSample } from "../results.js";

export type ComparedMetric = "p50" | "p90" | "p99" | "mean" | "rps" | "errors";
export const COMPARED_METRICS: ComparedMetric[] = ["p50", "p90", "p99", "mean", "rps", "errors"];

export type ComparisonVerdict = "regressed" | "improved" | "unchanged" | "inconclusive";

export type MetricComparison = ComparedMetricResult & { metric: ComparedMetric };

export interface ComparisonOptions {
  paired: boolean;
  /** 0..1, e.g. 0.95. */
  confidence: number;
  seed: number;
  /** Bootstrap resamples; 2,000 unless set. */
  iterations?: number;
  /** Allowed worsening per metric in percent (points for errors); metrics not named are shown, not judged. */
  allowed: Partial<Record<ComparedMetric, number>>;
  /** Allowed worsening shown for metrics without a rule. */
  defaultAllowed: number;
}

export const DEFAULT_ITERATIONS = 2000;

interface Second {
  requests: number;
  attempts: number;
  errors: number;
  sumMs: number;
  buckets: Array<[number, number]>;
}

/**
 * Fewer seconds than this give no interval at all (every metric inconclusive). A bootstrap over a handful of
 * seconds only replays them: with 3, the chance that every second happens to favour one side is 1 in 4, and
 * the interval then excludes "no change" whatever the confidence asked (an A/A run with a 30 % error rate on
 * both sides was called "errors regressed" at 99.9 % this way). 10 s or more is what the intervals are for.
 */
export const MIN_SECONDS = 5;

/** A timeline the comparison can use: its seconds carry their histograms (results from before had none). */
export function hasSeconds(timeline: LoadSample[] | undefined): boolean {
  return timeline !== undefined && timeline.every((s) => s.buckets !== undefined);
}

function secondsOf(timeline: LoadSample[]): Second[] {
  return timeline.map((s) => ({
    requests: s.requests,
    attempts: s.requests + (s.unanswered ?? 0),
    errors: s.errors,
    sumMs: s.sumMs ?? 0,
    buckets: s.buckets ?? [],
  }));
}

/** mulberry32: a small, well-mixed 32-bit generator; enough for resampling indices, and reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every metric of a set of seconds (indices into `seconds`), merged. */
function metricsOf(
  seconds: Second[],
  indices: number[],
  scratch: Float64Array,
): Record<ComparedMetric, number> {
  scratch.fill(0);
  let requests = 0;
  let attempts = 0;
  let errors = 0;
  let sumMs = 0;
  for (const i of indices) {
    const s = seconds[i];
    requests += s.requests;
    attempts += s.attempts;
    errors += s.errors;
    sumMs += s.sumMs;
    addInto(scratch, s.buckets);
  }
  const [p50, p90, p99] = percentilesOf(scratch, requests, [50, 90, 99]);
  return {
    p50,
    p90,
    p99,
    mean: requests > 0 ? sumMs / requests : NaN,
    rps: requests / indices.length,
    errors: attempts > 0 ? (errors / attempts) * 100 : NaN,
  };
}

/** Candidate vs baseline for one metric: percent of the baseline, or points for the error rate. */
function change(metric: ComparedMetric, baseline: number, candidate: number): number {
  if (metric === "errors") return candidate - baseline;
  return baseline > 0 ? (candidate / baseline - 1) * 100 : NaN;
}

/** Higher is worse for latency and errors; lower is worse for rps. */
function worsening(metric: ComparedMetric, changed: number): number {
  return metric === "rps" ? -changed : changed;
}

/** Moving-block bootstrap: ceil(n / L) blocks of L consecutive seconds from random starts (L ≈ n^(1/3)). */
function drawBlocks(n: number, random: () => number): number[] {
  const length = Math.max(1, Math.round(Math.cbrt(n)));
  const indices: number[] = [];
  while (indices.length < n) {
    const start = Math.floor(random() * (n - length + 1));
    for (let i = 0; i < length && indices.length < n; i++) indices.push(start + i);
  }
  return indices;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

export function verdictOf(
  interval: [number, number],
  allowed: number,
  metric: ComparedMetric,
): ComparisonVerdict {
  if (!Number.isFinite(interval[0]) || !Number.isFinite(interval[1])) return "inconclusive";
  const [a, b] = [worsening(metric, interval[0]), worsening(metric, interval[1])];
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  if (low > allowed) return "regressed";
  if (high < -allowed) return "improved";
  if (low >= -allowed && high <= allowed) return "unchanged";
  return "inconclusive";
}

/**
 * Compares two loads second by second. Paired: seconds are aligned by index (both loads started together) and
 * the shorter side sets the count.
 */
export function compareLoads(
  baseline: LoadSample[],
  candidate: LoadSample[],
  options: ComparisonOptions,
): MetricComparison[] {
  const base = secondsOf(baseline);
  const cand = secondsOf(candidate);
  const n = options.paired ? Math.min(base.length, cand.length) : 0;
  const baseAll = [...Array(options.paired ? n : base.length).keys()];
  const candAll = [...Array(options.paired ? n : cand.length).keys()];
  const scratch = new Float64Array(BUCKET_COUNT);
  const pointBase = metricsOf(base, baseAll, scratch);
  const pointCand = metricsOf(cand, candAll, scratch);

  const random = seededRandom(options.seed);
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const changes = new Map<ComparedMetric, number[]>(COMPARED_METRICS.map((m) => [m, []]));
  for (let i = 0; i < iterations; i++) {
    const baseDraw = drawBlocks(baseAll.length, random);
    const candDraw = options.paired ? baseDraw : drawBlocks(candAll.length, random);
    const b = metricsOf(base, baseDraw, scratch);
    const c = metricsOf(cand, candDraw, scratch);
    for (const metric of COMPARED_METRICS) {
      const value = change(metric, b[metric], c[metric]);
      if (Number.isFinite(value)) changes.get(metric)!.push(value);
    }
  }

  const alpha = 1 - options.confidence;
  const seconds = Math.min(baseAll.length, candAll.length);
  return COMPARED_METRICS.map((metric) => {
    const drawn = changes.get(metric)!.sort((x, y) => x - y);
    // Resamples where the metric had no value (no answer at all in the drawn seconds) leave too few to trust.
    const enough = seconds >= MIN_SECONDS && drawn.length >= iterations * 0.9;
    const interval: [number, number] = enough
      ? [round(quantile(drawn, alpha / 2)), round(quantile(drawn, 1 - alpha / 2))]
      : [NaN, NaN];
    const gating = options.allowed[metric] !== undefined;
    const allowedPercent = options.allowed[metric] ?? options.defaultAllowed;
    return {
      metric,
      baseline: round(pointBase[metric]),
      candidate: round(pointCand[metric]),
      changePercent: round(change(metric, pointBase[metric], pointCand[metric])),
      interval,
      allowedPercent,
      verdict: verdictOf(interval, allowedPercent, metric),
      gating,
      unit: metric === "errors" ? "pp" : "%",
    };
  });
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
