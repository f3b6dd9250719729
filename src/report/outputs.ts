// The action's outputs, computed from the results document. Values are plain strings a workflow can compare or
// feed to another tool: no units, no thousands separators, no exponents ("0.0012", not "1.2e-3").
import type { OutputName } from "../config/outputs.js";
import { worstScaleUp } from "../metrics.js";
import type { ResultsDocument } from "../results.js";

/** A number rounded to at most `digits` decimals, without trailing zeros or exponent; "" when unknown. */
export function plainNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "";
  const fixed = value.toFixed(digits);
  const trimmed = fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
  return trimmed === "-0" ? "0" : trimmed;
}

export function actionOutputs(
  doc: ResultsDocument,
  extra: { resultsFile: string; commentUrl?: string; commentId?: number },
): Record<OutputName, string> {
  const load = doc.load;
  return {
    // The URL the load went to; through a gateway (a Host header) that is the Service's own URL.
    url: load && !load.target.host ? load.target.url : doc.service.url,
    revision: doc.service.revision,
    "ready-seconds": doc.service.readySeconds > 0 ? plainNumber(doc.service.readySeconds, 3) : "",
    requests: plainNumber(load?.requests, 0),
    rps: plainNumber(load?.rps, 3),
    "latency-p50": plainNumber(load?.latency.p50, 3),
    "latency-p90": plainNumber(load?.latency.p90, 3),
    "latency-p99": plainNumber(load?.latency.p99, 3),
    "latency-max": plainNumber(load?.latency.max, 3),
    "error-rate": plainNumber(load?.errors.rate, 6),
    "pods-max": plainNumber(doc.pods?.max.serving, 0),
    "scale-up-seconds": plainNumber(worstScaleUp(doc.load?.stages), 3),
    "cold-start-ms": plainNumber(doc.coldStart?.firstResponseMs, 3),
    passed: String(doc.passed),
    verdict: verdictOf(doc),
    "regressed-metrics": regressedMetrics(doc).join(","),
    "results-file": extra.resultsFile,
    "comment-url": extra.commentUrl ?? "",
    "comment-id": extra.commentId === undefined ? "" : String(extra.commentId),
  };
}

/** The metrics that regressed: in an A/B run those whose interval says so, else the baseline file's failures. */
export function regressedMetrics(doc: ResultsDocument): string[] {
  if (doc.comparison?.mode === "ab") {
    return doc.comparison.metrics.filter((m) => m.gating && m.verdict === "regressed").map((m) => m.metric);
  }
  return (doc.regression?.verdicts ?? []).filter((v) => !v.passed).map((v) => v.metric);
}

/** One word for what the run concluded (see the `verdict` output). */
export function verdictOf(doc: ResultsDocument): "passed" | "regressed" | "inconclusive" | "failed" {
  if (doc.error) return "failed";
  if (regressedMetrics(doc).length > 0) return "regressed";
  if (doc.comparison?.mode === "ab" && doc.comparison.verdict === "inconclusive") return "inconclusive";
  return doc.passed ? "passed" : "failed";
}
