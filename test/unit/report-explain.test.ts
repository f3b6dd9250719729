import { describe, expect, test } from "@jest/globals";
import { describePods, expectedPods, explainPods, perPodTarget } from "../../src/report/explain.js";
import { passingDoc } from "./fixtures/results.js";

const defaults = { target: 10, utilizationPercent: 70, minScale: 0, maxScale: 0 };

describe("perPodTarget and expectedPods (the KPA's arithmetic)", () => {
  test("target 10 at 70 % utilization aims each pod at 7 concurrent requests", () => {
    expect(perPodTarget(10, 70)).toBeCloseTo(7);
    expect(perPodTarget(100, 70)).toBeCloseTo(70);
    expect(perPodTarget(0, 70)).toBe(0.01);
  });

  test("expected pods = ceil(in-pod concurrency / per-pod target)", () => {
    expect(expectedPods(0, defaults)).toBe(0);
    expect(expectedPods(1, defaults)).toBe(1);
    expect(expectedPods(7, defaults)).toBe(1);
    expect(expectedPods(7.01, defaults)).toBe(2);
    expect(expectedPods(14, defaults)).toBe(2);
    expect(expectedPods(50, defaults)).toBe(8);
  });

  test("min-scale and max-scale bound the result; max-scale 0 means unlimited", () => {
    expect(expectedPods(0, { ...defaults, minScale: 2 })).toBe(2);
    expect(expectedPods(50, { ...defaults, maxScale: 3 })).toBe(3);
    expect(expectedPods(500, defaults)).toBe(72);
  });
});

describe("explainPods on the seed's run (802 rps, 62 ms mean, 50 connections, 2 pods)", () => {
  const e = explainPods(passingDoc())!;

  test("the client's in-flight requests follow Little's law: rps × mean latency ≈ connections", () => {
    expect(e.load!.inFlight).toBeCloseTo(802.3 * 0.0621, 5);
    expect(e.load!.inFlight).toBeCloseTo(50, 0);
    expect(e.load!.ceilingPods).toBe(8);
    expect(e.naivePods).toBe(5);
  });

  test("2 pods mean 7 < in-pod concurrency <= 14, i.e. ~9-17 ms per request in the pod", () => {
    expect(e.observed).toEqual({ pods: 2, when: "final" });
    expect(e.inPod!.low).toBeCloseTo(7);
    expect(e.inPod!.high).toBeCloseTo(14);
    expect(e.inPodMs!.low).toBeCloseTo((7 / 802.3) * 1000, 3);
    expect(e.inPodMs!.high).toBeCloseTo((14 / 802.3) * 1000, 3);
    expect(e.onWireShare!).toBeCloseTo(1 - 14 / e.load!.inFlight, 6);
    expect(e.onWireShare!).toBeGreaterThan(0.7);
    expect(e.bound).toBeNull();
    expect(e.aboveCeiling).toBe(false);
  });

  test("the text states the rule, the observation and the reserve pods", () => {
    const lines = describePods(e).join("\n");
    expect(lines).toContain("target 10 × 70 % utilization = **7** concurrent requests");
    expect(lines).toContain("802.3 rps × 62.1 ms mean latency ≈ **50** requests in flight");
    expect(lines).toContain("⌈50 ÷ 7⌉ = 8 pods");
    expect(lines).toContain("50 ÷ 10 = 5");
    expect(lines).toContain("about 7–14 concurrent requests in the pods");
    expect(lines).toContain("8.72 ms–17.4 ms in a pod of its 62.1 ms end to end");
    expect(lines).toContain("at least **71 %** of the in-flight requests were on the wire");
    expect(lines).toContain("Reserve pods");
  });
});

describe("explainPods edge cases", () => {
  test("falls back to the maximum when no pod was left at the end", () => {
    const doc = passingDoc();
    doc.pods!.final = { serving: 0, reserve: 1 };
    expect(explainPods(doc)!.observed).toEqual({ pods: 3, when: "max" });
  });

  test("a pod count at min-scale says nothing about the load", () => {
    const doc = passingDoc();
    doc.pods!.autoscaling.minScale = 2;
    const e = explainPods(doc)!;
    expect(e.bound).toBe("min-scale");
    expect(e.inPod).toEqual({ low: 0, high: 14 });
    expect(describePods(e).join("\n")).toContain("which is the revision's min-scale");
  });

  test("a pod count at max-scale has no upper bound on concurrency", () => {
    const doc = passingDoc();
    doc.pods!.autoscaling.maxScale = 2;
    const e = explainPods(doc)!;
    expect(e.bound).toBe("max-scale");
    expect(e.inPod!.high).toBe(Infinity);
    expect(e.onWireShare).toBeNull();
    expect(describePods(e).join("\n")).toContain("max-scale caps it");
  });

  test("more pods than every in-flight request needs is called out", () => {
    const doc = passingDoc();
    doc.pods!.final.serving = 12;
    const e = explainPods(doc)!;
    expect(e.aboveCeiling).toBe(true);
    expect(e.onWireShare).toBeNull();
    expect(describePods(e).join("\n")).toContain(
      "12 pods is more than even all 50 in-flight requests would need",
    );
  });

  test("without load figures only the rule and the observation remain", () => {
    const doc = passingDoc();
    doc.load = null;
    const e = explainPods(doc)!;
    expect(e.load).toBeNull();
    expect(e.inPodMs).toBeNull();
    const text = describePods(e).join("\n");
    expect(text).not.toContain("Little's law");
    expect(text).toContain("about 7–14 concurrent requests");
  });

  test("no pod summary, no explanation; no pods at all, nothing to infer", () => {
    const doc = passingDoc();
    doc.pods = null;
    expect(explainPods(doc)).toBeNull();
    const idle = passingDoc();
    idle.pods!.max.serving = 0;
    idle.pods!.final.serving = 0;
    const e = explainPods(idle)!;
    expect(e.inPod).toBeNull();
    expect(describePods(e).join("\n")).toContain("no serving pod was ready");
  });

  test("uses the revision's own target and utilization", () => {
    const doc = passingDoc();
    doc.pods!.autoscaling = { target: 100, utilizationPercent: 50, minScale: 0, maxScale: 0 };
    doc.pods!.final.serving = 1;
    const e = explainPods(doc)!;
    expect(e.perPodTarget).toBe(50);
    expect(e.load!.ceilingPods).toBe(1);
    expect(e.inPod).toEqual({ low: 0, high: 50 });
  });
});
