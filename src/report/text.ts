// The report for a terminal: the same results document as the Markdown report (markdown.ts), printed as plain
// text with aligned columns and small text charts (sparklines) instead of Markdown tables and Mermaid. Colour is
// the caller's choice (see wantsColor): ANSI codes only on a terminal, never with NO_COLOR. Pure: the same
// document and options always give the same text. Text from the user or the cluster is stripped of control
// characters, so a service name or an error message cannot move the cursor or recolour the terminal.
import {
  coldStartTable,
  latencyTable,
  podsTable,
  throughputTable,
  workersTable,
  type Align,
  type TableData,
} from "./tables.js";
import { unmeasuredReason, unmeasuredSides } from "../verdict/evaluate.js";
import { comparisonReasons, describeChange, describeValue } from "../verdict/describe.js";
import type {
  ComparedMetricResult,
  LoadSummary,
  PodSummary,
  RegressionVerdict,
  ResultsDocument,
} from "../results.js";
import { downsample, max, mean } from "./chart.js";
import { describePods, explainPods } from "./explain.js";
import { capacitySentence, desiredSentence, desiredValues, stageMarks, stageTable } from "./stages.js";
import { metricValue, ms, num, percent, rps, seconds, signedPercent } from "./format.js";
import { renderReport } from "./markdown.js";

export { OUTPUT_FORMATS, type OutputFormat } from "../config/limits.js";
import type { OutputFormat } from "../config/limits.js";

export interface TextOptions {
  color?: boolean;
  /** Wrap prose at this many columns (tables and charts are never wrapped). */
  width?: number;
}

/** The CLI's report in the chosen format. */
export function renderForCli(doc: ResultsDocument, format: OutputFormat, options: TextOptions = {}): string {
  if (format === "json") return `${JSON.stringify(doc, null, 2)}\n`;
  if (format === "markdown") return `${renderReport(doc)}\n`;
  return renderText(doc, options);
}

/**
 * Colour when writing to a terminal, unless NO_COLOR is set to anything (no-color.org) or TERM is dumb;
 * FORCE_COLOR (anything but 0 or false) turns it on even when piped, as Node's own tools read it.
 */
export function wantsColor(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "0" && force !== "false") return true;
  return isTTY === true && env.TERM !== "dumb";
}

type Style = (text: string) => string;
interface Styles {
  bold: Style;
  dim: Style;
  green: Style;
  red: Style;
  yellow: Style;
}
const ansi =
  (open: number, close: number): Style =>
  (text) =>
    text === "" ? "" : `\x1b[${open}m${text}\x1b[${close}m`;
const COLOR: Styles = {
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  green: ansi(32, 39),
  red: ansi(31, 39),
  yellow: ansi(33, 39),
};
const same: Style = (text) => text;
const PLAIN: Styles = { bold: same, dim: same, green: same, red: same, yellow: same };

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

/**
 * Text from the user or the cluster, on one line, without control characters (ESC, CR, BEL, C1) or the
 * bidirectional overrides that make a terminal show text in another order than it is.
 */
export function clean(value: string, maxLength = 200): string {
  const flat = value.replace(UNPRINTABLE, " ").trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}

// eslint-disable-next-line no-control-regex
const visibleLength = (text: string) => [...text.replace(/\x1b\[[0-9;]*m/g, "")].length;
const pad = (text: string, width: number, align: Align) => {
  const gap = " ".repeat(Math.max(0, width - visibleLength(text)));
  if (align === "c")
    return " ".repeat(Math.floor(gap.length / 2)) + text + " ".repeat(Math.ceil(gap.length / 2));
  return align === "r" ? gap + text : text + gap;
};

/** Aligned columns, two spaces apart, indented by two; the header dimmed. Trailing spaces are trimmed. */
export function columns(header: string[], rows: string[][], align: Align[], s: Styles = PLAIN): string[] {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ""))),
  );
  const line = (cells: string[], style: Style = same) =>
    `  ${cells.map((cell, i) => pad(style(cell), widths[i], align[i] ?? "l")).join("  ")}`.trimEnd();
  return [line(header, s.dim), ...rows.map((row) => line(row))];
}

