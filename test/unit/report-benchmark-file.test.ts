import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inputErrorsOf } from "../../src/config/errors.js";
import { parseSettings } from "../../src/config/parse.js";
import { benchmarkEntries, throughputPath, writeBenchmarkFiles } from "../../src/report/benchmark-file.js";
import { coldStartDoc, deployFailureDoc, failingDoc, passingDoc } from "./fixtures/results.js";

describe("benchmark-file (github-action-benchmark's custom JSON)", () => {
  it("puts what is better smaller in one list and throughput in the other, in the run's units", () => {
    const { smallerIsBetter, biggerIsBetter } = benchmarkEntries(failingDoc())!;
    expect(smallerIsBetter.map(({ name, unit, value }) => ({ name, unit, value }))).toEqual([
      { name: "p50 latency", unit: "ms", value: 51 },
      { name: "p90 latency", unit: "ms", value: 96.1 },
      { name: "p99 latency", unit: "ms", value: 158 },
      { name: "p99.9 latency", unit: "ms", value: 402.5 },
      { name: "error rate", unit: "%", value: 0.278 },
      { name: "max serving pods", unit: "pods", value: 3 },
    ]);
    expect(biggerIsBetter.map(({ name, unit, value }) => ({ name, unit, value }))).toEqual([
      { name: "throughput", unit: "rps", value: 802.3 },
    ]);
    // The tooltip says what was measured.
    expect(biggerIsBetter[0].extra).toBe(
      "revision helloworld-go-00001, 50 connections, 30 s, closed loop, 24070 requests",
    );
  });

  it("adds the cold start when it was measured, and writes nothing for a run that did not finish", () => {
    expect(benchmarkEntries(coldStartDoc())!.smallerIsBetter.at(-1)).toMatchObject({
      name: "cold start",
      unit: "ms",
      value: 2417.6,
    });
    expect(benchmarkEntries(passingDoc())!.smallerIsBetter.map((e) => e.name)).not.toContain("cold start");
    expect(benchmarkEntries(deployFailureDoc())).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), "kpg-bench-"));
    expect(writeBenchmarkFiles(join(dir, "perf.json"), deployFailureDoc())).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("writes two JSON arrays of {name, unit, value}: the file named and its -throughput.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "kpg-bench-"));
    const written = writeBenchmarkFiles(join(dir, "out", "perf.json"), passingDoc());
    expect(written).toEqual([join(dir, "out", "perf.json"), join(dir, "out", "perf-throughput.json")]);
    for (const path of written) {
      const entries = JSON.parse(readFileSync(path, "utf8")) as unknown[];
      expect(Array.isArray(entries)).toBe(true);
      for (const entry of entries) {
        expect(entry).toEqual({
          name: expect.any(String),
          unit: expect.any(String),
          value: expect.any(Number),
          extra: expect.any(String),
        });
      }
    }
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["perf-throughput.json", "perf.json"]);
    expect(throughputPath("bench")).toBe("bench-throughput.json");
    expect(throughputPath("a/b.JSON")).toBe("a/b-throughput.json");
  });

  it("is optional, and a path that is not a file is bad input naming benchmark-file", () => {
    const ctx = {
      readFile: () => readFileSync("examples/helloworld-service.yaml", "utf8"),
    };
    const settings = (extra: Record<string, string>) =>
      parseSettings({ "service-file": "s.yaml", ...extra }, ctx);
    expect(settings({}).benchmarkFile).toBeUndefined();
    expect(settings({ "benchmark-file": "perf.json" }).benchmarkFile).toBe("perf.json");
    let problems: string[] = [];
    try {
      settings({ "benchmark-file": "out/" });
    } catch (error) {
      problems = inputErrorsOf(error).map((e) => e.input);
    }
    expect(problems).toEqual(["benchmark-file"]);
  });
});
