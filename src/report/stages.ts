// The staged load and the autoscaler's decisions in the report, for both renderers (Markdown and the terminal):
// the figures as plain cells and sentences, each renderer drawing them with its own table. Pure.
import type { CapacityResult, PodSummary, ResultsDocument, StageChange, StageSummary } from "../results.js";
import { ms, num, percent, rps, seconds } from "./format.js";

export interface StageTable {
  header: string[];
  rows: string[][];
  align: ("l" | "r")[];
  /** What the change columns mean, and any stage whose change could not be measured, one sentence each. */
  notes: string[];
}

const orDash = (value: number | null, format: (v: number) => string): string =>
  value === null ? "—" : format(value);

/** "1 → 3" (a decision), "1" (none within the stage), "—" (not watched). */
function decision(change: StageChange | undefined): string {
  if (!change) return "";
  if (change.desired === null) return change.desiredBefore === null ? "—" : `${change.desiredBefore}`;
  const jump = `${change.desiredBefore ?? "?"} → ${change.desired}`;
  const at = typeof change.desiredMaxSeconds === "number" ? ` at ${seconds(change.desiredMaxSeconds)}` : "";
  const more =
    change.desiredMax !== null && change.desiredMax !== change.desired
      ? ` (then ${change.desiredMax}${at})`
      : "";
  return `${jump}${more}`;
}

/** The stages with their figures and, from the second on, how Knative answered the step into each. */
export function stageTable(stages: StageSummary[]): StageTable {
  const rows = stages.map((s) => {
    const c = s.change;
    return [
      String(s.index),
      s.stage,
      seconds(s.start),
      num(s.requests),
      rps(s.rps),
      s.requests > 0 ? ms(s.latency.p50) : "—",
      s.requests > 0 ? ms(s.latency.p99) : "—",
      percent(s.errors.rate),
      s.pods ? `${num(s.pods.max)} / ${num(s.pods.final)}` : "—",
      decision(c),
      c ? orDash(c.decisionSeconds, seconds) : "",
      c ? orDash(c.readySeconds, seconds) : "",
      c ? orDash(c.p99Seconds, seconds) : "",
    ];
  });
  const notes = [
    "Decision: the autoscaler's desired pods when the stage began → its first new decision (PodAutoscaler " +
      "status.desiredScale). Decided, Ready and p99 settled: seconds from the stage's start until that " +
      "decision, until that many pods were Ready, and until p99 stayed within 1.5 × its steady value (the " +
      "median of the stage's second half).",
  ];
  for (const s of stages) {
    if (s.change?.note) notes.push(`Stage ${s.index}: ${s.change.note}.`);
  }
  return {
    header: [
      "#",
      "Stage",
      "Starts",
      "Requests",
      "Throughput",
      "p50",
      "p99",
      "Errors",
      "Pods max / end",
      "Decision",
      "Decided",
      "Ready",
      "p99 settled",
    ],
    rows,
    align: ["r", "l", "r", "r", "r", "r", "r", "r", "r", "l", "r", "r", "r"],
    notes,
  };
}

/** The autoscaler's decisions beside the Ready pods, in one sentence; undefined when they were not watched. */
export function desiredSentence(pods: PodSummary): string | undefined {
  const desired = pods.timeline.map((s) => s.desired).filter((d): d is number => d !== undefined);
  if (desired.length === 0) return undefined;
  const last = pods.timeline[pods.timeline.length - 1]?.desired;
  return (
    `The autoscaler wanted at most ${num(Math.max(...desired))} pods (its PodAutoscaler's desiredScale)` +
    (last !== undefined ? `, ${num(last)} when the load ended` : "") +
    `; at most ${num(pods.max.serving)} were Ready.`
  );
}

/** The pod timeline's `desired` as chart values (the last known decision carried into seconds without one). */
export function desiredValues(samples: Array<{ desired?: number }>): number[] | undefined {
  if (!samples.some((s) => s.desired !== undefined)) return undefined;
  let last = 0;
  return samples.map((s) => (last = s.desired ?? last));
}

/**
 * "; stages start at 0, 3.1, 9.1 s" for chart titles, or "" without stages: on the load's time line, or with
 * `onPods` on the pod watch's (which starts before the load), when the watch's start is known.
 */
export function stageMarks(doc: ResultsDocument, onPods = false): string {
  const stages = doc.load?.stages;
  if (!stages || stages.length < 2) return "";
  const watched = doc.pods?.startedAt ? Date.parse(doc.pods.startedAt) : NaN;
  if (onPods && !Number.isFinite(watched)) return "";
  const at = (s: StageSummary) => (onPods ? (Date.parse(s.startedAt) - watched) / 1000 : s.start);
  return `; stages start at ${stages.map((s) => num(at(s), 1)).join(", ")} s`;
}

const ENDED: Record<CapacityResult["ended"], string> = {
  resolution: "the highest rate that held and the lowest that broke are within 5 %",
  steps: "the search used all its steps",
  "max-rate": "it reached the highest rate the rate input allows",
  "first-step": "the first step already broke the rules; lower the rate input to start below it",
  aborted: "the run was cancelled",
};

/**
 * The capacity search's finding in one sentence; `strong` and `literal` let each renderer mark the figure and
 * quote the rules (the rules are the user's text: the Markdown renderer escapes them).
 */
export function capacitySentence(
  c: CapacityResult,
  strong: (text: string) => string,
  literal: (text: string) => string,
): string {
  const rules = c.rules.map(literal).join(", ");
  const held =
    c.highestRate === null
      ? `Capacity: no rate held ${rules}${c.brokeBecause ? ` (${literal(c.brokeBecause)})` : ""}`
      : `Capacity: ${strong(`${num(c.highestRate)} req/s`)} held ${rules}` +
        (c.pods !== null ? ` with ${num(c.pods)} ${c.pods === 1 ? "pod" : "pods"}` : "");
  const broke =
    c.brokeAt !== null && c.brokeBecause && c.highestRate !== null
      ? `; ${num(c.brokeAt)} req/s broke it: ${literal(c.brokeBecause)}`
      : "";
  return `${held}${broke}. ${num(c.steps)} steps; stopped because ${ENDED[c.ended]}.`;
}
