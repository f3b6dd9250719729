// Comparing a run with a baseline run. The change is signed so that positive always means worse: for p99 a rise,
// for rps a drop (METRICS[].better). A metric this run could not measure fails, like an unmeasured threshold.
import { findMetric, metricValue, type RegressionRule } from "../metrics.js";
import { unmeasuredReason } from "./evaluate.js";
import type { RegressionVerdict, ResultsDocument } from "../results.js";

/** Floating-point slack, so that 110 ms against 100 ms with 10% allowed passes (10.000000000000009%). */
const EPSILON = 1e-9;

/** Positive = worse, in percent of the baseline. */
export function changePercent(better: "lower" | "higher", baseline: number, current: number): number {
  const worsening = better === "lower" ? current - baseline : baseline - current;
  if (baseline === 0) return worsening > 0 ? Infinity : worsening < 0 ? -Infinity : 0;
  return (worsening / Math.abs(baseline)) * 100;
}

export function compareToBaseline(
  current: ResultsDocument,
  baseline: ResultsDocument,
  rules: RegressionRule[],
): RegressionVerdict[] {
  return rules.map((rule) => {
    const definition = findMetric(rule.metric);
    if (!definition) throw new Error(`unknown metric "${rule.metric}" in max-regression`);
    const before = metricValue(baseline, definition.name);
    const now = metricValue(current, definition.name);
    const verdict: RegressionVerdict = {
      metric: definition.name,
      baseline: before ?? NaN,
      current: now ?? NaN,
      changePercent: NaN,
      allowedPercent: rule.percent,
      passed: false,
    };
    if (before === null) {
      verdict.note = `the baseline did not measure ${definition.name}`;
      return verdict;
    }
    if (now === null) {
      verdict.note = unmeasuredReason(current, definition.name);
      return verdict;
    }
    const change = changePercent(definition.better, before, now);
    verdict.changePercent = Number.isFinite(change) ? round(change, 2) : change;
    verdict.passed = change <= rule.percent + EPSILON;
    if (before === 0 && change > 0)
      verdict.note = `the baseline was 0, so any ${definition.better === "lower" ? "rise" : "drop"} is a regression`;
    return verdict;
  });
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
