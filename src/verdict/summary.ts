// One line that says why a gate failed, for the step's error and the CLI's stderr.
import type { ResultsDocument } from "../results.js";
import { comparisonReasons } from "./describe.js";
import { unmeasuredSides } from "./evaluate.js";

export function failureSummary(doc: ResultsDocument): string {
  if (doc.error) return doc.error;
  const unmeasured = unmeasuredSides(doc);
  const rules = doc.thresholds
    .filter((v) => !v.passed)
    .map((v) => `${v.rule} (observed ${v.observedText}${v.note ? `; ${v.note}` : ""})`);
  const regressions = (doc.regression?.verdicts ?? [])
    .filter((v) => !v.passed)
    .map((v) =>
      Number.isNaN(v.changePercent)
        ? v.note?.startsWith("not measured")
          ? `${v.metric} ${v.note}`
          : `${v.metric} could not be compared (${v.note ?? "no value"})`
        : `${v.metric} regressed ${v.changePercent.toFixed(1)}% (allowed ${v.allowedPercent}%)`,
    );
  const reasons = [
    ...(unmeasured ? [unmeasured] : []),
    ...rules,
    ...regressions,
    ...comparisonReasons(doc.comparison),
  ];
  return reasons.length ? `performance gate failed: ${reasons.join("; ")}` : "performance gate passed";
}
