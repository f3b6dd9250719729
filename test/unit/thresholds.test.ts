// The threshold language: every metric, alias, operator and unit parses to a normalized limit; every mistake is
// reported with the input, line, column and the valid choices.
import { InputErrors } from "../../src/config/errors.js";
import { parseThresholds } from "../../src/config/thresholds.js";
import { METRICS, OPERATORS } from "../../src/metrics.js";

function errorsOf(text: string) {
  try {
    parseThresholds(text);
  } catch (error) {
    if (error instanceof InputErrors) return error.errors;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("parseThresholds: good rules", () => {
  it.each([
    ["p99 < 200ms", "p99", "<", 200],
    ["latency.p90 <= 0.1s", "p90", "<=", 100],
    ["p50<850us", "p50", "<", 0.85],
    ["p50 < 850µs", "p50", "<", 0.85],
    ["p50 < 850μs", "p50", "<", 0.85],
    ["max < 2m", "max", "<", 120_000],
    ["p99.9 < 1 s", "p99.9", "<", 1000],
    ["p999 < 1s", "p99.9", "<", 1000],
    ["avg < 20ms", "mean", "<", 20],
    ["errors < 1%", "errors", "<", 0.01],
    ["errors <= 0.3%", "errors", "<=", 0.003],
    ["error-rate < 0.05", "errors", "<", 0.05],
    ["errors == 0", "errors", "==", 0],
    ["rps >= 500", "rps", ">=", 500],
    ["throughput > 99.5/s", "rps", ">", 99.5],
    ["requests >= 1000", "requests", ">=", 1000],
    ["pods.max <= 5", "pods.max", "<=", 5],
    ["pods != 0", "pods.max", "!=", 0],
    ["pods.final >= 1", "pods.final", ">=", 1],
    ["cold-start < 3s", "cold-start", "<", 3000],
    ["ready-time < 60s", "ready-time", "<", 60_000],
    ["READY < 1m", "ready-time", "<", 60_000],
  ])("%s", (text, metric, operator, limit) => {
    expect(parseThresholds(text)).toEqual([
      { source: text.replace(/\s+/g, " "), line: 1, metric, operator, limit },
    ]);
  });

  it("has a rule for every metric and alias, and every operator", () => {
    const kinds = { duration: "1ms", ratio: "1%", rate: "1", count: "1" };
    for (const metric of METRICS) {
      for (const name of [metric.name, ...metric.aliases]) {
        for (const operator of OPERATORS) {
          expect(parseThresholds(`${name} ${operator} ${kinds[metric.kind]}`)[0]).toMatchObject({
            metric: metric.name,
            operator,
          });
        }
      }
    }
  });

  it("reads lines, ; separators, comments and CRLF, keeping each rule's line", () => {
    const text = "# latency\r\np99 < 200ms; p90 < 100ms  # tail\r\n\r\nerrors < 1% ;\nrps >= 10";
    expect(parseThresholds(text).map((r) => [r.source, r.line])).toEqual([
      ["p99 < 200ms", 2],
      ["p90 < 100ms", 2],
      ["errors < 1%", 4],
      ["rps >= 10", 5],
    ]);
  });

  it.each(["none", "NONE", "", "# only a comment", " ; ; "])("%j means no rules", (text) => {
    expect(parseThresholds(text)).toEqual([]);
  });
});

describe("parseThresholds: mistakes", () => {
  it.each([
    ["p99 <", 1, 6, 'expected a value after "<"; e.g. "p99 < 200ms"'],
    [
      "p98 < 200ms",
      1,
      1,
      'unknown metric "p98"; did you mean "p90"? valid metrics: p50, p90, p99, p99.9, max, mean, errors, rps',
    ],
    ["latency.p98 < 200ms", 1, 1, 'did you mean "latency.p90"?'],
    ["lag < 2s", 1, 1, 'unknown metric "lag"; valid metrics:'],
    ["p99", 1, 4, 'expected an operator after "p99"; valid operators: < <= > >= == !=, e.g. "p99 < 200ms"'],
    ["p99 200ms", 1, 5, 'expected an operator, found "200ms"'],
    ["p99 = 200ms", 1, 5, 'unknown operator "="; did you mean "=="?'],
    ["p99 => 200ms", 1, 5, 'unknown operator "=>"; did you mean ">="?'],
    ["p99 <> 200ms", 1, 5, 'unknown operator "<>"; did you mean "!="?'],
    ["rps ≥ 10", 1, 5, 'did you mean ">="?'],
    ["p99 < fast", 1, 7, 'expected a number, found "fast"'],
    ["p99 < 200", 1, 7, "200 needs a unit; p99 is a duration; valid units: us, µs, μs, ms, s, m"],
    ["p99 < 2h", 1, 8, 'unit "h" does not fit p99 (a duration)'],
    ["p99 < 5%", 1, 8, 'unit "%" does not fit p99 (a duration)'],
    ["errors < 5ms", 1, 11, 'unit "ms" does not fit errors (a ratio); valid units: % or none'],
    ["errors < 5", 1, 10, "5 is more than 1; a plain ratio is a fraction; write 5% for percent"],
    ["errors < 101%", 1, 10, "101% is more than 100%"],
    ["rps > 5/m", 1, 8, 'unit "/m" does not fit rps (a rate); valid units: /s or none'],
    [
      "pods.max <= 5 pods",
      1,
      15,
      'unit "pods" does not fit pods.max (a count); valid units: none (a plain number)',
    ],
    ["pods.max <= 1.5", 1, 13, "1.5 is not a whole number; pods.max is a count"],
    ["rps >= -1", 1, 8, 'negative limit "-1"'],
    [
      "p99 < 200ms p90 < 100ms",
      1,
      13,
      'unexpected "p90 < 100ms" after the rule; separate rules with ; or a new line',
    ],
    ["< 200ms", 1, 1, "expected a metric name"],
    ["errors < 1%\n\n  p99 <= x", 3, 10, "expected a number"],
    ["p99 < 1ms;  p9 < 2ms", 1, 13, 'unknown metric "p9"'],
  ])("%j → line %d, column %d", (text, line, column, message) => {
    const [error] = errorsOf(text);
    expect(error.input).toBe("thresholds");
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.message.startsWith(`thresholds: line ${line}, column ${column}: `)).toBe(true);
    expect(error.message).toContain(message);
  });

  it("reports every bad rule, not just the first", () => {
    const errors = errorsOf("p99 < 200ms\np98 < 1s; rps >= x\nerrors < 1%\npods.max <=");
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [2, 1],
      [2, 18],
      [4, 12],
    ]);
  });

  it("names another input when asked (e.g. a workflow template's own field)", () => {
    expect(() => parseThresholds("p99 <", "gate-rules")).toThrow(/^gate-rules: line 1, column 6: /);
  });
});
