// One mapping from how a run ended to the exit code and the line that says why, shared by the action and the CLI.
import { InputError, InputErrors } from "../../src/config/errors.js";
import { CancelledError, ClusterError } from "../../src/kube/errors.js";
import { decide, decideError, EXIT, failureOf } from "../../src/pipeline/outcome.js";
import type { ResultsDocument } from "../../src/results.js";
import { passingDoc } from "./fixtures/results.js";

const failedDoc = (): ResultsDocument => ({
  ...passingDoc(),
  passed: false,
  thresholds: [
    {
      rule: "p99 < 1ms",
      metric: "p99",
      operator: "<",
      limit: 1,
      limitText: "1 ms",
      observed: 40,
      observedText: "40 ms",
      passed: false,
    },
  ],
});

describe("failureOf", () => {
  it("tells input, cluster, cancel and bugs apart", () => {
    expect(failureOf(new InputError("service-file", "bad"))).toBe("input");
    expect(failureOf(new InputErrors([new InputError("a", "b")]))).toBe("input");
    expect(failureOf(new ClusterError("not Ready"))).toBe("cluster");
    expect(failureOf(new CancelledError("cancelled during the load test"))).toBe("cancelled");
    expect(failureOf(Object.assign(new Error("HTTP 500"), { code: 500 }))).toBe("cluster");
    expect(failureOf(Object.assign(new Error("fetch failed"), { cause: { code: "ECONNREFUSED" } }))).toBe(
      "cluster",
    );
    expect(failureOf(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe("internal");
    expect(failureOf("a string")).toBe("internal");
  });

  it("counts anything thrown after a cancel as the cancel", () => {
    const controller = new AbortController();
    controller.abort();
    expect(failureOf(new ClusterError("watch closed"), controller.signal)).toBe("cancelled");
  });
});

describe("decide", () => {
  it("passes with exit 0", () => {
    expect(decide({ doc: passingDoc() }, true)).toEqual({
      exit: EXIT.passed,
      level: "ok",
      message: "performance gate passed",
    });
  });

  it("fails a failed gate with exit 1, or only warns with fail-on-threshold: false", () => {
    const doc = failedDoc();
    expect(decide({ doc, failure: "gate" }, true)).toEqual({
      exit: 1,
      level: "fail",
      message: "performance gate failed: p99 < 1ms (observed 40 ms)",
    });
    expect(decide({ doc, failure: "gate" }, false)).toEqual({
      exit: 0,
      level: "warn",
      message: "performance gate failed: p99 < 1ms (observed 40 ms) (fail-on-threshold: false)",
    });
  });

  it("maps input 2, cluster and cancel 3, internal 4, whatever fail-on-threshold says", () => {
    const doc = { ...passingDoc(), passed: false, error: "boom" };
    for (const failOnThreshold of [true, false]) {
      expect(decide({ doc, failure: "input" }, failOnThreshold)).toMatchObject({ exit: 2, message: "boom" });
      expect(decide({ doc, failure: "cluster" }, failOnThreshold)).toMatchObject({
        exit: 3,
        message: "boom",
      });
      expect(decide({ doc, failure: "cancelled" }, failOnThreshold)).toMatchObject({ exit: 3 });
      const internal = decide({ doc, failure: "internal" }, failOnThreshold);
      expect(internal.exit).toBe(4);
      expect(internal.message).toMatch(/^internal error: boom \(a bug in knative-perf-gate/);
    }
  });
});

describe("decideError", () => {
  it("gives errors thrown outside the run the same codes", () => {
    expect(decideError(new InputError("duration", "must be a duration"))).toMatchObject({
      exit: 2,
      message: "duration: must be a duration",
    });
    expect(decideError(new ClusterError("kubeconfig: cannot be loaded"))).toMatchObject({ exit: 3 });
    expect(decideError(new RangeError("bug"))).toMatchObject({ exit: 4 });
  });
});
