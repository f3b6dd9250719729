// The baseline input: a results file from an earlier run, checked before any cluster call; and max-regression.
import { parseBaseline, readBaseline } from "../../src/config/baseline.js";
import { parseMaxRegression } from "../../src/config/max-regression.js";
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION } from "../../src/results.js";
import { errorOf } from "./input-errors.js";

const baseline = {
  schema: RESULTS_SCHEMA,
  version: RESULTS_SCHEMA_VERSION,
  startedAt: "2026-08-14T09:00:00.000Z",
  service: { name: "hello", readySeconds: 4 },
  load: {
    requests: 24000,
    rps: 800,
    latency: { min: 1, mean: 50, p50: 45, p90: 90, p99: 160, p999: 300, max: 410 },
    errors: { total: 0, rate: 0, byStatus: {}, timeouts: 0, connectionErrors: 0 },
  },
  pods: { max: { serving: 3, reserve: 0 }, final: { serving: 2, reserve: 0 } },
  coldStart: null,
  error: null,
};

describe("baseline", () => {
  it("reads a results file", () => {
    expect(parseBaseline(JSON.stringify(baseline), "prev.json").load?.latency.p99).toBe(160);
  });

  it.each([
    ["not JSON", '{\n  "schema": 1,\n  x\n}', /baseline: line 3, column 3: "prev\.json" is not valid JSON/],
    ["another tool's file", JSON.stringify({ metrics: {} }), /is not a knative-perf-gate results file/],
    [
      "a newer schema",
      JSON.stringify({ ...baseline, version: 2 }),
      /schema version 2; this version reads 1; it was written by a newer knative-perf-gate/,
    ],
    [
      "an older schema",
      JSON.stringify({ ...baseline, version: 0 }),
      /schema version 0; .* record a new baseline/,
    ],
    [
      "a damaged file",
      JSON.stringify({ ...baseline, load: { ...baseline.load, rps: "fast" } }),
      /"prev\.json": load\.rps is missing or not a number/,
    ],
    ["no startedAt", JSON.stringify({ ...baseline, startedAt: undefined }), /startedAt is missing/],
    ["pods not an object", JSON.stringify({ ...baseline, pods: 3 }), /pods is not an object/],
  ])("refuses %s", (_name, text, message) => {
    expect(errorOf(() => parseBaseline(text, "prev.json")).message).toMatch(message);
  });

  it("explains a missing file (the first run of a nightly job has none)", () => {
    const missing = () => {
      throw Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
    };
    expect(errorOf(() => readBaseline("prev.json", missing)).message).toBe(
      'baseline: cannot read "prev.json": no such file; on a first run there is no baseline yet: leave the input empty until a results file exists',
    );
  });
});

describe("parseMaxRegression", () => {
  it.each([
    [
      "",
      true,
      [
        { metric: "p99", percent: 10 },
        { metric: "rps", percent: 10 },
      ],
    ],
    ["", false, []],
    [
      "15%",
      true,
      [
        { metric: "p99", percent: 15 },
        { metric: "rps", percent: 15 },
      ],
    ],
    [
      "p99: 10%, rps: 5%",
      true,
      [
        { metric: "p99", percent: 10 },
        { metric: "rps", percent: 5 },
      ],
    ],
    [
      "latency.p90: 20%; throughput: 2.5%",
      true,
      [
        { metric: "p90", percent: 20 },
        { metric: "rps", percent: 2.5 },
      ],
    ],
    [
      "10%, rps: 3%, errors: 50%",
      true,
      [
        { metric: "p99", percent: 10 },
        { metric: "rps", percent: 3 },
        { metric: "errors", percent: 50 },
      ],
    ],
    [
      "p99: 10%\nrps: 5%",
      false,
      [
        { metric: "p99", percent: 10 },
        { metric: "rps", percent: 5 },
      ],
    ],
  ])("%j (baseline: %s)", (text, hasBaseline, rules) => {
    expect(parseMaxRegression(text, hasBaseline)).toEqual(rules);
  });

  it.each([
    ["10", 1, 1, /"10" is not a percentage; write it like 10% or 2.5%/],
    ["p99: ten", 1, 6, /"ten" is not a percentage/],
    ["p99 10%", 1, 1, /"p99 10%" is not a percentage/],
    ["p99: 10%, p98: 5%", 1, 11, /unknown metric "p98"; did you mean "p90"\?/],
    ["rps: 5%\np99: 1%, rps: 2%", 2, 10, /rps is given twice/],
    ["10%, 20%", 1, 6, /given twice/],
    ["p99: -3%", 1, 6, /is negative/],
  ])("refuses %j at line %d, column %d", (text, line, column, message) => {
    const error = errorOf(() => parseMaxRegression(text, true));
    expect([error.input, error.line, error.column]).toEqual(["max-regression", line, column]);
    expect(error.message).toMatch(message);
  });
});
