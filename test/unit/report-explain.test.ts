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

describe("where the numbers come from (annotation, cluster ConfigMap, upstream default)", () => {
  const unknown = { from: "default" as const, key: null };
  function sourced(
    overrides: Partial<NonNullable<ReturnType<typeof passingDoc>["pods"]>["autoscaling"]> = {},
  ): ReturnType<typeof passingDoc> {
    const doc = passingDoc();
    doc.pods!.autoscaling = {
      target: 20,
      utilizationPercent: 70,
      minScale: 0,
      maxScale: 0,
      class: "kpa.autoscaling.knative.dev",
      metric: "concurrency",
      scaleToZero: true,
      sources: {
        target: { from: "cluster", key: "config-autoscaler/container-concurrency-target-default" },
        utilizationPercent: unknown,
        minScale: unknown,
        maxScale: unknown,
        class: unknown,
        metric: unknown,
        scaleToZero: unknown,
      },
      clusterConfig: { "config-autoscaler": "read", "config-defaults": "read" },
      ...overrides,
    };
    return doc;
  }

  test("a cluster default is named with its ConfigMap, an unset key as upstream's default", () => {
    const text = describePods(explainPods(sourced())!).join("\n");
    expect(text).toContain(
      "target 20 (cluster default, config-autoscaler) × 70 % utilization (upstream default) = **14**",
    );
    expect(text).not.toContain("assumed");
    expect(text).not.toContain("Note:");
  });

  test("annotations and containerConcurrency are named as such", () => {
    const doc = sourced({ target: 10, minScale: 2 });
    doc.pods!.autoscaling.sources!.target = { from: "annotation", key: "autoscaling.knative.dev/target" };
    doc.pods!.autoscaling.sources!.minScale = {
      from: "annotation",
      key: "autoscaling.knative.dev/min-scale",
    };
    expect(describePods(explainPods(doc)!).join("\n")).toContain(
      "target 10 (annotation autoscaling.knative.dev/target)",
    );
    expect(describePods(explainPods(doc)!).join("\n")).toContain(
      "min-scale 2 (annotation autoscaling.knative.dev/min-scale)",
    );
    doc.pods!.autoscaling.sources!.target = { from: "cluster", key: "config-defaults/container-concurrency" };
    expect(describePods(explainPods(doc)!).join("\n")).toContain(
      "target 10 (containerConcurrency, cluster default in config-defaults)",
    );
  });

  test("an unreadable ConfigMap makes defaults 'assumed' and adds one note saying why", () => {
    const doc = sourced({ target: 100 });
    doc.pods!.autoscaling.sources!.target = unknown;
    doc.pods!.autoscaling.clusterConfig = {
      "config-autoscaler": "forbidden",
      "config-defaults": "forbidden",
    };
    const text = describePods(explainPods(doc)!).join("\n");
    expect(text).toContain(
      "target 100 (upstream default, assumed) × 70 % utilization (upstream default, assumed)",
    );
    expect(text).toContain(
      "knative-serving/config-autoscaler (forbidden: no RBAC grant to get it), knative-serving/config-defaults",
    );
    expect(text).toContain("knative-config part of examples/rbac.yaml");
  });

  test("a key a results file made up is not echoed into the Markdown", () => {
    const doc = sourced();
    doc.pods!.autoscaling.sources!.target = { from: "annotation", key: "<img src=x onerror=alert(1)>" };
    const text = describePods(explainPods(doc)!).join("\n");
    expect(text).toContain("target 20 (annotation) ×");
    expect(text).not.toContain("<img");
  });

  test("scale to zero turned off by the cluster is said", () => {
    const doc = sourced({ scaleToZero: false });
    doc.pods!.autoscaling.sources!.scaleToZero = {
      from: "cluster",
      key: "config-autoscaler/enable-scale-to-zero",
    };
    expect(describePods(explainPods(doc)!).join("\n")).toContain(
      "Scale to zero is off (cluster default, config-autoscaler): the revision keeps at least one pod",
    );
  });
});

describe("revisions the KPA does not scale on concurrency get a note instead", () => {
  test("HPA class: a note on the HPA, its CPU target and bounds, no Little's law", () => {
    const doc = passingDoc();
    doc.pods!.autoscaling = {
      ...doc.pods!.autoscaling,
      target: 50,
      class: "hpa.autoscaling.knative.dev",
      metric: "cpu",
      maxScale: 5,
    };
    const e = explainPods(doc)!;
    expect(e.scaler).toBe("hpa");
    expect(e.aboveCeiling).toBe(false);
    const text = describePods(e).join("\n");
    expect(text).toContain("**HPA class:** this revision is scaled by a Kubernetes HorizontalPodAutoscaler");
    expect(text).toContain(
      "aiming at 50 % average CPU utilization of the pods' CPU request, between 1 and 5 pods",
    );
    expect(text).toContain("**Observed:** 2 serving pods when the load ended.");
    expect(text).not.toContain("Little's law");
    expect(text).not.toContain("queue-proxy");
  });

  test("HPA class without a target annotation: Kubernetes' 80 % CPU default", () => {
    const doc = passingDoc();
    doc.pods!.autoscaling = {
      ...doc.pods!.autoscaling,
      target: 80,
      class: "hpa.autoscaling.knative.dev",
      metric: "cpu",
      sources: {
        target: { from: "default", key: null },
        utilizationPercent: { from: "default", key: null },
        minScale: { from: "default", key: null },
        maxScale: { from: "default", key: null },
        class: { from: "annotation", key: "autoscaling.knative.dev/class" },
        metric: { from: "default", key: null },
        scaleToZero: { from: "default", key: null },
      },
    };
    expect(describePods(explainPods(doc)!).join("\n")).toContain(
      "80 % average CPU utilization of the pods' CPU request (Kubernetes' default: no target annotation), between 1 and unlimited pods",
    );
  });

  test("metric rps: pods follow the request rate over target × utilization", () => {
    const doc = passingDoc();
    doc.pods!.autoscaling = { ...doc.pods!.autoscaling, target: 200, metric: "rps" };
    const e = explainPods(doc)!;
    expect(e.scaler).toBe("kpa-rps");
    expect(e.load!.ceilingPods).toBe(Math.ceil(802.3 / 140));
    const text = describePods(e).join("\n");
    expect(text).toContain("= **140** requests per second");
    expect(text).toContain("⌈802.3 ÷ 140⌉ = 6 pods expected");
    expect(text).not.toContain("Little's law");
  });

  test("another class: no explanation, said so", () => {
    const doc = passingDoc();
    doc.pods!.autoscaling = { ...doc.pods!.autoscaling, class: "example.com/custom" };
    const text = describePods(explainPods(doc)!).join("\n");
    expect(text).toContain("other than Knative's KPA and HPA");
    expect(text).not.toContain("example.com/custom");
  });
});