/** A table of tables.ts as aligned columns. */
const draw = (t: TableData, s: Styles): string[] => columns(t.header, t.rows, t.align, s);

const BLOCKS = "▁▂▃▄▅▆▇█";

/**
 * One character per value, from ▁ (`low`) to █ (`high`); a flat series sits in the middle. With `blankZero`,
 * 0 is a space, so "no pods" reads as empty rather than as the lowest bar.
 */
export function sparkline(
  values: number[],
  range: { low: number; high: number; blankZero?: boolean } = { low: Math.min(...values), high: max(values) },
): string {
  const { low, high } = range;
  return values
    .map((v) => {
      if (range.blankZero && v === 0) return " ";
      if (!Number.isFinite(v)) return " ";
      if (!(high > low)) return BLOCKS[3];
      const level = Math.round(
        ((Math.min(high, Math.max(low, v)) - low) / (high - low)) * (BLOCKS.length - 1),
      );
      return BLOCKS[level];
    })
    .join("");
}

/** Words joined into lines of at most `width` columns, each prefixed by `indent` (the first by `first`). */
function wrap(text: string, width: number, indent: string, first = indent): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const prefix = lines.length === 0 ? first : indent;
    if (line !== "" && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push((lines.length === 0 ? first : indent) + line);
  return lines;
}

const serviceRef = (doc: ResultsDocument) =>
  clean(`${doc.service.namespace}/${doc.service.name}`) || "(unnamed service)";

function headline(doc: ResultsDocument, s: Styles): string[] {
  const verdict = doc.error
    ? s.red(s.bold("✗ FAILED: the run did not finish"))
    : doc.passed
      ? s.green(s.bold("✓ PASSED"))
      : s.red(s.bold("✗ FAILED"));
  const facts: string[] = [];
  if (doc.load && doc.load.requests === 0) {
    // Zeros here would read as a fast, error-free service: nothing was measured.
    facts.push(s.red(clean(unmeasuredReason(doc, "p99"))));
  } else if (doc.load) {
    facts.push(
      rps(doc.load.rps),
      `p99 ${ms(doc.load.latency.p99)}`,
      `errors ${percent(doc.load.errors.rate)}`,
    );
  }
  if (doc.pods) facts.push(`pods ${doc.pods.max.serving} max, ${doc.pods.final.serving} at the end`);
  const out = [
    `${verdict}  ${s.bold(serviceRef(doc))}` +
      (doc.service.revision ? `  revision ${clean(doc.service.revision)}` : ""),
  ];
  if (facts.length) out.push(`  ${facts.join(" · ")}`);
  const unmeasured = unmeasuredSides(doc);
  const failures = [
    ...(unmeasured && !doc.error ? [clean(unmeasured)] : []),
    ...doc.thresholds
      .filter((v) => !v.passed)
      .map((v) => `${clean(v.rule)} (observed ${clean(v.observedText)})`),
    ...(doc.regression?.verdicts ?? []).filter((v) => !v.passed).map((v) => regressionFailure(v)),
    ...comparisonReasons(doc.comparison).map((reason) => clean(reason)),
  ];
  for (const failure of failures) out.push(`  ${s.red("✗")} ${failure}`);
  return [...out, ""];
}

const section = (title: string, s: Styles) => s.bold(title);

function errorSection(doc: ResultsDocument, s: Styles, width: number): string[] {
  if (!doc.error) return [];
  // An error can span lines (a webhook's message); each line is cleaned on its own.
  const lines = doc.error.split("\n").flatMap((line) => wrap(clean(line, 2000), width, "  "));
  return [section("What went wrong", s), ...lines, ""];
}

function thresholdsSection(doc: ResultsDocument, s: Styles): string[] {
  if (!doc.thresholds.length) {
    const why = doc.error ? "not judged: the run did not finish" : "none set: this run only reports";
    return [`${section("Thresholds", s)}  ${why}`, ""];
  }
  const rows = doc.thresholds.map((v) => [
    clean(v.rule, 60),
    clean(v.observedText),
    clean(v.limitText),
    v.passed ? s.green("pass") : s.red("FAIL"),
    v.note ? clean(v.note, 80) : "",
  ]);
  return [
    section("Thresholds", s),
    ...columns(["Rule", "Observed", "Limit", "Result", "Note"], rows, ["l", "r", "r", "l", "l"], s),
    "",
  ];
}

