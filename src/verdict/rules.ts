// The threshold language's vocabulary: metric names, operators and units. Parsing lives in
// src/config/thresholds.ts; evaluation in src/verdict/evaluate.ts.

export type Operator = "<" | "<=" | ">" | ">=" | "==" | "!=";

export const OPERATORS: readonly Operator[] = ["<", "<=", ">", ">=", "==", "!="];

/** What a metric measures decides which units its limits may use. */
export type MetricKind = "duration" | "ratio" | "rate" | "count";

export interface MetricDefinition {
  name: string;
  aliases: string[];
  kind: MetricKind;
  description: string;
  /** Which way is better: used for regression deltas (▲/▼) and the default regression metrics. */
  better: "lower" | "higher";
}

/**
 * A parsed rule. `limit` is normalized: milliseconds for durations, a fraction (0..1) for ratios,
 * per second for rates, a plain number for counts.
 */
export interface ThresholdRule {
  source: string;
  line: number;
  metric: string;
  operator: Operator;
  limit: number;
}

export const METRICS: MetricDefinition[] = [
  { name: "p50", aliases: ["latency.p50"], kind: "duration", description: "median latency", better: "lower" },
  {
    name: "p90",
    aliases: ["latency.p90"],
    kind: "duration",
    description: "90th percentile latency",
    better: "lower",
  },
  {
    name: "p99",
    aliases: ["latency.p99"],
    kind: "duration",
    description: "99th percentile latency",
    better: "lower",
  },
  {
    name: "p99.9",
    aliases: ["latency.p99.9", "p999"],
    kind: "duration",
    description: "99.9th percentile latency",
    better: "lower",
  },
  {
    name: "max",
    aliases: ["latency.max"],
    kind: "duration",
    description: "slowest request",
    better: "lower",
  },
  {
    name: "mean",
    aliases: ["latency.mean", "avg"],
    kind: "duration",
    description: "mean latency",
    better: "lower",
  },
  {
    name: "errors",
    aliases: ["error-rate", "errors.rate"],
    kind: "ratio",
    description: "share of failed requests (non-2xx/3xx, timeouts, connection errors)",
    better: "lower",
  },
  {
    name: "rps",
    aliases: ["throughput"],
    kind: "rate",
    description: "successful requests per second",
    better: "higher",
  },
  {
    name: "requests",
    aliases: ["requests.total"],
    kind: "count",
    description: "requests completed",
    better: "higher",
  },
  {
    name: "pods.max",
    aliases: ["pods"],
    kind: "count",
    description: "most ready serving pods at once",
    better: "lower",
  },
  {
    name: "pods.final",
    aliases: [],
    kind: "count",
    description: "ready serving pods when the load ended",
    better: "lower",
  },
  {
    name: "cold-start",
    aliases: ["cold-start.first-response"],
    kind: "duration",
    description: "first response after scale-from-zero",
    better: "lower",
  },
  {
    name: "ready-time",
    aliases: ["ready"],
    kind: "duration",
    description: "deploy until the Service was Ready",
    better: "lower",
  },
];

/**
 * Units a limit may carry, by metric kind, and the factor to the normalized value. "" is a plain number: a
 * fraction for ratios, per second for rates. Durations need a unit: `200` could be ms or s.
 */
export const UNITS: Record<MetricKind, Record<string, number>> = {
  duration: { us: 0.001, µs: 0.001, μs: 0.001, ms: 1, s: 1000, m: 60_000 },
  ratio: { "%": 0.01, "": 1 },
  rate: { "/s": 1, "": 1 },
  count: { "": 1 },
};

export function findMetric(name: string): MetricDefinition | undefined {
  const key = name.toLowerCase();
  return METRICS.find((m) => m.name === key || m.aliases.includes(key));
}
