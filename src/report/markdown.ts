// The Markdown report of one gate run, rendered from the results document only (so a report can be re-rendered
// from a results file). Pure: the same document always gives the same text. Everything that came from the user
// or the cluster goes through escape.ts.
import type { LoadSummary, PodSummary, RegressionVerdict, ResultsDocument } from "../results.js";
import { downsample, max, mean, niceCeiling, xyChart } from "./chart.js";
import { comparisonFailures, comparisonSection } from "./comparison.js";
import { code, codeBlock, text } from "./escape.js";
import { table } from "./table.js";
import {
  coldStartTable,
  latencyTable,
  podsTable,
  throughputTable,
  workersTable,
  type TableData,
} from "./tables.js";

const draw = (t: TableData): string => table(t.header, t.rows, t.align);
import { capacitySentence, desiredSentence, desiredValues, stageMarks, stageTable } from "./stages.js";
import { describePods, explainPods } from "./explain.js";
import { unmeasuredReason, unmeasuredSides } from "../verdict/evaluate.js";
import { metricValue, ms, num, percent, rps, seconds, signedPercent } from "./format.js";

export interface RenderOptions {
  /** Hidden marker put on the first line, so the sticky comment can be found again (see comment.ts). */
  marker?: string;
}

const PASS = "✅";
const FAIL = "❌";

const serviceRef = (doc: ResultsDocument) =>
  code(`${doc.service.namespace}/${doc.service.name}`, { max: 200 }) || "(unnamed service)";

function headline(doc: ResultsDocument): string[] {
  const title = doc.error
    ? `### ${FAIL} Performance gate failed: the run did not finish · ${serviceRef(doc)}`
    : `### ${doc.passed ? PASS : FAIL} Performance gate ${doc.passed ? "passed" : "failed"} · ${serviceRef(doc)}`;
  const facts: string[] = [];
  if (doc.service.revision) facts.push(`Revision ${code(doc.service.revision)}`);
  if (doc.load && doc.load.requests === 0) {
    facts.push(`**${text(unmeasuredReason(doc, "p99"))}**`);
  } else if (doc.load) {
    facts.push(
      `**${rps(doc.load.rps)}**`,
      `p99 **${ms(doc.load.latency.p99)}**`,
      `errors **${percent(doc.load.errors.rate)}**`,
    );
  }
  if (doc.pods) facts.push(`pods **${doc.pods.max.serving}** max, ${doc.pods.final.serving} at the end`);
  const out = [title, ""];
  if (facts.length) out.push(facts.join(" · "), "");

  const unmeasured = unmeasuredSides(doc);
  const failures = [
    ...(unmeasured && !doc.error ? [text(unmeasured)] : []),
    ...doc.thresholds
      .filter((v) => !v.passed)
      .map((v) => `${code(v.rule)} (observed ${text(v.observedText)})`),
    ...(doc.regression?.verdicts ?? [])
      .filter((v) => !v.passed)
      .map((v) => regressionFailure(v, "than the baseline")),
    ...comparisonFailures(doc),
  ];
  if (failures.length) out.push(`**Failed:** ${failures.join(" · ")}`, "");
  return out;
}

function errorSection(doc: ResultsDocument): string[] {
  if (!doc.error) return [];
  return ["#### What went wrong", "", codeBlock(doc.error), ""];
}

function thresholdsSection(doc: ResultsDocument): string[] {
  if (!doc.thresholds.length) {
    const why = doc.error
      ? "Not judged: the run did not finish."
      : "No thresholds were set: this run only reports.";
    return ["#### Thresholds", "", why, ""];
  }
  const rows = doc.thresholds.map((v) => [
    code(v.rule, { table: true }),
    text(v.observedText),
    text(v.limitText),
    v.passed ? PASS : FAIL,
    v.note ? text(v.note) : "",
  ]);
  return [
    "#### Thresholds",
    "",
    table(["Rule", "Observed", "Limit", "Result", "Note"], rows, ["l", "r", "r", "c", "l"]),
    "",
  ];
}

function latencySection(doc: ResultsDocument, load: LoadSummary): string[] {
  const l = load.latency;
  if (load.requests === 0) {
    const why = unmeasuredReason(doc, "p99");
    return ["#### Latency", "", `${text(why.charAt(0).toUpperCase() + why.slice(1))}.`, ""];
  }
  return [
    "#### Latency",
    "",
    draw(latencyTable(l)),
    "",
    `From the HDR histogram of ${num(load.requests)} measured requests` +
      (load.warmupRequests > 0 ? ` (${num(load.warmupRequests)} warm-up requests discarded).` : "."),
    "",
  ];
}

