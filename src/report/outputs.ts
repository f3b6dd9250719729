// The action's outputs, computed from the results document. Values are plain strings a workflow can compare or
// feed to another tool: no units, no thousands separators, no exponents ("0.0012", not "1.2e-3").
import type { OutputName } from "../config/outputs.js";
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
    "cold-start-ms": plainNumber(doc.coldStart?.firstResponseMs, 3),
    passed: String(doc.passed),
    "results-file": extra.resultsFile,
    "comment-url": extra.commentUrl ?? "",
    "comment-id": extra.commentId === undefined ? "" : String(extra.commentId),
  };
}
