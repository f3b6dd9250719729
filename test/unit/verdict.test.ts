// Judging a run: metric values from the results document, rule evaluation (unmeasured fails with a note),
// display formatting, and the regression comparison with its direction per metric.
import { parseThresholds } from "../../src/config/thresholds.js";
import { compare, evaluateThresholds, unmeasuredRun } from "../../src/verdict/evaluate.js";
import { failureSummary } from "../../src/verdict/summary.js";
import { formatMetric, formatMs } from "../../src/verdict/format.js";
import { changePercent, compareToBaseline } from "../../src/verdict/regression.js";
import { METRICS, metricValue } from "../../src/metrics.js";
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, type ResultsDocument } from "../../src/results.js";

interface Figures {
  p99?: number;
  rps?: number;
  requests?: number;
  errorRate?: number;
  byStatus?: Record<string, number>;
  podsMax?: number;
  coldStartMs?: number;
  readySeconds?: number;
}

/** A results document with the given figures; sections not given (pods, cold start) are null. */
function doc(f: Figures = {}, overrides: Partial<ResultsDocument> = {}): ResultsDocument {
  const p99 = f.p99 ?? 120;
  return {
    schema: RESULTS_SCHEMA,
    version: RESULTS_SCHEMA_VERSION,
    tool: { name: "knative-perf-gate", version: "0.1.0" },
    startedAt: "2026-08-14T09:00:00.000Z",
    finishedAt: "2026-08-14T09:01:00.000Z",
    passed: true,
    settings: {
      serviceFile: "service.yaml",
      connections: 50,
      durationSeconds: 30,
      rate: null,
      requests: null,
      warmupSeconds: 5,
      method: "GET",
      path: "/",
      coldStart: f.coldStartMs !== undefined,
      thresholds: [],
      maxRegression: [],
      privateZone: "keep",
      teardown: "always",
    },
    service: {
      name: "hello",
      namespace: "default",
      url: "http://hello.default.example.com",
      revision: "hello-00001",
      generation: 1,
      readySeconds: f.readySeconds ?? 4.5,
      created: true,
      image: "ghcr.io/acme/hello:1",
    },
    load: {
      target: { url: "http://hello.default.example.com" },
      durationSeconds: 30,
      requests: f.requests ?? 24_000,
      rps: f.rps ?? 800,
      bytesPerSecond: 1e5,
      latency: { min: 1, mean: p99 / 3, p50: p99 / 4, p90: p99 / 2, p99, p999: p99 * 2, max: p99 * 3 },
      errors: {
        total: Object.values(f.byStatus ?? {}).reduce((a, b) => a + b, 0),
        rate: f.errorRate ?? 0,
        byStatus: f.byStatus ?? {},
        timeouts: 0,
        connectionErrors: 0,
      },
      timeline: [],
      warmupRequests: 100,
    },
    pods:
      f.podsMax === undefined
        ? null
        : {
            max: { serving: f.podsMax, reserve: 1 },
            final: { serving: 1, reserve: 0 },
            timeline: [],
            autoscaling: { target: 10, utilizationPercent: 70, minScale: 0, maxScale: 0 },
          },
    coldStart:
      f.coldStartMs === undefined
        ? null
        : { firstResponseMs: f.coldStartMs, status: 200, scaleToZeroWaitMs: 60_000 },
    thresholds: [],
    regression: null,
    error: null,
    ...overrides,
  };
}

