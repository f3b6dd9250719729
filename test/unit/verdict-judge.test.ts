// The verdict of an A/B run from its results document: the comparison's intervals decide the metrics
// max-regression names, on-inconclusive decides the unclear ones, the step error names each failing metric
// with its interval, and a results file read back reproduces its verdict from the recorded seed.
import type { RegressionRule } from "../../src/config/settings.js";
import type { LoadSample, ResultsDocument } from "../../src/results.js";
import { judge, type JudgeSettings } from "../../src/verdict/judge.js";
import { failureSummary } from "../../src/verdict/summary.js";
import { pair } from "./fixtures/loads.js";
import { passingDoc } from "./fixtures/results.js";

const DEFAULT_RULES: RegressionRule[] = [
  { metric: "p99", percent: 10 },
  { metric: "rps", percent: 10 },
];

function settings(overrides: Partial<JudgeSettings> = {}): JudgeSettings {
  return {
    thresholds: [],
    maxRegression: DEFAULT_RULES,
    confidence: 0.95,
    onInconclusive: "pass",
    ...overrides,
  };
}

function withTimeline(doc: ResultsDocument, timeline: LoadSample[]): ResultsDocument["load"] {
  return { ...doc.load!, timeline };
}

/** An A/B run's document: the candidate `factor` times slower than the baseline, side by side. */
function abDoc(factor: number, seed: number): ResultsDocument {
  const { base, cand } = pair(seed, factor);
  const doc = passingDoc();
  return {
    ...doc,
    load: withTimeline(doc, cand),
    baseline: {
      service: { ...doc.service, name: `${doc.service.name}-baseline` },
      load: withTimeline(doc, base),
      pods: null,
      coldStart: null,
    },
  };
}

describe("judge: A/B", () => {
  it("the same Service on both sides passes, judged paired", () => {
    const verdict = judge(abDoc(1, 11), settings(), { seed: 7 });
    expect(verdict.comparison).toMatchObject({ mode: "ab", seed: 7, confidence: 0.95, seconds: 20 });
    expect(verdict.comparison!.verdict).not.toBe("regressed");
    expect(verdict.passed).toBe(true);
  });

  it("a candidate 25% slower fails, and the step error gives each failing metric with its interval", () => {
    const doc = abDoc(1.25, 12);
    const verdict = judge(doc, settings(), { seed: 7 });
    expect(verdict.passed).toBe(false);
    expect(verdict.comparison!.verdict).toBe("regressed");
    const summary = failureSummary({ ...doc, ...verdict });
    expect(summary).toMatch(/^performance gate failed: /);
    expect(summary).toMatch(
      /p99 regressed: \+\d+(\.\d)?% \[\+\d+(\.\d)?%, \+\d+(\.\d)?%\] at 95% \(allowed 10%\)/,
    );
    expect(summary).toMatch(/rps regressed: −\d+(\.\d)?% \[/);
  });

  it("an inconclusive gating metric passes with on-inconclusive: pass and fails with fail", () => {
    // 0% allowed on the median of the same Service: no interval can lie within ±0, so it is inconclusive.
    const rules = [{ metric: "p50", percent: 0 }];
    const doc = abDoc(1, 13);
    const lenient = judge(doc, settings({ maxRegression: rules }), { seed: 3 });
    expect(lenient.comparison!.verdict).toBe("inconclusive");
    expect(lenient.passed).toBe(true);
    const strict = judge(doc, settings({ maxRegression: rules, onInconclusive: "fail" }), { seed: 3 });
    expect(strict.passed).toBe(false);
    expect(failureSummary({ ...doc, ...strict })).toMatch(
      /p50 inconclusive \(the interval straddles the allowed change\): .* at 95% \(allowed 0%\)/,
    );
  });

  it("a results file read back reproduces its verdict from the recorded seed", () => {
    const doc = abDoc(1.1, 14);
    const first = { ...doc, ...judge(doc, settings(), { seed: 12345 }) };
    const reread = JSON.parse(JSON.stringify(first)) as ResultsDocument;
    const again = judge(reread, settings(), { seed: reread.comparison!.seed });
    expect(again.comparison).toEqual(first.comparison);
    expect(again.passed).toBe(first.passed);
  });

  it("an A/B load too short to compare is inconclusive, never silently passed", () => {
    const doc = abDoc(2, 16);
    const short: ResultsDocument = {
      ...doc,
      load: withTimeline(doc, doc.load!.timeline.slice(0, 2)),
      baseline: { ...doc.baseline!, load: withTimeline(doc, doc.baseline!.load!.timeline.slice(0, 2)) },
    };
    const lenient = judge(short, settings(), { seed: 1 });
    expect(lenient.comparison!.verdict).toBe("inconclusive");
    expect(lenient.passed).toBe(true);
    expect(judge(short, settings({ onInconclusive: "fail" }), { seed: 1 }).passed).toBe(false);
  });

  it("thresholds still apply to the candidate alone", () => {
    const verdict = judge(abDoc(1, 15), settings({ thresholds: [] }), { seed: 1 });
    expect(verdict.thresholds).toEqual([]);
  });
});

describe("judge: a stored baseline file", () => {
  it("adds an unpaired interval beside the point comparison, which alone decides", () => {
    const { base, cand } = pair(21, 1.25, false);
    const doc = passingDoc();
    const current = { ...doc, load: withTimeline(doc, cand) };
    const baselineDocument = { ...doc, load: withTimeline(doc, base) };
    const verdict = judge(current, settings({ baseline: "old.json", baselineDocument }), { seed: 5 });
    expect(verdict.comparison!.mode).toBe("baseline-file");
    expect(verdict.regression!.verdicts.map((v) => v.metric)).toEqual(["p99", "rps"]);
    // The point comparison of the two fixtures decides, whatever the interval says.
    expect(verdict.passed).toBe(verdict.regression!.verdicts.every((v) => v.passed));
  });

  it("a baseline file without per-second data (an older version) gets no interval", () => {
    const doc = passingDoc();
    const old = {
      ...doc,
      load: { ...doc.load!, timeline: doc.load!.timeline.map(({ buckets: _b, ...s }) => s) },
    };
    const verdict = judge(doc, settings({ baseline: "old.json", baselineDocument: old }), { seed: 5 });
    expect(verdict.comparison).toBeNull();
  });
});
