// Rules on stages and on the autoscaler: scale-up.seconds, pods.desired.max and stage[N].<metric>, parsed with
// the same errors as every rule, refused when the stages they need are missing, and judged from load.stages and
// pods.timeline[].desired, failing with a reason when not measured.
import { InputErrors, type InputError } from "../../src/config/errors.js";
import { parseThresholds } from "../../src/config/thresholds.js";
import { evaluateThresholds } from "../../src/verdict/evaluate.js";
import { actionOutputs } from "../../src/report/outputs.js";
import type { ResultsDocument, StageSummary } from "../../src/results.js";
import { passingDoc } from "./fixtures/results.js";
import { settingsErrors } from "./fixtures/settings.js";

function errorOf(text: string): InputError {
  try {
    parseThresholds(text);
  } catch (error) {
    if (error instanceof InputErrors) return error.errors[0];
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("parsing", () => {
  it.each([
    ["scale-up.seconds < 20", "scale-up.seconds", 20_000],
    ["scale-up < 1500ms", "scale-up.seconds", 1500],
    ["pods.desired.max <= 10", "pods.desired.max", 10],
    ["desired.max <= 10", "pods.desired.max", 10],
    ["stage[2].p99 < 300ms", "stage[2].p99", 300],
    ["STAGE[12].latency.p90 < 1s", "stage[12].p90", 1000],
    ["stage[3].pods.final <= 2", "stage[3].pods.final", 2],
    ["stage[1].errors < 1%", "stage[1].errors", 0.01],
    ["stage[2].rps >= 500", "stage[2].rps", 500],
  ])("%s", (text, metric, limit) => {
    expect(parseThresholds(text)).toEqual([expect.objectContaining({ metric, limit })]);
  });

  it.each([
    ["stage[0].p99 < 1s", 7, "stage[0]: stages count from 1"],
    ["stage[x].p99 < 1s", 7, 'stage "x" is not a stage number'],
    ["stage[2] < 1s", 9, 'expected a metric after "stage[2]."'],
    ["stage[2].mean < 1s", 10, 'unknown per-stage metric "mean"'],
    ["stage[2].p98 < 1s", 10, 'unknown per-stage metric "p98"; did you mean "p90"?'],
    ["stage[2].p99 < 300", 16, "300 needs a unit"],
    ["pods.desired.max <= 2.5", 21, "2.5 is not a whole number"],
    ["scale-up.seconds < 20%", 22, 'unit "%" does not fit scale-up.seconds'],
  ])("%s: column %i, %s", (text, column, message) => {
    const error = errorOf(text);
    expect(error).toMatchObject({ input: "thresholds", line: 1, column });
    expect(error.message).toContain(message);
  });
});

describe("rules that need stages", () => {
  it("are refused, with their line, when the stages are not there", () => {
    expect(
      settingsErrors({ stages: "10s:2, 10s:40, 10s:2", thresholds: "errors < 1%\nstage[4].p99 < 1s" }),
    ).toEqual([
      'thresholds: line 2: "stage[4].p99 < 1s" names stage 4, but stages has 3; stages count from 1 to 3',
    ]);
    expect(settingsErrors({ thresholds: "stage[1].p99 < 1s" })[0]).toContain(
      '"stage[1].p99 < 1s" needs stages',
    );
    expect(settingsErrors({ thresholds: "scale-up.seconds < 20" })[0]).toContain(
      "needs stages to step between",
    );
    expect(settingsErrors({ stages: "10s:2", thresholds: "scale-up < 20" })[0]).toContain(
      "needs stages to step",
    );
  });

  it("are taken when they fit", () => {
    expect(
      settingsErrors({
        stages: "10s:2, 10s:40",
        thresholds: "stage[2].p99 < 1s; scale-up.seconds < 20; pods.desired.max <= 10",
      }),
    ).toEqual([]);
  });
});

function stage(index: number, extra: Partial<StageSummary> = {}): StageSummary {
  return {
    index,
    stage: "10s:2",
    start: (index - 1) * 10,
    durationSeconds: 10,
    connections: 2,
    rate: null,
    sent: 1000,
    requests: 1000,
    rps: 100,
    latency: { p50: 20, p90: 30, p99: 40 * index, max: 90 },
    errors: { total: 10, rate: 0.01, timeouts: 0, connectionErrors: 0 },
    pods: { max: index, final: index },
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index * 10)).toISOString(),
    ...extra,
  };
}
const change = { decisionSeconds: 0.4, desiredMax: 6, p99Seconds: 2, steadyP99: 40 };