describe("metricValue", () => {
  const run = doc({
    p99: 150,
    rps: 800,
    requests: 24_000,
    errorRate: 0.01,
    podsMax: 4,
    coldStartMs: 2300,
    readySeconds: 6,
  });

  it.each([
    ["p50", 37.5],
    ["latency.p90", 75],
    ["p99", 150],
    ["p99.9", 300],
    ["max", 450],
    ["mean", 50],
    ["errors", 0.01],
    ["requests", 24_000],
    ["pods.max", 4],
    ["pods", 4],
    ["pods.final", 1],
    ["cold-start", 2300],
    ["ready-time", 6000],
  ])("%s = %d", (metric, value) => {
    expect(metricValue(run, metric)).toBe(value);
  });

  it("counts only successful responses in rps", () => {
    expect(metricValue(doc({ rps: 800, requests: 24_000, byStatus: { "503": 6000 } }), "rps")).toBe(600);
    expect(metricValue(doc({ rps: 800 }), "throughput")).toBe(800);
    // Answered but all failed: a measured 0; nothing answered: not measured at all (below).
    expect(metricValue(doc({ rps: 100, requests: 300, byStatus: { "503": 300 } }), "rps")).toBe(0);
  });

  it("is null for what was not measured", () => {
    const bare = doc({}, { load: null });
    for (const metric of ["p99", "errors", "rps", "requests", "pods.max", "cold-start"])
      expect(metricValue(bare, metric)).toBeNull();
    expect(metricValue(doc({ readySeconds: 0 }, { error: "RevisionFailed: boom" }), "ready-time")).toBeNull();
    expect(metricValue(doc({ readySeconds: 0 }), "ready-time")).toBe(0);
  });

  it("maps every metric of the language", () => {
    const full = doc({ podsMax: 2, coldStartMs: 900 });
    // The autoscaler's decisions and a step up between two stages (pods.desired.max, scale-up.seconds).
    full.pods!.timeline = [{ t: 0, serving: 2, reserve: 0, terminating: 0, pending: 0, desired: 3 }];
    const stage = {
      index: 1,
      stage: "10s:2",
      start: 0,
      durationSeconds: 10,
      connections: 2,
      rate: null,
      sent: 100,
      requests: 100,
      rps: 10,
      latency: { p50: 1, p90: 2, p99: 3, max: 4 },
      errors: { total: 0, rate: 0, timeouts: 0, connectionErrors: 0 },
      pods: { max: 1, final: 1 },
      startedAt: "2026-08-14T09:00:10.000Z",
    };
    const change = { desiredBefore: 1, desired: 3, decisionSeconds: 0.4, desiredMax: 3, readySeconds: 2 };
    full.load!.stages = [stage, { ...stage, index: 2, change: { ...change, p99Seconds: 1, steadyP99: 3 } }];
    for (const metric of METRICS) expect(typeof metricValue(full, metric.name)).toBe("number");
  });

  it("refuses an unknown metric", () => {
    expect(() => metricValue(run, "p98")).toThrow(/unknown metric "p98"/);
  });
});