function throughputSection(load: LoadSummary): string[] {
  const e = load.errors;
  const target =
    `Target ${code(load.target.url, { max: 200 })}` +
    (load.target.host ? ` with Host ${code(load.target.host, { max: 200 })}` : "");
  const out = ["#### Throughput and errors", "", draw(throughputTable(load)), "", target + ".", ""];
  if (load.unanswered) {
    out.push(
      `${num(load.unanswered)} ${load.unanswered === 1 ? "request was" : "requests were"} still unanswered when ` +
        "the grace period after the load ended (the request timeout, at most 5 s); counted as timeouts.",
      "",
    );
  }
  if (e.total === 0) {
    out.push("No errors: every response was 2xx or 3xx, with no timeouts or connection errors.", "");
    return out;
  }
  const rows = Object.entries(e.byStatus)
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
    .map(([status, count]) => [`HTTP ${text(status, 20)}`, num(count)]);
  rows.push(["Timeouts", num(e.timeouts)], ["Connection errors", num(e.connectionErrors)]);
  out.push(table(["Error", "Count"], rows, ["l", "r"]), "");
  return out;
}

/** Load from the cluster: each worker pod's own figures, to spot a slow node or a pod that started late. */
function workersSection(load: LoadSummary): string[] {
  const workers = load.workers ?? [];
  if (!workers.length) return [];
  return [
    `#### Load workers (${num(workers.length)} pods in the cluster)`,
    "",
    draw(workersTable(load, (value) => code(value, { table: true, max: 100 }))),
    "",
    "The figures above are merged from these workers' HDR histograms (percentiles of every request, not " +
      "averages of the workers' percentiles).",
    "",
  ];
}

function podsSection(doc: ResultsDocument, pods: PodSummary): string[] {
  const out = ["#### Pods", "", draw(podsTable(pods)), ""];
  const decided = desiredSentence(pods);
  if (decided) out.push(decided, "");
  // The explanation reads one constant load; a staged load has a stages table with each change instead.
  const explanation = doc.load?.stages ? undefined : explainPods(doc);
  if (explanation) {
    const pods = explanation.observed.pods;
    out.push(`**Why ${pods} ${pods === 1 ? "pod" : "pods"}?**`, "", ...describePods(explanation), "");
  }
  return out;
}

/** The staged load, stage by stage, with how Knative answered each step (report/stages.ts). */
function stagesSection(doc: ResultsDocument): string[] {
  const stages = doc.load?.stages;
  if (!stages?.length) return [];
  const t = stageTable(stages);
  const rows = t.rows.map((row) =>
    row.map((cell, i) => (i === 1 ? code(cell, { table: true }) : text(cell))),
  );
  const capacity = doc.load?.capacity;
  return [
    "#### Stages",
    "",
    // Our words, the figure in bold, the user's rules (and the rule a step broke) as code.
    ...(capacity
      ? [
          capacitySentence(
            capacity,
            (t) => `**${t}**`,
            (r) => code(r),
          ),
          "",
        ]
      : []),
    table(t.header, rows, t.align),
    "",
    ...t.notes.flatMap((n) => [text(n, 1000), ""]),
  ];
}

function coldStartSection(doc: ResultsDocument): string[] {
  const c = doc.coldStart;
  if (!c) return [];
  if (c.unanswered) {
    const why = unmeasuredReason(doc, "cold-start");
    return [
      "#### Cold start",
      "",
      `${text(why.charAt(0).toUpperCase() + why.slice(1))}, after ${ms(c.firstResponseMs)} ` +
        `(waited ${ms(c.scaleToZeroWaitMs)} for scale to zero first).`,
      "",
    ];
  }
  return [
    "#### Cold start",
    "",
    draw(coldStartTable(c)),
    "",
    "Timed from the first request sent while the revision had zero pods: the activator holds it until a pod is " +
      "ready.",
    "",
  ];
}

