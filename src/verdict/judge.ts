// The verdict of a finished run: its threshold rules; its comparison with a baseline, when there is one; and
// whether it passed. Pure: the document (and the comparison's seed) in, the verdict out.
//   A/B (doc.baseline): both Services were loaded side by side, so the comparison is paired, and a metric that
//   max-regression names fails the run only when its whole confidence interval is worse than allowed
//   (`regressed`); an `inconclusive` one fails only with on-inconclusive: fail.
//   A baseline results file: the point comparison (regression) decides as before; when both documents carry
//   per-second data, an unpaired interval is added beside it as weaker evidence (another time, maybe another
//   machine).
import type { ComparisonSettings, VerdictSettings } from "../config/settings.js";
import type { Comparison, LoadSample, ResultsDocument } from "../results.js";
import {
  COMPARED_METRICS,
  compareLoads,
  DEFAULT_ITERATIONS,
  hasSeconds,
  type ComparedMetric,
} from "./compare.js";
import { evaluateThresholds, unmeasuredSides } from "./evaluate.js";
import { compareToBaseline } from "./regression.js";

export type JudgeSettings = Pick<
  VerdictSettings,
  "thresholds" | "baseline" | "baselineDocument" | "maxRegression"
> &
  Pick<ComparisonSettings, "confidence" | "onInconclusive">;

export type Verdict = Pick<ResultsDocument, "thresholds" | "regression" | "passed" | "comparison">;

/** Shown as the allowed change of metrics max-regression does not name (they are not judged). */
const SHOWN_ALLOWED_PERCENT = 10;

export function judge(doc: ResultsDocument, settings: JudgeSettings, options: { seed: number }): Verdict {
  const thresholds = evaluateThresholds(settings.thresholds, doc);
  const regression = settings.baselineDocument
    ? {
        baselineFile: settings.baseline ?? "",
        baselineStartedAt: settings.baselineDocument.startedAt,
        verdicts: compareToBaseline(doc, settings.baselineDocument, settings.maxRegression),
      }
    : null;
  const comparison = compareRun(doc, settings, options.seed);
  const comparisonPasses =
    comparison?.mode !== "ab" ||
    comparison.verdict === "passed" ||
    (comparison.verdict === "inconclusive" && settings.onInconclusive === "pass");
  // A run that measured nothing it was asked to (no answered request, an unanswered cold start) fails whatever
  // its rules say; so does an A/B run whose baseline measured nothing (its comparison would be empty).
  const unmeasured = unmeasuredSides(doc);
  const passed =
    thresholds.every((v) => v.passed) &&
    (regression?.verdicts.every((v) => v.passed) ?? true) &&
    comparisonPasses &&
    unmeasured === undefined;
  return { thresholds, regression, comparison, passed };
}

function compareRun(doc: ResultsDocument, settings: JudgeSettings, seed: number): Comparison | null {
  const candidate = doc.load?.timeline;
  let baseline: LoadSample[] | undefined;
  let mode: Comparison["mode"];
  if (doc.baseline) {
    baseline = doc.baseline.load?.timeline;
    mode = "ab";
  } else {
    baseline = settings.baselineDocument?.load?.timeline;
    mode = "baseline-file";
  }
  // An A/B run always states its comparison (too short a load makes it inconclusive, never silently absent);
  // a stored file without per-second data (an older version) has none to offer.
  if (!baseline || !candidate || !hasSeconds(baseline) || !hasSeconds(candidate)) return null;
  const allowed: Partial<Record<ComparedMetric, number>> = {};
  for (const rule of settings.maxRegression) {
    if ((COMPARED_METRICS as string[]).includes(rule.metric))
      allowed[rule.metric as ComparedMetric] = rule.percent;
  }
  const paired = mode === "ab";
  const compared = compareLoads(baseline, candidate, {
    paired,
    confidence: settings.confidence,
    seed,
    iterations: DEFAULT_ITERATIONS,
    allowed,
    defaultAllowed: SHOWN_ALLOWED_PERCENT,
  });
  // Against a stored file the intervals only inform: resampling seconds within each run cannot see how far
  // one run drifts from another (on a noisy machine, often further than the interval), so nothing gates on them.
  const metrics = paired ? compared : compared.map((m) => ({ ...m, gating: false }));
  const gating = metrics.filter((m) => m.gating);
  const verdict = gating.some((m) => m.verdict === "regressed")
    ? "regressed"
    : gating.some((m) => m.verdict === "inconclusive")
      ? "inconclusive"
      : "passed";
  return {
    mode,
    confidence: settings.confidence,
    seed,
    iterations: DEFAULT_ITERATIONS,
    seconds: paired
      ? Math.min(baseline.length, candidate.length)
      : Math.min(baseline.length, candidate.length),
    metrics,
    verdict,
    onInconclusive: settings.onInconclusive,
  };
}
