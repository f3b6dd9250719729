// The metrics a gate judges, shared by input validation (src/config), the verdict and the report: the threshold
// language's vocabulary (metric names, operators, units), the rule types, and where each metric's value is in a
// results document. A leaf: it imports nothing but the results types, so config and verdict both build on it
// without importing each other. Parsing lives in src/config/thresholds.ts; evaluation in src/verdict/evaluate.ts.
import type { ResultsDocument, StageChange, StageSummary } from "./results.js";

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
  /** A plain number (no unit) is allowed and multiplied by this: `scale-up.seconds < 20` is 20 s. */
  plainFactor?: number;
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

export interface RegressionRule {
  /** A metric name of the threshold language, e.g. "p99" or "rps". */
  metric: string;
  /** Allowed worsening in percent of the baseline value. */
  percent: number;
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
    name: "pods.desired.max",
    aliases: ["desired.max", "pods.desired"],
    kind: "count",
    description: "most pods the autoscaler wanted at once (its PodAutoscaler's desiredScale)",
    better: "lower",
  },
  {
    name: "scale-up.seconds",
    aliases: ["scale-up"],
    kind: "duration",
    plainFactor: 1000,
    description:
      "worst step up between stages: from the stage's start until the pods the autoscaler decided on were Ready (needs stages; a plain number is seconds)",
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

/** The metrics a per-stage rule (`stage[2].p99 < 300ms`) may name: what each stage measures on its own. */
export const STAGE_METRICS = [
  "p50",
  "p90",
  "p99",
  "max",
  "errors",
  "rps",
  "requests",
  "pods.max",
  "pods.final",
];

const STAGE_PREFIX = /^stage\[(\d+)\]\.(.*)$/i;

/** `stage[2].p99` → stage 2 and the metric p99 (by name or alias); undefined for any other name. */
export function stageMetricOf(name: string): { index: number; base: string } | undefined {
  const match = STAGE_PREFIX.exec(name);
  if (!match) return undefined;
  return { index: Number(match[1]), base: match[2] };
}

function findPlainMetric(name: string): MetricDefinition | undefined {
  const key = name.toLowerCase();
  return METRICS.find((m) => m.name === key || m.aliases.includes(key));
}

/** A metric by name or alias, per-stage ones included (`stage[2].latency.p99` is `stage[2].p99`). */
export function findMetric(name: string): MetricDefinition | undefined {
  const staged = stageMetricOf(name);
  if (!staged) return findPlainMetric(name);
  const base = findPlainMetric(staged.base);
  if (!base || !STAGE_METRICS.includes(base.name)) return undefined;
  return {
    ...base,
    name: `stage[${staged.index}].${base.name}`,
    aliases: [],
    description: `${base.description}, in stage ${staged.index} alone`,
  };
}

const finiteOrNull = (value: number | undefined): number | null =>
  value !== undefined && Number.isFinite(value) ? value : null;

/**
 * The observed value of a metric (name or alias), normalized like a rule's limit: ms, fraction, per second,
 * count. null when the run did not measure it.
 */
export function metricValue(doc: ResultsDocument, metric: string): number | null {
  const definition = findMetric(metric);
  if (!definition) throw new Error(`unknown metric "${metric}"`);
  const { pods, coldStart } = doc;
  const staged = stageMetricOf(definition.name);
  if (staged) return stageValue(doc, staged.index, staged.base);
  // Latency and throughput exist only if something was answered.
  const load = doc.load && doc.load.requests > 0 ? doc.load : null;
  switch (definition.name) {
    case "p50":
      return finiteOrNull(load?.latency.p50);
    case "p90":
      return finiteOrNull(load?.latency.p90);
    case "p99":
      return finiteOrNull(load?.latency.p99);
    case "p99.9":
      return finiteOrNull(load?.latency.p999);
    case "max":
      return finiteOrNull(load?.latency.max);
    case "mean":
      return finiteOrNull(load?.latency.mean);
    case "errors":
      // Measured when anything was sent: a load whose every request timed out has an error rate of 100%.
      return doc.load && sentOf(doc.load) > 0 ? finiteOrNull(doc.load.errors.rate) : null;
    case "rps":
      return load ? successfulRps(load) : null;
    case "requests":
      return finiteOrNull(doc.load?.requests);
    case "pods.max":
      return finiteOrNull(pods?.max.serving);
    case "pods.final":
      return finiteOrNull(pods?.final.serving);
    case "pods.desired.max":
      return desiredMax(doc);
    case "scale-up.seconds": {
      const seconds = worstScaleUp(doc.load?.stages);
      return seconds === null ? null : seconds * 1000;
    }
    case "cold-start":
      return coldStart?.unanswered ? null : finiteOrNull(coldStart?.firstResponseMs);
    case "ready-time":
      return readyMs(doc);
    default:
      throw new Error(`metric "${definition.name}" has no value mapping`);
  }
}

/** One stage's figure, normalized like the whole load's; null when the run had no such stage or it measured none. */
function stageValue(doc: ResultsDocument, index: number, metric: string): number | null {
  const stage = doc.load?.stages?.[index - 1];
  if (!stage) return null;
  const answered = stage.requests > 0;
  switch (metric) {
    case "p50":
    case "p90":
    case "p99":
    case "max":
      return answered ? finiteOrNull(stage.latency[metric]) : null;
    case "errors":
      return stage.sent > 0 ? finiteOrNull(stage.errors.rate) : null;
    case "rps": {
      if (!answered) return null;
      // Successful answers only, as for the whole load: status errors are answered requests that failed.
      const failedAnswers = stage.errors.total - stage.errors.timeouts - stage.errors.connectionErrors;
      return (stage.rps * Math.max(0, stage.requests - failedAnswers)) / stage.requests;
    }
    case "requests":
      return stage.requests;
    case "pods.max":
      return stage.pods ? stage.pods.max : null;
    case "pods.final":
      return stage.pods ? stage.pods.final : null;
    default:
      throw new Error(`metric "${metric}" has no per-stage value`);
  }
}

/** The most pods the autoscaler wanted at once; null when its decisions were not watched. */
function desiredMax(doc: ResultsDocument): number | null {
  const desired = (doc.pods?.timeline ?? [])
    .map((s) => s.desired)
    .filter((d): d is number => d !== undefined);
  return desired.length > 0 ? Math.max(...desired) : null;
}

/**
 * The worst step up between stages, in seconds: the most any stage change whose new decision was more pods
 * took until that many were Ready. null when no stage stepped the pods up, or one never got its pods Ready
 * within its stage (then the worst is unknown, and a rule on it fails rather than pass on the others).
 */
export function worstScaleUp(stages: StageSummary[] | undefined): number | null {
  const ups = (stages ?? [])
    .map((s) => s.change)
    .filter(
      (c): c is StageChange => c !== undefined && c.desired !== null && c.desired > (c.desiredBefore ?? 0),
    );
  if (ups.length === 0 || ups.some((c) => c.readySeconds === null)) return null;
  return Math.max(...ups.map((c) => c.readySeconds as number));
}

/** A run that failed before Ready records readySeconds 0 with its error; that 0 is not a measurement. */
function readyMs(doc: ResultsDocument): number | null {
  const seconds = doc.service?.readySeconds;
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds === 0 && doc.error) return null;
  return seconds * 1000;
}

/**
 * `rps` in the threshold language counts successful responses only: a service that answers 503 quickly must not
 * pass `rps >= 500`. Completed requests per second, scaled by the share that got a 2xx/3xx answer.
 */
function successfulRps(load: NonNullable<ResultsDocument["load"]>): number | null {
  if (!Number.isFinite(load.rps)) return null;
  if (load.requests <= 0) return 0;
  const failedResponses = Object.values(load.errors.byStatus).reduce((sum, count) => sum + count, 0);
  return (load.rps * Math.max(0, load.requests - failedResponses)) / load.requests;
}

/** Requests started in the measured load; files written before `sent` existed give the same sum. */
export function sentOf(load: NonNullable<ResultsDocument["load"]>): number {
  return load.sent ?? load.requests + load.errors.timeouts + load.errors.connectionErrors;
}