function chartsSection(doc: ResultsDocument): string[] {
  const charts: string[] = [];
  const timeline = doc.load?.timeline ?? [];
  if (timeline.length >= 2) {
    const buckets = downsample(timeline);
    const rpsValues = buckets.map((b) => mean(b.samples.map((s) => s.rps)));
    const p99Values = buckets.map((b) => max(b.samples.map((s) => s.p99)));
    const note =
      (buckets.length < timeline.length ? ` (${buckets[0].samples.length} s per point)` : "") +
      stageMarks(doc);
    charts.push(
      xyChart({
        title: `Requests per second${note}`,
        xTitle: "seconds into the load",
        from: buckets[0].t,
        to: buckets[buckets.length - 1].t,
        yTitle: "rps",
        yMax: niceCeiling(max(rpsValues)),
        series: [{ kind: "line", values: rpsValues }],
        digits: 1,
      }),
    );
    // With nothing answered there is no latency to draw: a line at 0 ms would read as a fast service.
    if (doc.load?.requests) {
      charts.push(
        xyChart({
          title: `p99 latency, ms${note ? note.replace(")", ", highest shown)") : ""}`,
          xTitle: "seconds into the load",
          from: buckets[0].t,
          to: buckets[buckets.length - 1].t,
          yTitle: "ms",
          yMax: niceCeiling(max(p99Values)),
          series: [{ kind: "line", values: p99Values }],
          digits: 1,
        }),
      );
    }
  }
  const podTimeline = doc.pods?.timeline ?? [];
  if (podTimeline.length >= 2) {
    const buckets = downsample(podTimeline);
    const serving = buckets.map((b) => max(b.samples.map((s) => s.serving)));
    const reserve = buckets.map((b) => max(b.samples.map((s) => s.reserve)));
    const series: { kind: "bar" | "line"; values: number[] }[] = [{ kind: "bar", values: serving }];
    const names = ["serving (bars)"];
    if (reserve.some((r) => r > 0)) {
      series.push({ kind: "line", values: reserve });
      names.push("reserve (line)");
    }
    // The autoscaler's decision beside the pods it got: the gap between the two is the pods' arrival.
    const desired = desiredValues(buckets.map((b) => ({ desired: lastDesired(b.samples) })));
    if (desired) {
      series.push({ kind: "line", values: desired });
      names.push(`desired by the autoscaler (${series.length > 2 ? "second line" : "line"})`);
    }
    charts.push(
      xyChart({
        title:
          (series.length > 1 ? `Ready pods: ${names.join(", ")}` : "Ready serving pods") +
          stageMarks(doc, true),
        xTitle: "seconds since the pod watch started",
        from: buckets[0].t,
        to: buckets[buckets.length - 1].t,
        yTitle: "pods",
        yMax: Math.max(1, Math.ceil(max([...serving, ...reserve, ...(desired ?? [])]))),
        series,
        digits: 0,
      }),
    );
  }
  if (!charts.length) return [];
  return ["#### Over time", "", ...charts.flatMap((chart) => [chart, ""])];
}

/** The decision in force at a bucket's end (its last sample that had one). */
const lastDesired = (samples: Array<{ desired?: number }>): number | undefined =>
  [...samples].reverse().find((s) => s.desired !== undefined)?.desired;

const finite = (value: number | null): value is number => typeof value === "number" && Number.isFinite(value);

/** How a failed comparison reads; a value this run (or the baseline) did not measure arrives as NaN or null. */
function regressionFailure(v: RegressionVerdict, suffix = ""): string {
  const metric = code(v.metric);
  if (finite(v.changePercent)) {
    return `${metric} is ${num(v.changePercent, 1)} % worse${suffix ? ` ${suffix}` : ""} (allowed ${num(v.allowedPercent, 1)} %)`;
  }
  // Infinity (a rise from 0) becomes null in the results file; the values tell it apart from "not measured".
  if (finite(v.baseline) && finite(v.current) && v.baseline === 0)
    return `${metric} got worse from a baseline of 0`;
  // "`p99` not measured: 10 requests sent, none answered" (the note's own words, as in the step error).
  if (v.note?.startsWith("not measured")) return `${metric} ${text(v.note, 200)}`;
  return `${metric} could not be compared${v.note ? `: ${text(v.note, 200)}` : ""}`;
}

function baselineSection(doc: ResultsDocument): string[] {
  const r = doc.regression;
  if (!r) return [];
  const rows = r.verdicts.map((v) => {
    const comparable = finite(v.baseline) && finite(v.current);
    const arrow = !comparable ? "" : v.current > v.baseline ? "▲ " : v.current < v.baseline ? "▼ " : "";
    const sign = finite(v.changePercent)
      ? Math.sign(v.changePercent)
      : comparable && v.current !== v.baseline
        ? v.passed
          ? -1
          : 1
        : 0;
    const direction = sign > 0 ? " worse" : sign < 0 ? " better" : "";
    let change = "—";
    if (comparable && v.baseline !== 0)
      change = `${arrow}${signedPercent(((v.current - v.baseline) / v.baseline) * 100)}${direction}`;
    else if (comparable && v.current !== v.baseline) change = `${arrow}from 0${direction}`;
    else if (comparable) change = "±0 %";
    return [
      code(v.metric, { table: true }),
      finite(v.baseline) ? metricValue(v.metric, v.baseline) : "—",
      finite(v.current) ? metricValue(v.metric, v.current) : "—",
      change,
      `${num(v.allowedPercent, 1)} %`,
      v.passed ? PASS : FAIL,
      v.note ? text(v.note) : "",
    ];
  });
  const failed = r.verdicts.filter((v) => !v.passed);
  const verdict = failed.length
    ? `${FAIL} **Regression:** ${failed.map((v) => regressionFailure(v)).join("; ")}.`
    : `${PASS} No regression beyond the allowed change.`;
  const header = ["Metric", "Baseline", "This run", "Change", "Allowed", "Result", "Note"];
  return [
    "#### Compared with the baseline",
    "",
    `Baseline ${code(r.baselineFile, { max: 200 })} from ${text(r.baselineStartedAt, 40)}.`,
    "",
    ...(rows.length ? [table(header, rows, ["l", "r", "r", "r", "r", "c", "l"]), ""] : []),
    verdict,
    "",
  ];
}

