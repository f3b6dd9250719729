// What the run is judged by: threshold rules, a baseline results file (read and checked here, before any
// cluster call) with the allowed regressions, and whether a failed gate fails the step.
import { readBaseline } from "../baseline.js";
import type { Draft, InputReader, ParseContext } from "../input-reader.js";
import { parseMaxRegression } from "../max-regression.js";
import type { VerdictSettings } from "../settings.js";
import { parseThresholds } from "../thresholds.js";

export function parseVerdictGroup(inputs: InputReader, ctx: ParseContext): Draft<VerdictSettings> {
  const baseline = inputs.value("baseline");
  // A baseline file or an A/B baseline: either way max-regression's defaults apply.
  const comparesSomething =
    baseline !== "" || inputs.value("baseline-image") !== "" || inputs.value("baseline-service-file") !== "";
  return {
    thresholds: inputs.check(() => parseThresholds(inputs.value("thresholds"))),
    baseline: baseline || undefined,
    baselineDocument: baseline === "" ? undefined : inputs.check(() => readBaseline(baseline, ctx.readFile)),
    maxRegression: inputs.check(() => parseMaxRegression(inputs.value("max-regression"), comparesSomething)),
    failOnThreshold: inputs.bool("fail-on-threshold"),
  };
}