function loadSection(doc: ResultsDocument, load: LoadSummary, s: Styles): string[] {
  const l = load.latency;
  const e = load.errors;
  const latency =
    load.requests === 0 ? [`  ${s.red(clean(unmeasuredReason(doc, "p99")))}`] : draw(latencyTable(l), s);
  const out = [
    section("Latency", s),
    ...latency,
    "",
    section("Throughput and errors", s),
    ...draw(throughputTable(load), s),
  ];
  if (e.total > 0) {
    const kinds = Object.entries(e.byStatus)
      .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
      .map(([status, count]) => `HTTP ${clean(status, 20)}: ${num(count)}`);
    if (e.timeouts) kinds.push(`timeouts: ${num(e.timeouts)}`);
    if (e.connectionErrors) kinds.push(`connection errors: ${num(e.connectionErrors)}`);
    out.push(`  ${s.red("errors")} ${kinds.join(" · ")}`);
  }
  out.push(
    `  ${s.dim("target")} ${clean(load.target.url)}` +
      (load.target.host ? ` ${s.dim("Host")} ${clean(load.target.host)}` : ""),
    `  ${s.dim(
      `${num(load.requests)} measured requests` +
        (load.warmupRequests > 0 ? `, ${num(load.warmupRequests)} warm-up requests discarded` : ""),
    )}`,
    "",
  );
  const workers = load.workers ?? [];
  if (workers.length) {
    out.push(
      section(`Load workers (${num(workers.length)} pods in the cluster)`, s),
      ...draw(
        workersTable(load, (value) => clean(value, 60)),
        s,
      ),
      "",
    );
  }
  return out;
}

/** The Markdown explanation from explain.ts, as terminal prose: emphasis dropped, bullets wrapped. */
function podExplanation(doc: ResultsDocument, width: number): string[] {
  // One constant load only: a staged load is explained stage by stage (stagesSection).
  const explanation = doc.load?.stages ? undefined : explainPods(doc);
  if (!explanation) return [];
  const n = explanation.observed.pods;
  // describePods writes numbers and fixed words only (no user text), so dropping ** is all it takes.
  const markdown = describePods(explanation).map((line) => line.replace(/\*\*/g, ""));
  const out = [`  Why ${n} ${n === 1 ? "pod" : "pods"}?`];
  for (const line of markdown) {
    if (line === "") continue;
    if (line.startsWith("- ")) out.push(...wrap(line.slice(2), width, "      ", "    • "));
    else out.push(...wrap(line, width, "    "));
  }
  return out;
}

function podsSection(doc: ResultsDocument, pods: PodSummary, s: Styles, width: number): string[] {
  return [
    section("Pods", s),
    ...draw(podsTable(pods), s),
    ...(desiredSentence(pods) ? wrap(desiredSentence(pods) as string, width, "  ") : []),
    ...podExplanation(doc, width),
    "",
  ];
}

/** The staged load, stage by stage, with how Knative answered each step (report/stages.ts). */
function stagesSection(doc: ResultsDocument, s: Styles, width: number): string[] {
  const stages = doc.load?.stages;
  if (!stages?.length) return [];
  const t = stageTable(stages);
  const rows = t.rows.map((row) => row.map((cell) => clean(cell, 40)));
  const capacity = doc.load?.capacity;
  return [
    section("Stages", s),
    ...(capacity
      ? wrap(
          capacitySentence(capacity, s.bold, (r) => clean(r, 200)),
          width,
          "  ",
        )
      : []),
    ...columns(t.header, rows, t.align, s),
    ...t.notes.flatMap((note) => wrap(clean(note, 400), width, "  ")),
    "",
  ];
}

function coldStartSection(doc: ResultsDocument, s: Styles): string[] {
  const c = doc.coldStart;
  if (!c) return [];
  return [section("Cold start", s), ...draw(coldStartTable(c), s), ""];
}

/**
 * rps, p99 and pods over time, one sparkline each, with the range each one spans: rps and p99 from their lowest
 * to their highest point (the shape, not the size, of a steady load), pods from 0.
 */
