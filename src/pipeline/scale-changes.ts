// How Knative answered each stage change, from three records kept on the wall clock: the autoscaler's decisions
// (the revision's PodAutoscaler status, kube/pod-autoscaler.ts), the Ready serving pods (kube/pods.ts), and the
// load's per-second p99. Pure: the trackers' data in, figures out. Times are seconds from the stage's start.
import type { ScaleDecision } from "../kube/pod-autoscaler.js";
import type { LoadSample, PodSample, StageChange, StageSummary } from "../results.js";

/** p99 counts as settled within this factor of the stage's steady p99, and at least this many ms above it. */
export const P99_BAND_FACTOR = 1.5;
export const P99_BAND_MIN_MS = 1;

const seconds = (ms: number): number => Math.round(ms) / 1000;

/** The decision in force at `at` (epoch ms): the last one seen at or before it. */
function desiredAt(decisions: ScaleDecision[], at: number): number | undefined {
  let desired: number | undefined;
  for (const d of decisions) {
    if (d.at > at) break;
    desired = d.desired;
  }
  return desired;
}

/**
 * The pod timeline with each second's decision (`desired`), where one was known (not -1, "no data yet"): the
 * highest decision in force since the previous sample, so that a panic jump shorter than a second (the KPA
 * ticks every 2 s, but a burst can be answered and revised within one sample) still shows as the jump it is.
 */
export function withDesired(
  timeline: PodSample[],
  startedAt: number,
  decisions: ScaleDecision[],
): PodSample[] {
  if (decisions.length === 0) return timeline;
  let previous = -Infinity;
  return timeline.map((sample) => {
    const at = startedAt + sample.t * 1000;
    const inForce = [
      desiredAt(decisions, previous),
      ...decisions.filter((d) => d.at > previous && d.at <= at).map((d) => d.desired),
    ];
    previous = at;
    const known = inForce.filter((d): d is number => d !== undefined && d >= 0);
    return known.length > 0 ? { ...sample, desired: Math.max(...known) } : sample;
  });
}

export interface ChangeInputs {
  decisions: ScaleDecision[];
  /** Why the decisions are unknown (a refused watch), if so. */
  decisionsUnknown?: string;
  servingHistory: Array<{ at: number; serving: number }>;
  timeline: LoadSample[];
  /** When the whole load ended (epoch ms): the last stage's end. */
  endedAt: number;
}

/** Each stage's change (every stage but the first), in order. */
export function stageChanges(stages: StageSummary[], inputs: ChangeInputs): StageSummary[] {
  return stages.map((stage, i) => {
    if (i === 0) return stage;
    const start = Date.parse(stage.startedAt);
    const next = stages[i + 1];
    const end = next ? Date.parse(next.startedAt) : inputs.endedAt;
    return { ...stage, change: stageChange(stage, start, end, inputs) };
  });
}

function stageChange(stage: StageSummary, start: number, end: number, inputs: ChangeInputs): StageChange {
  const p99 = p99Settling(stage, inputs.timeline);
  const unknown = {
    desiredBefore: null,
    desired: null,
    decisionSeconds: null,
    desiredMax: null,
    readySeconds: null,
    ...p99,
  };
  if (inputs.decisionsUnknown)
    return { ...unknown, note: `decisions not watched: ${inputs.decisionsUnknown}` };
  const before = desiredAt(inputs.decisions, start);
  const within = inputs.decisions.filter((d) => d.at > start && d.at <= end && d.desired >= 0);
  const desiredMax = within.length > 0 ? Math.max(...within.map((d) => d.desired)) : (before ?? null);
  const decision = within.find((d) => d.desired !== before);
  const base = { ...unknown, desiredBefore: before ?? null, desiredMax };
  if (!decision) return { ...base, note: "no new decision within the stage" };
  // In panic mode the autoscaler reaches its highest want within a few ticks, not over the stable window.
  const top = within.find((d) => d.desired === desiredMax);
  const result = {
    ...base,
    desired: decision.desired,
    decisionSeconds: seconds(decision.at - start),
    desiredMaxSeconds: top ? seconds(top.at - start) : null,
  };
  const up = before === undefined || decision.desired > before;
  const reached = (serving: number) => (up ? serving >= decision.desired : serving <= decision.desired);
  const history = inputs.servingHistory;
  const atDecision = [...history].reverse().find((h) => h.at <= decision.at);
  if (atDecision && reached(atDecision.serving)) return { ...result, readySeconds: result.decisionSeconds };
  const ready = history.find((h) => h.at > decision.at && h.at <= end && reached(h.serving));
  if (!ready) return { ...result, note: `${decision.desired} pods not Ready within the stage` };
  return { ...result, readySeconds: seconds(ready.at - start) };
}

/**
 * When p99 settled: the stage's seconds (load timeline) with answers; steady p99 = the upper median of the
 * second half's; settled from the first second after which every second is within the band. null with fewer than 2.
 */
function p99Settling(
  stage: StageSummary,
  timeline: LoadSample[],
): { p99Seconds: number | null; steadyP99: number | null } {
  const end = stage.start + stage.durationSeconds;
  const own = timeline.filter((s) => s.t >= stage.start - 1e-6 && s.t < end - 1e-6 && s.requests > 0);
  if (own.length < 2) return { p99Seconds: null, steadyP99: null };
  const half = own.slice(Math.floor(own.length / 2)).map((s) => s.p99);
  const sorted = [...half].sort((a, b) => a - b);
  // The upper median: with few seconds (a short stage) one quiet second must not set the band.
  const steady = sorted[Math.floor(sorted.length / 2)];
  const band = Math.max(steady * P99_BAND_FACTOR, steady + P99_BAND_MIN_MS);
  let settled = own.length;
  while (settled > 0 && own[settled - 1].p99 <= band) settled--;
  // own[settled] is the first second of the run within the band that lasts to the stage's end.
  const from = settled < own.length ? own[settled].t - stage.start : null;
  return {
    p99Seconds: from === null ? null : Math.max(0, Math.round(from * 1000) / 1000),
    steadyP99: steady,
  };
}