function staged(stages: StageSummary[], desired?: number[]): ResultsDocument {
  const doc = passingDoc();
  doc.load = { ...doc.load!, stages };
  if (desired)
    doc.pods = {
      ...doc.pods!,
      timeline: doc.pods!.timeline.map((s, i) => ({ ...s, desired: desired[i % desired.length] })),
    };
  return doc;
}

describe("judging", () => {
  it("per-stage rules read their stage; scale-up is the worst step up; desired.max the most wanted", () => {
    const doc = staged(
      [
        stage(1),
        stage(2, { change: { ...change, desiredBefore: 1, desired: 4, readySeconds: 3.5 } }),
        stage(3, { change: { ...change, desiredBefore: 4, desired: 2, readySeconds: 9 } }),
        stage(4, { change: { ...change, desiredBefore: 2, desired: 6, readySeconds: 7.25 } }),
      ],
      [1, 4, 6, 2],
    );
    const verdicts = evaluateThresholds(
      parseThresholds(
        "stage[2].p99 < 100ms; stage[3].p99 < 100ms; stage[2].rps >= 99; scale-up.seconds < 8; pods.desired.max <= 5",
      ),
      doc,
    );
    expect(verdicts.map((v) => [v.metric, v.observed, v.passed])).toEqual([
      ["stage[2].p99", 80, true],
      ["stage[3].p99", 120, false],
      // 10 of the 1000 answers failed: successful answers per second.
      ["stage[2].rps", 99, true],
      // The step down (stage 3, 9 s) is not a scale-up.
      ["scale-up.seconds", 7250, true],
      ["pods.desired.max", 6, false],
    ]);
    expect(verdicts[3].observedText).toBe("7.25 s");
    expect(actionOutputs(doc, { resultsFile: "r.json" })["scale-up-seconds"]).toBe("7.25");
  });

  it("fails what it could not measure, saying why", () => {
    const slow = staged([
      stage(1),
      stage(2, {
        change: {
          ...change,
          desiredBefore: 1,
          desired: 4,
          readySeconds: null,
          note: "4 pods not Ready within the stage",
        },
      }),
    ]);
    const unwatched = staged([
      stage(1),
      stage(2, {
        change: {
          ...change,
          desiredBefore: null,
          desired: null,
          decisionSeconds: null,
          desiredMax: null,
          readySeconds: null,
          note: "decisions not watched: forbidden",
        },
      }),
    ]);
    const silent = staged([stage(1, { sent: 5, requests: 0 }), stage(2)]);
    const notes = (doc: ResultsDocument, rules: string) =>
      evaluateThresholds(parseThresholds(rules), doc).map((v) => [v.passed, v.note]);
    expect(notes(slow, "scale-up.seconds < 20")).toEqual([
      [false, "not measured: stage 2: 4 pods not Ready within the stage"],
    ]);
    expect(notes(unwatched, "scale-up.seconds < 20; pods.desired.max <= 9")).toEqual([
      [false, "not measured: the autoscaler's decisions not watched: forbidden"],
      [false, "not measured: the autoscaler's decisions were not watched"],
    ]);
    expect(notes(silent, "stage[1].p99 < 1s; stage[3].p99 < 1s")).toEqual([
      [false, "not measured: 5 requests sent, none answered in stage 1"],
      [false, "not measured: no stage 3 was run"],
    ]);
    expect(actionOutputs(slow, { resultsFile: "r.json" })["scale-up-seconds"]).toBe("");
  });
});
