// The stages input: its syntax (steps of <duration>:<connections> or <duration>:<rate>/s), every mistake with
// its line and column, and the rules that tie it to duration, connections, rate, requests, load-from and A/B.
import { InputErrors, type InputError } from "../../src/config/errors.js";
import { parseSettings } from "../../src/config/parse.js";
import { parseStages } from "../../src/config/stages.js";
import { ctx, refusals } from "./fixtures/settings.js";

function errorsOf(text: string): InputError[] {
  try {
    parseStages(text);
  } catch (error) {
    if (error instanceof InputErrors) return error.errors;
    if (error instanceof Error && error.name === "InputError") return [error as InputError];
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("parseStages: good input", () => {
  it("reads closed-loop and open-loop steps, separated by commas, semicolons and lines, with comments", () => {
    expect(parseStages("30s:10, 1m : 100; 1m30s:500/s\n# cool down\n1500ms:1 # short")).toEqual([
      { source: "30s:10", durationMs: 30_000, connections: 10 },
      { source: "1m:100", durationMs: 60_000, connections: 100 },
      { source: "1m30s:500/s", durationMs: 90_000, rate: 500 },
      { source: "1500ms:1", durationMs: 1500, connections: 1 },
    ]);
  });

  it("accepts a rate written with spaces, and one stage alone", () => {
    expect(parseStages("10s: 200 /s")).toEqual([{ source: "10s:200/s", durationMs: 10_000, rate: 200 }]);
  });
});

describe("parseStages: mistakes, each with its line and column", () => {
  it.each([
    ["30s:10, 1m", 1, 9, "is not a stage"],
    ["30s:10\n  1m:ten", 2, 6, 'connections "ten" is not a whole number'],
    ["30:10", 1, 1, 'duration "30" has no unit'],
    ["30s:0", 1, 5, "connections 0 is out of range"],
    ["30s:10, 1m:0/s", 1, 12, "rate 0 is out of range"],
    ["30s:10->100", 1, 5, "is a ramp; stages are steps"],
    ["30s:", 1, 4, 'expected connections or a rate after "30s:"'],
    [":10", 1, 1, 'expected a duration before ":"'],
    ["30s:100rps", 1, 5, "is not a rate this input takes"],
    ["500ms:10", 1, 1, "duration 500ms is out of range"],
  ])("%j: line %i, column %i: %s", (text, line, column, message) => {
    const [error] = errorsOf(text);
    expect(error).toMatchObject({ input: "stages", line, column });
    expect(error.message).toContain(message);
    expect(error.message).toMatch(new RegExp(`^stages: line ${line}, column ${column}: `));
  });

  it("reports every bad stage at once", () => {
    expect(errorsOf("0s:1, 10s:x\n5q:1").map((e) => [e.line, e.column])).toEqual([
      [1, 1],
      [1, 11],
      [2, 1],
    ]);
  });

  it("refuses only comments, more than 50 stages, and more than an hour in all", () => {
    expect(errorsOf("# nothing")[0].message).toContain("has no stage");
    expect(errorsOf(Array(51).fill("1s:1").join(","))[0].message).toContain("51 stages are more than 50");
    expect(errorsOf("40m:1, 30m:2")[0].message).toContain("more than 1h");
  });
});

describe("stages among the other inputs", () => {
  it("replaces duration, connections and rate: the load lasts the stages' total at their largest level", () => {
    const settings = parseSettings({ "service-file": "service.yaml", stages: "10s:2, 20s:40, 10s:2" }, ctx);
    expect(settings.stages?.map((s) => s.connections)).toEqual([2, 40, 2]);
    expect(settings.load).toMatchObject({ durationMs: 40_000, connections: 40, rate: undefined });
  });

  it("an open-loop stage runs over the connections input", () => {
    const settings = parseSettings(
      { "service-file": "service.yaml", stages: "10s:100/s, 10s:5", connections: "20" },
      ctx,
    );
    expect(settings.load.connections).toBe(20);
  });

  it.each([
    [{ duration: "30s" }, "duration: duration and stages are both set"],
    [{ rate: "100" }, "rate: rate and stages are both set"],
    [{ connections: "10" }, "connections: connections and stages are both set"],
    [{ requests: "100" }, "requests: a request cap is not supported with stages"],
    [{ "load-from": "cluster" }, "stages: a staged load from the cluster is not supported yet"],
    [{ "baseline-image": "ghcr.io/acme/hello:0.9.0" }, "stages: an A/B run with stages is not supported yet"],
  ])("refuses %j with stages", (extra, message) => {
    const errors = refusals({ stages: "10s:2, 10s:4", ...extra });
    expect(errors.some((e) => e.startsWith(message))).toBe(true);
  });

  it("a bad stage is reported with the other inputs' problems, in action.yml's order", () => {
    const errors = refusals({ stages: "10s:2, 10s:zero", method: "FETCH" });
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatch(/^stages: line 1, column 12: connections "zero" is not a whole number/);
  });
});
