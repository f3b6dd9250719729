// How a stage change is measured from the decisions, the Ready pods and the per-second p99, on hand-made
// records whose answers are known.
import { stageChanges, withDesired } from "../../src/pipeline/scale-changes.js";
import type { LoadSample, StageSummary } from "../../src/results.js";

const T0 = Date.parse("2026-11-29T12:00:00.000Z");

function stage(index: number, start: number, durationSeconds: number, connections: number): StageSummary {
  return {
    index,
    stage: `${durationSeconds}s:${connections}`,
    start,
    durationSeconds,
    connections,
    rate: null,
    sent: 0,
    requests: 0,
    rps: 0,
    latency: { p50: 0, p90: 0, p99: 0, max: 0 },
    errors: { total: 0, rate: 0, timeouts: 0, connectionErrors: 0 },
    pods: null,
    startedAt: new Date(T0 + start * 1000).toISOString(),
  };
}

const second = (t: number, p99: number): LoadSample => ({ t, requests: 10, rps: 10, p99, errors: 0 });

describe("stageChanges", () => {
  const stages = [stage(1, 0, 10, 2), stage(2, 10, 10, 40)];
  // p99 high for the first 3 s of stage 2, then steady at 20 ms.
  const timeline = [
    ...Array.from({ length: 10 }, (_, i) => second(i, 20)),
    second(10, 300),
    second(11, 200),
    second(12, 90),
    ...Array.from({ length: 7 }, (_, i) => second(13 + i, 20 + (i % 2))),
  ];
  const decisions = [
    { at: T0 - 5000, desired: 1, actual: 1 },
    { at: T0 + 10_400, desired: 6, actual: 1 },
    { at: T0 + 12_400, desired: 8, actual: 6 },
  ];
  const servingHistory = [
    { at: T0 - 6000, serving: 1 },
    { at: T0 + 11_000, serving: 3 },
    { at: T0 + 11_900, serving: 6 },
    { at: T0 + 13_000, serving: 8 },
  ];

  it("times the first new decision, the Ready pods reaching it, and p99 settling, from the stage's start", () => {
    const [first, next] = stageChanges(stages, { decisions, servingHistory, timeline, endedAt: T0 + 20_000 });
    expect(first.change).toBeUndefined();
    expect(next.change).toEqual({
      desiredBefore: 1,
      desired: 6,
      decisionSeconds: 0.4,
      desiredMax: 8,
      desiredMaxSeconds: 2.4,
      readySeconds: 1.9,
      p99Seconds: 3,
      steadyP99: 20,
    });
  });

  it("says why when the decisions are unknown or the pods never came", () => {
    const refused = stageChanges(stages, {
      decisions: [],
      decisionsUnknown: "forbidden",
      servingHistory,
      timeline,
      endedAt: T0 + 20_000,
    })[1].change;
    expect(refused).toMatchObject({
      desired: null,
      decisionSeconds: null,
      note: "decisions not watched: forbidden",
    });
    const slow = stageChanges(stages, {
      decisions,
      servingHistory: servingHistory.slice(0, 2),
      timeline,
      endedAt: T0 + 20_000,
    })[1].change;
    expect(slow).toMatchObject({ desired: 6, readySeconds: null, note: "6 pods not Ready within the stage" });
  });

  it("puts the decision in force beside each second's pods, but not the -1 of no data", () => {
    const samples = [0, 1, 2].map((t) => ({ t, serving: 1, reserve: 0, terminating: 0, pending: 0 }));
    const out = withDesired(samples, T0, [
      { at: T0 - 1, desired: -1, actual: 0 },
      { at: T0 + 900, desired: 4, actual: 1 },
    ]);
    expect(out.map((s) => s.desired)).toEqual([undefined, 4, 4]);
  });

  it("shows a decision that rose and fell between two samples: each second has its highest decision", () => {
    const samples = [0, 1, 2, 3].map((t) => ({ t, serving: 1, reserve: 0, terminating: 0, pending: 0 }));
    const out = withDesired(samples, T0, [
      { at: T0 - 1, desired: 1, actual: 1 },
      { at: T0 + 1200, desired: 6, actual: 1 },
      { at: T0 + 1700, desired: 5, actual: 2 },
    ]);
    expect(out.map((s) => s.desired)).toEqual([1, 1, 6, 5]);
  });
});
