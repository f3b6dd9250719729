// The comparison in the report: candidate against baseline, each metric with its change, its confidence
// interval, what max-regression allows and the verdict; for an A/B run also the baseline's own facts and
// charts with both Services' lines. Pure, like the rest of the report.
import type { ComparedMetricResult, Comparison, LoadSample, PodSample, ResultsDocument } from "../results.js";
import { comparisonReasons, describeChange, describeValue, describeVerdict } from "../verdict/describe.js";
import { downsample, max, mean, niceCeiling, xyChart } from "./chart.js";
import { code, text } from "./escape.js";
import { ms, num, seconds } from "./format.js";
import { table } from "./table.js";

const VERDICT_CELL: Record<ComparedMetricResult["verdict"], string> = {
  regressed: "❌ regressed",
  improved: "✅ improved",
  unchanged: "✅ unchanged",
  inconclusive: "⚠️ inconclusive",
};

/** The failing metrics, for the report's headline (escaped). */
export function comparisonFailures(doc: ResultsDocument): string[] {
  return comparisonReasons(doc.comparison).map((reason) => text(reason));
}

export function comparisonSection(doc: ResultsDocument): string[] {
  const c = doc.comparison;
  if (!c) return [];
  const level = `${num(c.confidence * 100, 1)} %`;
  const out = [
    c.mode === "ab"
      ? "#### Candidate vs baseline (A/B, loaded side by side)"
      : "#### Against the baseline file",
    "",
    c.mode === "ab"
      ? `Both Services got the same load at the same time, so whatever slowed the machine or the cluster slowed both. ` +
        `${level} intervals from a paired block bootstrap over ${num(c.seconds)} seconds (seed ${c.seed}). ` +
        "A metric fails the gate only when its whole interval is worse than max-regression allows."
      : `Weaker evidence: the baseline ran at another time, maybe on another machine, so the seconds are not ` +
        `paired. ${level} intervals from an unpaired block bootstrap (seed ${c.seed}); the gate itself follows ` +
        "the point comparison below. Compare side by side (baseline-image) to judge by intervals.",
    "",
    table(
      ["Metric", "Baseline", "Candidate", `Change [${level} interval]`, "Allowed", "Verdict"],
      c.metrics.map((m) => [
        code(m.metric, { table: true }),
        text(describeValue(m, m.baseline)),
        text(describeValue(m, m.candidate)),
        text(describeChange(m)),
        `${num(m.allowedPercent, 1)}${m.unit === "pp" ? " pp" : " %"}`,
        m.gating ? VERDICT_CELL[m.verdict] : `${VERDICT_CELL[m.verdict].split(" ")[1]} (not judged)`,
      ]),
      ["l", "r", "r", "r", "r", "l"],
    ),
    "",
  ];
  const unclear = c.metrics.filter((m) => m.gating && m.verdict !== "unchanged" && m.verdict !== "improved");
  for (const m of unclear) out.push(`- ${text(describeVerdict(m, c))}${consequence(m, c)}`);
  if (unclear.length) out.push("");
  if (c.mode === "ab" && doc.baseline) out.push(...baselineFacts(doc), ...duetCharts(doc));
  return out;
}

function consequence(m: ComparedMetricResult, c: Comparison): string {
  if (m.verdict === "regressed") return ": fails the gate.";
  return c.onInconclusive === "fail"
    ? ": fails the gate (on-inconclusive: fail); a longer duration narrows the interval."
    : ": passes with a warning (on-inconclusive: pass); a longer duration narrows the interval.";
}

function baselineFacts(doc: ResultsDocument): string[] {
  const b = doc.baseline!;
  const row = (
    side: string,
    s: ResultsDocument["service"],
    pods: ResultsDocument["pods"],
    cold: ResultsDocument["coldStart"],
  ) => [
    side,
    code(`${s.namespace}/${s.name}`, { table: true, max: 120 }),
    code(s.image, { table: true, max: 120 }),
    seconds(s.readySeconds),
    pods ? `${num(pods.max.serving)} max, ${num(pods.final.serving)} at the end` : "—",
    cold ? ms(cold.firstResponseMs) : "—",
  ];
  return [
    table(
      ["", "Service", "Image", "Ready in", "Pods", "Cold start"],
      [
        row("Candidate", doc.service, doc.pods, doc.coldStart),
        row("Baseline", b.service, b.pods, b.coldStart),
      ],
      ["l", "l", "l", "r", "l", "r"],
    ),
    "",
  ];
}

/** rps, p99 and pods over time with a line per side: candidate first (blue), baseline second (orange). */
function duetCharts(doc: ResultsDocument): string[] {
  const charts: string[] = [];
  const candidate = doc.load?.timeline ?? [];
  const baseline = doc.baseline?.load?.timeline ?? [];
  const n = Math.min(candidate.length, baseline.length);
  if (n >= 2) {
    const sides = [downsample(candidate.slice(0, n)), downsample(baseline.slice(0, n))];
    const values = (pick: (b: LoadSample[]) => number) => sides.map((s) => s.map((b) => pick(b.samples)));
    const rpsLines = values((s) => mean(s.map((x) => x.rps)));
    const p99Lines = values((s) => max(s.map((x) => x.p99)));
    const axis = {
      xTitle: "seconds into the load",
      from: sides[0][0].t,
      to: sides[0][sides[0].length - 1].t,
    };
    charts.push(
      xyChart({
        ...axis,
        title: "Requests per second: candidate (blue), baseline (orange)",
        yTitle: "rps",
        yMax: niceCeiling(max(rpsLines.flat())),
        series: rpsLines.map((v) => ({ kind: "line", values: v })),
        digits: 1,
      }),
      xyChart({
        ...axis,
        title: "p99 latency, ms: candidate (blue), baseline (orange)",
        yTitle: "ms",
        yMax: niceCeiling(max(p99Lines.flat())),
        series: p99Lines.map((v) => ({ kind: "line", values: v })),
        digits: 1,
      }),
    );
  }
  const podsCandidate = doc.pods?.timeline ?? [];
  const podsBaseline = doc.baseline?.pods?.timeline ?? [];
  const m = Math.min(podsCandidate.length, podsBaseline.length);
  if (m >= 2) {
    const sides = [downsample(podsCandidate.slice(0, m)), downsample(podsBaseline.slice(0, m))];
    const lines = sides.map((s) => s.map((b) => max(b.samples.map((x: PodSample) => x.serving))));
    charts.push(
      xyChart({
        title: "Ready serving pods: candidate (blue), baseline (orange)",
        xTitle: "seconds since the pod watch started",
        from: sides[0][0].t,
        to: sides[0][sides[0].length - 1].t,
        yTitle: "pods",
        yMax: Math.max(1, Math.ceil(max(lines.flat()))),
        series: lines.map((v) => ({ kind: "line", values: v })),
        digits: 0,
      }),
    );
  }
  return charts.flatMap((chart) => [chart, ""]);
}