function chartsSection(doc: ResultsDocument, s: Styles): string[] {
  const rows: string[][] = [];
  let span = "";
  const timeline = doc.load?.timeline ?? [];
  if (timeline.length >= 2) {
    const buckets = downsample(timeline);
    const rpsValues = buckets.map((b) => mean(b.samples.map((x) => x.rps)));
    const p99Values = buckets.map((b) => max(b.samples.map((x) => x.p99)));
    const per = buckets[0].samples.length;
    span = `${seconds(timeline[0].t)}–${seconds(timeline[timeline.length - 1].t)} into the load, ${per} s per column${stageMarks(doc)}`;
    rows.push(
      ["rps", sparkline(rpsValues), `${num(Math.min(...rpsValues), 1)}–${num(max(rpsValues), 1)}`],
      ["p99", sparkline(p99Values), `${ms(Math.min(...p99Values))}–${ms(max(p99Values))}`],
    );
  }
  const podTimeline = doc.pods?.timeline ?? [];
  if (podTimeline.length >= 2) {
    const buckets = downsample(podTimeline);
    const serving = buckets.map((b) => max(b.samples.map((x) => x.serving)));
    const reserve = buckets.map((b) => max(b.samples.map((x) => x.reserve)));
    // Counts from 0, one scale for both, so a reserve pod and a serving pod are the same height.
    const scale = { low: 0, high: max([...serving, ...reserve]), blankZero: true };
    const range = (values: number[]) => `${num(Math.min(...values))}–${num(max(values))}`;
    const desired = desiredValues(
      buckets.map((b) => ({
        desired: [...b.samples].reverse().find((x) => x.desired !== undefined)?.desired,
      })),
    );
    if (desired) scale.high = Math.max(scale.high, max(desired));
    rows.push(["pods", sparkline(serving, scale), `${range(serving)} serving`]);
    if (desired)
      rows.push(["desired", sparkline(desired, scale), `${range(desired)} desired by the autoscaler`]);
    if (reserve.some((r) => r > 0))
      rows.push(["reserve", sparkline(reserve, scale), `${range(reserve)} reserve`]);
    // The pod watch starts before the load and ends after it, so its row has its own time line.
    const per = buckets[0].samples.length;
    const podSpan = `pods from the watch's start, ${per} s per column${stageMarks(doc, true)}`;
    span = span ? `${span}; ${podSpan}` : podSpan;
  }
  if (!rows.length) return [];
  return [
    `${section("Over time", s)}  ${s.dim(span)}`,
    ...columns(["", "", ""], rows, ["l", "l", "l"]).slice(1),
    "",
  ];
}

const finite = (value: number | null): value is number => typeof value === "number" && Number.isFinite(value);

function regressionFailure(v: RegressionVerdict): string {
  const metric = clean(v.metric);
  if (finite(v.changePercent))
    return `${metric} is ${num(v.changePercent, 1)} % worse than the baseline (allowed ${num(v.allowedPercent, 1)} %)`;
  if (finite(v.baseline) && finite(v.current) && v.baseline === 0)
    return `${metric} got worse from a baseline of 0`;
  return `${metric} could not be compared${v.note ? `: ${clean(v.note)}` : ""}`;
}

/** Candidate vs baseline: each metric's change with its interval and verdict (see report/comparison.ts). */
function comparisonSection(doc: ResultsDocument, s: Styles): string[] {
  const c = doc.comparison;
  if (!c) return [];
  const level = `${num(c.confidence * 100, 1)}%`;
  const verdict = (m: ComparedMetricResult) => {
    const word = m.gating ? m.verdict : `${m.verdict} (not judged)`;
    if (!m.gating) return s.dim(word);
    return m.verdict === "regressed"
      ? s.red(word)
      : m.verdict === "inconclusive"
        ? s.yellow(word)
        : s.green(word);
  };
  const title =
    c.mode === "ab" ? "Candidate vs baseline (A/B, side by side)" : "Against the baseline file (unpaired)";
  const how = `${level} intervals, ${num(c.seconds)} s ${c.mode === "ab" ? "paired" : "unpaired"}, seed ${c.seed}`;
  const rows = c.metrics.map((m) => [
    m.metric,
    describeValue(m, m.baseline),
    describeValue(m, m.candidate),
    describeChange(m),
    `${num(m.allowedPercent, 1)}${m.unit === "pp" ? " pp" : " %"}`,
    verdict(m),
  ]);
  const out = [
    `${section(title, s)}  ${s.dim(how)}`,
    ...columns(
      ["Metric", "Baseline", "Candidate", "Change [interval]", "Allowed", "Verdict"],
      rows,
      ["l", "r", "r", "r", "r", "l"],
      s,
    ),
  ];
  if (c.mode === "ab" && doc.baseline) {
    const b = doc.baseline;
    out.push(
      s.dim(
        `  baseline ${clean(`${b.service.namespace}/${b.service.name}`)} · image ${clean(b.service.image)}` +
          (b.pods ? ` · pods ${b.pods.max.serving} max` : ""),
      ),
    );
  }
  return [...out, ""];
}

