// Judging a run against its threshold rules. A rule on a metric the run did not measure fails, with a note
// saying why ("not measured: …", the same words for thresholds, regressions, the report and the step error): a
// gate that silently passes what it could not check is worse than no gate. A load where no request was answered
// measured no latency and no throughput, whatever zeros its summary holds, and a run with such a load (or an
// unanswered cold-start request) fails even without a rule on them (unmeasuredRun).
import {
  findMetric,
  metricValue,
  sentOf,
  stageMetricOf,
  type Operator,
  type ThresholdRule,
} from "../metrics.js";
import { formatMetric } from "./format.js";
import type { ResultsDocument, RuleVerdict } from "../results.js";

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
  if (name === "pods.desired.max")
    return `not measured: the autoscaler's decisions were not watched${failure}`;
  if (name === "scale-up.seconds") return scaleUpReason(doc) + failure;
  const staged = stageMetricOf(name);
  if (staged) {
    const stage = doc.load?.stages?.[staged.index - 1];
    if (!stage) return `not measured: no stage ${staged.index} was run${failure}`;
    if (staged.base.startsWith("pods.")) return `not measured: pods were not observed${failure}`;
    return `${noneAnswered(stage.sent)} in stage ${staged.index}`;
  }
  if (doc.load) return noneAnswered(sentOf(doc.load));
  return `not measured: no load was run${failure}`;
}

/** Why there is no worst scale-up: no step up, or one whose pods never came within its stage (or no decisions). */
function scaleUpReason(doc: ResultsDocument): string {
  const changes = (doc.load?.stages ?? []).map((s) => ({ index: s.index, change: s.change }));
  const unknown = changes.find((c) => c.change?.note?.startsWith("decisions not watched"));
  if (unknown) return `not measured: the autoscaler's ${unknown.change?.note}`;
  const slow = changes.find(
    (c) =>
      c.change !== undefined &&
      c.change.desired !== null &&
      c.change.desired > (c.change.desiredBefore ?? 0) &&
      c.change.readySeconds === null,
  );
  if (slow)
    return `not measured: stage ${slow.index}: ${slow.change?.note ?? "pods not Ready within the stage"}`;
  return "not measured: no stage change made the autoscaler want more pods";
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

/** unmeasuredRun for both sides of an A/B run, the baseline's reason prefixed "baseline: ". */
export function unmeasuredSides(doc: ResultsDocument): string | undefined {
  const reasons = [unmeasuredRun(doc)];
  if (doc.baseline) {
    const baseline = unmeasuredRun({ ...doc, ...doc.baseline });
    if (baseline) reasons.push(`baseline: ${baseline}`);
  }
  const found = reasons.filter((r): r is string => r !== undefined);
  return found.length ? found.join("; ") : undefined;
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
