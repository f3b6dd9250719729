// Judging a run against its threshold rules. A rule on a metric the run did not measure fails, with a note
// saying why ("not measured: …", the same words for thresholds, regressions, the report and the step error): a
// gate that silently passes what it could not check is worse than no gate. A load where no request was answered
// measured no latency and no throughput, whatever zeros its summary holds, and a run with such a load (or an
// unanswered cold-start request) fails even without a rule on them (unmeasuredRun).
import { findMetric, type Operator, type ThresholdRule } from "./rules.js";
import { formatMetric } from "./format.js";
import type { ResultsDocument, RuleVerdict } from "../results.js";

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
    case "cold-start":
      return coldStart?.unanswered ? null : finiteOrNull(coldStart?.firstResponseMs);
    case "ready-time":
      return readyMs(doc);
    default:
      throw new Error(`metric "${definition.name}" has no value mapping`);
  }
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

/** "not measured: 12 requests sent, none answered" */
function noneAnswered(sent: number): string {
  if (sent === 0) return "not measured: no request was sent";
  return `not measured: ${sent.toLocaleString("en-US")} ${sent === 1 ? "request" : "requests"} sent, none answered`;
}

/** Why a metric has no value in this run, for the verdict's note; always begins "not measured: ". */
export function unmeasuredReason(doc: ResultsDocument, metric: string): string {
  const name = findMetric(metric)?.name ?? metric;
  const failure = doc.error ? ` (the run failed: ${doc.error})` : "";
  if (name === "cold-start") {
    if (doc.coldStart?.unanswered) return `${noneAnswered(1)} (${doc.coldStart.unanswered})`;
    return doc.settings?.coldStart
      ? `not measured: no cold-start request was made${failure}`
      : "not measured: cold start is off (set cold-start: true)";
  }
  if (name === "pods.max" || name === "pods.final") return `not measured: pods were not observed${failure}`;
  if (name === "ready-time") return `not measured: the Service did not become Ready${failure}`;
  if (doc.load) return noneAnswered(sentOf(doc.load));
  return `not measured: no load was run${failure}`;
}

/**
 * Why the run as a whole measured nothing it was asked to, or undefined: a load with no answered request, or a
 * cold-start request with no answer. Such a run fails whatever its rules say (an empty rule list included).
 */
export function unmeasuredRun(doc: ResultsDocument): string | undefined {
  const reasons: string[] = [];
  if (doc.load && doc.load.requests === 0) reasons.push(`load ${noneAnswered(sentOf(doc.load))}`);
  if (doc.coldStart?.unanswered) reasons.push(`cold start ${unmeasuredReason(doc, "cold-start")}`);
  return reasons.length ? reasons.join("; ") : undefined;
}

/**
 * Limits are decimal (`0.3%` is 0.003) and observations are computed; equal within floating-point noise counts
 * as equal, so that `errors <= 0.3%` holds for 3 errors in 1000 requests.
 */
export function compare(observed: number, operator: Operator, limit: number): boolean {
  const equal = Math.abs(observed - limit) <= 1e-9 * Math.max(1, Math.abs(observed), Math.abs(limit));
  switch (operator) {
    case "<":
      return observed < limit && !equal;
    case "<=":
      return observed < limit || equal;
    case ">":
      return observed > limit && !equal;
    case ">=":
      return observed > limit || equal;
    case "==":
      return equal;
    case "!=":
      return !equal;
  }
}

export function evaluateThresholds(rules: ThresholdRule[], doc: ResultsDocument): RuleVerdict[] {
  return rules.map((rule) => {
    const definition = findMetric(rule.metric);
    if (!definition) throw new Error(`unknown metric "${rule.metric}" in rule "${rule.source}"`);
    const observed = metricValue(doc, definition.name);
    const verdict: RuleVerdict = {
      rule: rule.source,
      metric: definition.name,
      operator: rule.operator,
      limit: rule.limit,
      limitText: formatMetric(definition.kind, rule.limit),
      observed,
      observedText: formatMetric(definition.kind, observed),
      passed: observed !== null && compare(observed, rule.operator, rule.limit),
    };
    if (observed === null) verdict.note = unmeasuredReason(doc, definition.name);
    return verdict;
  });
}
