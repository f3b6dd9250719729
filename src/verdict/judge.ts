// The verdict of a finished run: its threshold rules, and its regression against a baseline file when one was
// given. Pure: the document in, the verdict out.
import type { RegressionRule } from "../config/settings.js";
import type { ResultsDocument } from "../results.js";
import { evaluateThresholds } from "./evaluate.js";
import { compareToBaseline } from "./regression.js";
import type { ThresholdRule } from "../metrics.js";

export interface JudgeSettings {
  thresholds: ThresholdRule[];
  baseline?: string;
  baselineDocument?: ResultsDocument;
  maxRegression: RegressionRule[];
}

export type Verdict = Pick<ResultsDocument, "thresholds" | "regression" | "passed">;

export function judge(doc: ResultsDocument, settings: JudgeSettings): Verdict {
  const thresholds = evaluateThresholds(settings.thresholds, doc);
  const regression = settings.baselineDocument
    ? {
        baselineFile: settings.baseline ?? "",
        baselineStartedAt: settings.baselineDocument.startedAt,
        verdicts: compareToBaseline(doc, settings.baselineDocument, settings.maxRegression),
      }
    : null;
  const passed = thresholds.every((v) => v.passed) && (regression?.verdicts.every((v) => v.passed) ?? true);
  return { thresholds, regression, passed };
}
