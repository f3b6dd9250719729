// Judging a run against its threshold rules. A rule on a metric the run did not measure fails, with a note
// saying why: a gate that silently passes what it could not check is worse than no gate.
import { findMetric, metricValue, type Operator, type ThresholdRule } from "../metrics.js";
import { formatMetric } from "./format.js";
import type { ResultsDocument, RuleVerdict } from "../results.js";

/** Why a metric has no value in this run, for the verdict's note. */
export function unmeasuredReason(doc: ResultsDocument, metric: string): string {
  const name = findMetric(metric)?.name ?? metric;
  const failure = doc.error ? ` (the run failed: ${doc.error})` : "";
  if (name === "cold-start") {
    return doc.settings?.coldStart
      ? `cold start was not measured${failure}`
      : "cold start was not measured: set cold-start: true";
  }
  if (name === "pods.max" || name === "pods.final") return `pods were not observed${failure}`;
  if (name === "ready-time") return `the Service did not become Ready${failure}`;
  return `no load was measured${failure}`;
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