function baselineSection(doc: ResultsDocument, s: Styles): string[] {
  const r = doc.regression;
  if (!r) return [];
  const rows = r.verdicts.map((v) => {
    // The change as the numbers moved (rps down 4 % is "−4 %"); changePercent's sign says whether that is worse.
    const moved = finite(v.baseline) && finite(v.current) && v.baseline !== 0;
    const change =
      moved && finite(v.changePercent)
        ? `${signedPercent(((v.current - v.baseline) / v.baseline) * 100)}${v.changePercent > 0 ? " worse" : v.changePercent < 0 ? " better" : ""}`
        : "—";
    return [
      clean(v.metric, 40),
      finite(v.baseline) ? metricValue(v.metric, v.baseline) : "—",
      finite(v.current) ? metricValue(v.metric, v.current) : "—",
      change,
      `${num(v.allowedPercent, 1)} %`,
      v.passed ? s.green("pass") : s.red("FAIL"),
      v.note ? clean(v.note, 80) : "",
    ];
  });
  return [
    `${section("Compared with the baseline", s)}  ${s.dim(`${clean(r.baselineFile)} from ${clean(r.baselineStartedAt, 40)}`)}`,
    ...columns(
      ["Metric", "Baseline", "This run", "Change", "Allowed", "Result", "Note"],
      rows,
      ["l", "r", "r", "r", "r", "l", "l"],
      s,
    ),
    "",
  ];
}

function settingsLine(doc: ResultsDocument, s: Styles, width: number): string[] {
  const st = doc.settings;
  const parts = [
    `${clean(`${st.method} ${st.path}`)}`,
    ...(st.stages
      ? [`stages ${clean(st.stages.join(", "), 400)}`]
      : [
          `${num(st.connections)} connections`,
          `${seconds(st.durationSeconds)}`,
          st.rate === null ? "closed loop" : `at ${rps(st.rate)}`,
        ]),
    `warm-up ${seconds(st.warmupSeconds)}`,
  ];
  if (st.loadFrom === "cluster") parts.push(`from ${num(st.loadWorkers ?? 1)} pods in the cluster`);
  if (doc.service.image) parts.push(`image ${clean(doc.service.image)}`);
  const footer = `${clean(doc.tool.name, 60)} ${clean(doc.tool.version, 40)} · ${clean(doc.startedAt, 40)} → ${clean(doc.finishedAt, 40)}`;
  return [...wrap(parts.join(" · "), width, "  ").map(s.dim), s.dim(`  ${footer}`)];
}

/** The whole terminal report. */
export function renderText(doc: ResultsDocument, options: TextOptions = {}): string {
  const s = options.color ? COLOR : PLAIN;
  const width = options.width ?? 100;
  const lines = [
    ...headline(doc, s),
    ...errorSection(doc, s, width),
    ...thresholdsSection(doc, s),
    ...(doc.load ? loadSection(doc, doc.load, s) : []),
    ...(doc.pods ? podsSection(doc, doc.pods, s, width) : []),
    ...stagesSection(doc, s, width),
    ...coldStartSection(doc, s),
    ...chartsSection(doc, s),
    ...comparisonSection(doc, s),
    ...baselineSection(doc, s),
    ...settingsLine(doc, s, width),
  ];
  return `${lines.join("\n")}\n`;
}
