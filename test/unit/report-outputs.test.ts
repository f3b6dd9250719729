import { describe, expect, test } from "@jest/globals";
import { OUTPUTS } from "../../src/config/outputs.js";
import { actionOutputs, plainNumber } from "../../src/report/outputs.js";
import { coldStartDoc, deployFailureDoc, failingDoc, passingDoc } from "./fixtures/results.js";

describe("plainNumber", () => {
  test("rounds to the given decimals without trailing zeros, separators or exponents", () => {
    expect(plainNumber(158, 3)).toBe("158");
    expect(plainNumber(62.12345, 3)).toBe("62.123");
    expect(plainNumber(802.3, 3)).toBe("802.3");
    expect(plainNumber(24070, 0)).toBe("24070");
    expect(plainNumber(0.0000012, 6)).toBe("0.000001");
    expect(plainNumber(1e21, 0)).toBe("1e+21");
    expect(plainNumber(-0.0001, 3)).toBe("0");
  });

  test("is empty for unknown values", () => {
    expect(plainNumber(null)).toBe("");
    expect(plainNumber(undefined)).toBe("");
    expect(plainNumber(NaN)).toBe("");
    expect(plainNumber(Infinity)).toBe("");
  });
});

describe("actionOutputs", () => {
  test("sets every output of the action", () => {
    const outputs = actionOutputs(passingDoc(), { resultsFile: "results.json" });
    expect(Object.keys(outputs).sort()).toEqual(OUTPUTS.map((o) => o.name).sort());
  });

  test("url is where the load went: the url input, or the Service's URL when sent through a gateway", () => {
    const direct = passingDoc();
    direct.load!.target = { url: "http://10.0.0.5/" };
    expect(actionOutputs(direct, { resultsFile: "r" }).url).toBe("http://10.0.0.5/");
    expect(actionOutputs(passingDoc(), { resultsFile: "r" }).url).toBe(
      "http://helloworld-go.demo.example.com",
    );
  });

  test("a passing run: figures as plain numbers, latency in ms, error rate as a fraction", () => {
    expect(
      actionOutputs(passingDoc(), {
        resultsFile: "/w/results.json",
        commentUrl: "http://x/c/1",
        commentId: 7,
      }),
    ).toEqual({
      url: "http://helloworld-go.demo.example.com",
      revision: "helloworld-go-00001",
      "ready-seconds": "8.4",
      requests: "24070",
      rps: "802.3",
      "latency-p50": "51",
      "latency-p90": "96.1",
      "latency-p99": "158",
      "latency-max": "613",
      "error-rate": "0",
      "pods-max": "3",
      "scale-up-seconds": "",
      "cold-start-ms": "",
      passed: "true",
      verdict: "passed",
      "regressed-metrics": "",
      "results-file": "/w/results.json",
      "comment-url": "http://x/c/1",
      "comment-id": "7",
    });
  });

  test("a failing run reports its error rate and passed=false", () => {
    const outputs = actionOutputs(failingDoc(), { resultsFile: "r.json" });
    // 67 errors of 24,082 requests sent.
    expect(outputs["error-rate"]).toBe("0.002782");
    expect(outputs.passed).toBe("false");
    expect(outputs["comment-id"]).toBe("");
  });

  test("cold start in ms", () => {
    expect(actionOutputs(coldStartDoc(), { resultsFile: "r.json" })["cold-start-ms"]).toBe("2417.6");
  });

  test("a run that did not finish leaves the load outputs empty rather than zero", () => {
    const outputs = actionOutputs(deployFailureDoc(), { resultsFile: "r.json" });
    expect(outputs).toMatchObject({
      url: "",
      revision: "helloworld-go-00001",
      "ready-seconds": "",
      requests: "",
      rps: "",
      "latency-p99": "",
      "error-rate": "",
      "pods-max": "",
      passed: "false",
    });
  });
});

describe("verdict and regressed-metrics outputs", () => {
  const comparison = (
    verdicts: Array<[string, string, boolean]>,
    verdict: "passed" | "regressed" | "inconclusive",
  ) => ({
    mode: "ab" as const,
    confidence: 0.95,
    seed: 1,
    iterations: 2000,
    seconds: 10,
    onInconclusive: "pass" as const,
    verdict,
    metrics: verdicts.map(([metric, v, gating]) => ({
      metric: metric as "p99",
      baseline: 10,
      candidate: 12,
      changePercent: 20,
      interval: [15, 25] as [number, number],
      allowedPercent: 10,
      verdict: v as "regressed",
      gating,
      unit: "%" as const,
    })),
  });

  it("names the gating metrics an A/B run found regressed, not the ones only shown", () => {
    const doc = {
      ...passingDoc(),
      passed: false,
      comparison: comparison(
        [
          ["p99", "regressed", true],
          ["rps", "unchanged", true],
          ["p50", "regressed", false],
        ],
        "regressed",
      ),
    };
    const outputs = actionOutputs(doc, { resultsFile: "r.json" });
    expect(outputs.verdict).toBe("regressed");
    expect(outputs["regressed-metrics"]).toBe("p99");
  });

  it("says inconclusive for an A/B run that passed on an unclear metric, and failed for a run that did not finish", () => {
    const unclear = {
      ...passingDoc(),
      comparison: comparison([["p99", "inconclusive", true]], "inconclusive"),
    };
    expect(actionOutputs(unclear, { resultsFile: "r.json" }).verdict).toBe("inconclusive");
    expect(
      actionOutputs({ ...passingDoc(), passed: false, error: "not Ready" }, { resultsFile: "r.json" })
        .verdict,
    ).toBe("failed");
  });
});