describe("evaluateThresholds", () => {
  it("judges each rule and formats limit and observation alike", () => {
    const rules = parseThresholds("p99 < 200ms\nerrors < 1%\nrps >= 1000\npods.max <= 5");
    const verdicts = evaluateThresholds(rules, doc({ p99: 181.4, errorRate: 0.002, rps: 802.3, podsMax: 3 }));
    expect(verdicts).toEqual([
      {
        rule: "p99 < 200ms",
        metric: "p99",
        operator: "<",
        limit: 200,
        limitText: "200 ms",
        observed: 181.4,
        observedText: "181.4 ms",
        passed: true,
      },
      {
        rule: "errors < 1%",
        metric: "errors",
        operator: "<",
        limit: 0.01,
        limitText: "1%",
        observed: 0.002,
        observedText: "0.2%",
        passed: true,
      },
      {
        rule: "rps >= 1000",
        metric: "rps",
        operator: ">=",
        limit: 1000,
        limitText: "1000/s",
        observed: 802.3,
        observedText: "802.3/s",
        passed: false,
      },
      {
        rule: "pods.max <= 5",
        metric: "pods.max",
        operator: "<=",
        limit: 5,
        limitText: "5",
        observed: 3,
        observedText: "3",
        passed: true,
      },
    ]);
  });

  it.each([
    ["p99 < 200ms", 200, false],
    ["p99 <= 200ms", 200, true],
    ["p99 > 200ms", 200, false],
    ["p99 >= 0.2s", 200, true],
    ["p99 == 200ms", 200, true],
    ["p99 != 200ms", 200, false],
    ["p99 != 200ms", 200.5, true],
  ])("%s with p99 = %d → %s", (rule, p99, passed) => {
    expect(evaluateThresholds(parseThresholds(rule), doc({ p99 }))[0].passed).toBe(passed);
  });

  it("treats decimal limits and computed ratios as equal when they are (3 errors in 1000 vs 0.3%)", () => {
    expect(
      evaluateThresholds(parseThresholds("errors <= 0.3%"), doc({ errorRate: 3 / 1000 }))[0].passed,
    ).toBe(true);
    expect(evaluateThresholds(parseThresholds("errors < 0.3%"), doc({ errorRate: 3 / 1000 }))[0].passed).toBe(
      false,
    );
    expect(compare(0.1 + 0.2, "==", 0.3)).toBe(true);
  });

  it("fails a rule on an unmeasured metric and says why", () => {
    const [coldStart, pods, p99] = evaluateThresholds(
      parseThresholds("cold-start < 3s; pods.max <= 5; p99 < 1s"),
      doc({}, { load: null, error: "ProgressDeadlineExceeded: Initial scale was never achieved" }),
    );
    expect(coldStart).toMatchObject({
      observed: null,
      observedText: "n/a",
      passed: false,
      note: "not measured: cold start is off (set cold-start: true)",
    });
    expect(pods).toMatchObject({
      passed: false,
      note: "not measured: pods were not observed (the run failed: ProgressDeadlineExceeded: Initial scale was never achieved)",
    });
    expect(p99).toMatchObject({
      passed: false,
      note: expect.stringMatching(/^not measured: no load was run \(the run failed: /),
    });
  });
});

/** A load where 10 requests were sent and none answered: the black-holed target of issue 19. */
function blackHole(): ResultsDocument {
  const run = doc({ requests: 0, rps: 0, errorRate: 1 });
  const load = run.load as NonNullable<ResultsDocument["load"]>;
  load.latency = { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  load.sent = 10;
  load.unanswered = 10;
  load.errors = { total: 10, rate: 1, byStatus: {}, timeouts: 10, connectionErrors: 0 };
  return run;
}

describe("a load with no answered request", () => {
  it("fails every rule on latency and throughput as not measured, whatever the zeros say", () => {
    const verdicts = evaluateThresholds(
      parseThresholds("p99 < 100ms; p50 < 1s; max < 1s; mean < 1s; rps < 1000; rps >= 0"),
      blackHole(),
    );
    for (const v of verdicts) {
      expect(v).toMatchObject({
        observed: null,
        passed: false,
        note: "not measured: 10 requests sent, none answered",
      });
    }
  });

  it("has an error rate of 100% (every request timed out or went unanswered), and 0 requests", () => {
    const [errors, requests] = evaluateThresholds(parseThresholds("errors < 1%; requests >= 0"), blackHole());
    expect(errors).toMatchObject({ observed: 1, passed: false });
    expect(requests).toMatchObject({ observed: 0, passed: true });
  });

  it("fails the run even with no rule on it, and the step error says so", () => {
    const run = blackHole();
    expect(unmeasuredRun(run)).toBe("load not measured: 10 requests sent, none answered");
    run.thresholds = evaluateThresholds(parseThresholds("p99 < 100ms; errors < 1%"), run);
    expect(failureSummary(run)).toBe(
      "performance gate failed: load not measured: 10 requests sent, none answered; " +
        "p99 < 100ms (observed n/a; not measured: 10 requests sent, none answered); errors < 1% (observed 100%)",
    );
    run.thresholds = [];
    expect(failureSummary(run)).toBe(
      "performance gate failed: load not measured: 10 requests sent, none answered",
    );
  });

  it("counts sent requests from the error counters in files written before `sent` existed", () => {
    const run = blackHole();
    delete run.load?.sent;
    expect(evaluateThresholds(parseThresholds("p99 < 1s"), run)[0].note).toBe(
      "not measured: 10 requests sent, none answered",
    );
    const nothing = blackHole();
    nothing.load = { ...(nothing.load as NonNullable<ResultsDocument["load"]>), sent: 0 };
    nothing.load.errors = { total: 0, rate: 0, byStatus: {}, timeouts: 0, connectionErrors: 0 };
    const [errors] = evaluateThresholds(parseThresholds("errors < 1%"), nothing);
    expect(errors).toMatchObject({
      observed: null,
      passed: false,
      note: "not measured: no request was sent",
    });
  });

  it("says the same in a regression comparison", () => {
    const [p99] = compareToBaseline(blackHole(), doc(), [{ metric: "p99", percent: 10 }]);
    expect(p99).toMatchObject({ passed: false, note: "not measured: 10 requests sent, none answered" });
    const [fromBaseline] = compareToBaseline(doc(), blackHole(), [{ metric: "p99", percent: 10 }]);
    expect(fromBaseline).toMatchObject({ passed: false, note: "the baseline did not measure p99" });
  });

  it("is a measured run when one request was answered", () => {
    const run = blackHole();
    const load = run.load as NonNullable<ResultsDocument["load"]>;
    load.requests = 1;
    load.latency = { min: 5, mean: 5, p50: 5, p90: 5, p99: 5, p999: 5, max: 5 };
    expect(unmeasuredRun(run)).toBeUndefined();
    expect(evaluateThresholds(parseThresholds("p99 < 100ms"), run)[0]).toMatchObject({
      observed: 5,
      passed: true,
    });
  });

  it("an unanswered cold-start request is not measured and fails the run", () => {
    const run = doc({ coldStartMs: 300_000 });
    run.coldStart = { ...(run.coldStart as NonNullable<ResultsDocument["coldStart"]>), status: 0 };
    run.coldStart.unanswered = "http://hello/: no complete response within 300 s";
    const [cold] = evaluateThresholds(parseThresholds("cold-start < 10m"), run);
    expect(cold).toMatchObject({
      observed: null,
      passed: false,
      note: "not measured: 1 request sent, none answered (http://hello/: no complete response within 300 s)",
    });
    expect(unmeasuredRun(run)).toMatch(/^cold start not measured: 1 request sent, none answered/);
  });
});

describe("formatMetric", () => {
  it.each([
    ["duration", 0.85, "850 µs"],
    ["duration", 0, "0 ms"],
    ["duration", 3.456, "3.46 ms"],
    ["duration", 181.44, "181.4 ms"],
    ["duration", 1250, "1.25 s"],
    ["duration", 60_000, "1 min"],
    ["duration", 90_500, "1 min 30.5 s"],
    ["ratio", 0.01, "1%"],
    ["ratio", 0.00123, "0.123%"],
    ["ratio", 0, "0%"],
    ["ratio", 1, "100%"],
    ["rate", 802.349, "802.3/s"],
    ["rate", 12.345, "12.35/s"],
    ["count", 5, "5"],
    ["count", null, "n/a"],
    ["duration", NaN, "n/a"],
  ] as const)("%s %d → %s", (kind, value, text) => {
    expect(formatMetric(kind, value)).toBe(text);
  });

  it("formats milliseconds for durations", () => expect(formatMs(200)).toBe("200 ms"));
});

describe("compareToBaseline", () => {
  it("calls a p99 rise and an rps drop worse, improvements negative", () => {
    expect(changePercent("lower", 100, 110)).toBeCloseTo(10);
    expect(changePercent("lower", 100, 90)).toBeCloseTo(-10);
    expect(changePercent("higher", 800, 720)).toBeCloseTo(10);
    expect(changePercent("higher", 800, 880)).toBeCloseTo(-10);
  });

  it("passes at exactly the allowed change despite floating-point noise, fails just above", () => {
    const rules = [{ metric: "p99", percent: 10 }];
    expect(compareToBaseline(doc({ p99: 110 }), doc({ p99: 100 }), rules)[0]).toEqual({
      metric: "p99",
      baseline: 100,
      current: 110,
      changePercent: 10,
      allowedPercent: 10,
      passed: true,
    });
    expect(compareToBaseline(doc({ p99: 110.2 }), doc({ p99: 100 }), rules)[0]).toMatchObject({
      changePercent: 10.2,
      passed: false,
    });
  });

  it("judges the seed's numbers: p99 158 → 181.4 ms regressed 14.81%, rps 802.3 → 770 within 10%", () => {
    const verdicts = compareToBaseline(doc({ p99: 181.4, rps: 770 }), doc({ p99: 158, rps: 802.3 }), [
      { metric: "p99", percent: 10 },
      { metric: "rps", percent: 10 },
    ]);
    expect(verdicts.map((v) => [v.metric, v.changePercent, v.passed])).toEqual([
      ["p99", 14.81, false],
      ["rps", 4.03, true],
    ]);
  });

  it("uses metric aliases and the canonical name in the verdict", () => {
    expect(compareToBaseline(doc(), doc(), [{ metric: "latency.p99", percent: 5 }])[0].metric).toBe("p99");
  });

  it("fails an unmeasured metric with a note, and a rise from a baseline of 0", () => {
    const [cold] = compareToBaseline(doc(), doc({ coldStartMs: 900 }), [
      { metric: "cold-start", percent: 10 },
    ]);
    expect(cold).toMatchObject({
      baseline: 900,
      passed: false,
      note: "not measured: cold start is off (set cold-start: true)",
    });
    expect(cold.current).toBeNaN();
    const [missing] = compareToBaseline(doc({ coldStartMs: 900 }), doc(), [
      { metric: "cold-start", percent: 10 },
    ]);
    expect(missing).toMatchObject({
      current: 900,
      passed: false,
      note: "the baseline did not measure cold-start",
    });
    const [errors] = compareToBaseline(doc({ errorRate: 0.001 }), doc({ errorRate: 0 }), [
      { metric: "errors", percent: 50 },
    ]);
    expect(errors).toMatchObject({
      changePercent: Infinity,
      passed: false,
      note: "the baseline was 0, so any rise is a regression",
    });
    const [same] = compareToBaseline(doc({ errorRate: 0 }), doc({ errorRate: 0 }), [
      { metric: "errors", percent: 50 },
    ]);
    expect(same).toMatchObject({ changePercent: 0, passed: true });
  });
});