/** Where the load came from; documents written before load-from existed say nothing (the runner). */
function loadFromRow(s: ResultsDocument["settings"]): [string, string][] {
  if (s.loadFrom === "cluster") {
    const workers = s.loadWorkers ?? 1;
    return [
      ["Load from", `the cluster: ${num(workers)} worker ${workers === 1 ? "pod" : "pods"} (an Indexed Job)`],
    ];
  }
  if (s.loadFrom === "runner") return [["Load from", "the runner"]];
  return [];
}

function settingsSection(doc: ResultsDocument): string[] {
  const s = doc.settings;
  const list = (items: string[]) => items.map((item) => code(item, { table: true })).join("<br>") || "none";
  const rows: [string, string][] = [
    ["Service file", code(s.serviceFile, { table: true, max: 200 })],
    ["Image", code(doc.service.image, { table: true, max: 200 }) || "—"],
    ["Request", code(`${s.method} ${s.path}`, { table: true, max: 200 })],
    ...loadFromRow(s),
    ...((s.stages
      ? [["Stages", list(s.stages)]]
      : [
          ["Connections", num(s.connections)],
          ["Duration", seconds(s.durationSeconds)],
          ["Rate", s.rate === null ? "closed loop (as fast as answers come)" : rps(s.rate)],
        ]) as [string, string][]),
    ["Request cap", s.requests === null ? "none" : num(s.requests)],
    ["Warm-up", seconds(s.warmupSeconds)],
    ["Cold start", s.coldStart ? "measured" : "not measured"],
    ["Thresholds", list(s.thresholds)],
    ["Max regression", list(s.maxRegression)],
    ["PrivateZone", text(s.privateZone, 40)],
    ["Teardown", text(s.teardown, 40)],
  ];
  if (doc.service.readySeconds > 0) rows.push(["Ready after", seconds(doc.service.readySeconds)]);
  if (doc.service.url) rows.push(["Service URL", code(doc.service.url, { table: true, max: 200 })]);
  return [
    "<details>",
    "<summary>Run settings</summary>",
    "",
    table(["Setting", "Value"], rows),
    "",
    "</details>",
    "",
  ];
}

function footer(doc: ResultsDocument): string[] {
  const parts = [
    `${text(doc.tool.name, 60)} ${text(doc.tool.version, 40)}`,
    `${text(doc.startedAt, 40)} → ${text(doc.finishedAt, 40)}`,
  ];
  if (doc.context?.sha) parts.push(`commit ${code(doc.context.sha.slice(0, 12))}`);
  if (doc.context?.runId) parts.push(`run ${text(doc.context.runId, 40)}`);
  return [`<sub>${parts.join(" · ")}</sub>`];
}

export function renderReport(doc: ResultsDocument, opts: RenderOptions = {}): string {
  if (opts.marker !== undefined && !/^<!-- [A-Za-z0-9:./_-]+ -->$/.test(opts.marker)) {
    throw new Error(`report marker ${JSON.stringify(opts.marker)} is not a one-line hidden comment`);
  }
  const sections = [
    ...(opts.marker ? [opts.marker] : []),
    ...headline(doc),
    ...errorSection(doc),
    ...thresholdsSection(doc),
    ...(doc.load
      ? [...latencySection(doc, doc.load), ...throughputSection(doc.load), ...workersSection(doc.load)]
      : []),
    ...(doc.pods ? podsSection(doc, doc.pods) : []),
    ...stagesSection(doc),
    ...coldStartSection(doc),
    ...chartsSection(doc),
    ...comparisonSection(doc),
    ...baselineSection(doc),
    ...settingsSection(doc),
    ...footer(doc),
  ];
  return sections.join("\n") + "\n";
}
