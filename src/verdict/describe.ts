// One wording of a comparison's metrics for every place that says it: the step error, the CLI, the Markdown
// report and the terminal summary. A change always comes with its interval: a difference of two numbers alone
// is never reported as a regression.
import type { ComparedMetricResult, Comparison } from "../results.js";
import { formatMs } from "./format.js";

const finite = (value: number | null | undefined): value is number =>
  typeof value === "number" && Number.isFinite(value);

function signed(value: number, unit: string): string {
  const rounded = Number(value.toFixed(1));
  return `${rounded > 0 ? "+" : rounded < 0 ? "−" : "±"}${Math.abs(rounded)}${unit}`;
}

/** "+12.3% [+8.1%, +16.0%]" or "+0.4 pp [−0.1 pp, +0.9 pp]"; "n/a" when it could not be computed. */
export function describeChange(m: ComparedMetricResult): string {
  const unit = m.unit === "pp" ? " pp" : "%";
  if (!finite(m.changePercent)) return "n/a";
  const [low, high] = m.interval ?? [NaN, NaN];
  const interval =
    finite(low) && finite(high) ? ` [${signed(low, unit)}, ${signed(high, unit)}]` : " [no interval]";
  return `${signed(m.changePercent, unit)}${interval}`;
}

/** A metric's value as it reads: latency in ms, rps per second, the error rate in percent. */
export function describeValue(m: Pick<ComparedMetricResult, "metric">, value: number): string {
  if (!finite(value)) return "n/a";
  if (m.metric === "rps") return `${Number(value.toFixed(1))}/s`;
  if (m.metric === "errors") return `${Number(value.toFixed(3))}%`;
  return formatMs(value);
}

/** Why one metric fails or is unclear, in one line: "p99 regressed: +23.1% [+18.0%, +28.4%] at 95% (allowed 10%)". */
export function describeVerdict(m: ComparedMetricResult, comparison: Pick<Comparison, "confidence">): string {
  const level = `${Number((comparison.confidence * 100).toFixed(1))}%`;
  const allowed = `${m.allowedPercent}${m.unit === "pp" ? " pp" : "%"}`;
  const what =
    m.verdict === "regressed"
      ? "regressed"
      : m.verdict === "inconclusive"
        ? finite(m.interval?.[0]) && finite(m.interval?.[1])
          ? "inconclusive (the interval straddles the allowed change)"
          : "inconclusive (no interval: too few seconds or no answers)"
        : m.verdict;
  return `${m.metric} ${what}: ${describeChange(m)} at ${level} (allowed ${allowed})`;
}

/** The gating metrics that fail the run or leave it unclear, each described. */
export function comparisonReasons(comparison: Comparison | null | undefined): string[] {
  if (!comparison || comparison.mode !== "ab") return [];
  const failsOn = (m: ComparedMetricResult) =>
    m.verdict === "regressed" || (m.verdict === "inconclusive" && comparison.onInconclusive === "fail");
  return comparison.metrics.filter((m) => m.gating && failsOn(m)).map((m) => describeVerdict(m, comparison));
}
