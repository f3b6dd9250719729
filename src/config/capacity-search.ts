// The capacity-search input: rules of the threshold language that each step of the search must meet, on what
// one step measures by itself (its latency, errors and throughput). Same syntax and errors as thresholds.
import { InputError } from "./errors.js";
import { parseThresholds } from "./thresholds.js";
import type { ThresholdRule } from "../metrics.js";

/** What a search step is judged on (a step is a stage: see STAGE_METRICS). */
export const CAPACITY_METRICS = ["p50", "p90", "p99", "max", "errors", "rps"];

export function parseCapacitySearch(text: string, input = "capacity-search"): ThresholdRule[] {
  const rules = parseThresholds(text, input);
  if (rules.length === 0) {
    throw new InputError(input, "has no rule", {
      hint: 'e.g. "p99 < 200ms", or leave it empty for no search',
    });
  }
  for (const rule of rules) {
    if (!CAPACITY_METRICS.includes(rule.metric)) {
      throw new InputError(input, `"${rule.source}": a search step cannot be judged on ${rule.metric}`, {
        line: rule.line,
        hint: `use ${CAPACITY_METRICS.join(", ")}`,
      });
    }
  }
  return rules;
}
