// The KPA's arithmetic against upstream's formulas (pkg/autoscaler/scaling/autoscaler.go,
// pkg/autoscaler/aggregation/bucketing.go, pkg/reconciler/autoscaling/kpa) with an explicit clock.
import { describe, expect, it } from "@jest/globals";
import { AUTOSCALER_DEFAULTS, parseDuration, resolveAutoscaling } from "./knative/autoscaler-config.js";
import { Decider, MetricWindow, PodAutoscaler, deciderSpec, type PaInput } from "./knative/kpa.js";

const SEED = { "autoscaling.knative.dev/target": "10" };

describe("resolveAutoscaling (target.go, decider.go)", () => {
  it("applies the 70% utilization to the seed's target annotation of 10", () => {
    const s = resolveAutoscaling(SEED, 0);
    expect(s.total).toBe(10);
    expect(s.target).toBeCloseTo(7);
  });

  it("defaults to 100 × 70% without annotation or containerConcurrency", () => {
    const s = resolveAutoscaling({}, 0);
    expect(s.total).toBe(100);
    expect(s.target).toBeCloseTo(70);
    expect(s.targetBurstCapacity).toBe(211);
    expect(s.stableWindowMs).toBe(60_000);
    expect(s.panicWindowMs).toBe(6_000);
    expect(s.panicThreshold).toBe(2);
    expect(s.initialScale).toBe(1);
  });

  it("uses containerConcurrency as the total and caps the annotation by it", () => {
    expect(resolveAutoscaling({}, 5).total).toBe(5);
    expect(resolveAutoscaling(SEED, 5).total).toBe(5);
    expect(resolveAutoscaling(SEED, 50).total).toBe(10);
  });

  it("reads utilization, window, bounds and the legacy spellings", () => {
    const s = resolveAutoscaling(
      {
        "autoscaling.knative.dev/target-utilization-percentage": "50",
        "autoscaling.knative.dev/window": "10s",
        "autoscaling.knative.dev/minScale": "2",
        "autoscaling.knative.dev/max-scale": "4",
        "autoscaling.knative.dev/initial-scale": "3",
      },
      0,
    );
    expect(s.target).toBe(50);
    expect(s.stableWindowMs).toBe(10_000);
    expect(s.panicWindowMs).toBe(1_000);
    expect([s.minScale, s.maxScale, s.initialScale]).toEqual([2, 4, 3]);
  });

  it("ignores initial-scale 0 unless allow-zero-initial-scale (off by default)", () => {
    expect(resolveAutoscaling({ "autoscaling.knative.dev/initial-scale": "0" }, 0).initialScale).toBe(1);
  });

  it("parses Go durations", () => {
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("60")).toBeNaN();
  });
});

describe("MetricWindow (TimedFloat64Buckets)", () => {
  it("averages over the buckets written so far while the window is not full", () => {
    const w = new MetricWindow(60_000, 1_000);
    w.record(10_000, 10);
    w.record(11_000, 20);
    expect(w.average(11_000)).toBe(15);
  });

  it("treats gaps as zeros and forgets data older than the window", () => {
    const w = new MetricWindow(6_000, 1_000);
    w.record(0, 6);
    w.record(2_000, 6);
    // Buckets 0..2 hold 6, 0, 6.
    expect(w.average(2_000)).toBe(4);
    // Two seconds without writes: the average is over the valid part of the window.
    expect(w.average(4_000)).toBe(4);
    expect(w.isEmpty(20_000)).toBe(true);
    expect(w.average(20_000)).toBe(0);
  });

  it("adds records in the same bucket, as the activator's and the pods' stats add up", () => {
    const w = new MetricWindow(60_000, 1_000);
    w.record(5_000, 3);
    w.record(5_500, 4);
    expect(w.average(5_900)).toBe(7);
  });
});

function decider(annotations: Record<string, string> = SEED, ready = 1, reachable = true) {
  return new Decider(deciderSpec(resolveAutoscaling(annotations, 0), 1, reachable), ready, 0);
}

describe("Decider.scale (autoscaler.go)", () => {
  it("wants ceil(observed concurrency / (target × 70%)) pods: the seed's 2, not 5", () => {
    // ~10 requests in the pods at once (not the client's 50 connections) against target 10 × 0.7 = 7.
    expect(decider().scale(1000, 1, 10.5, 10.5).desired).toBe(2);
    // Had all 50 connections been inside the pods: ceil(50 / 7) = 8, still not 50 / 10 = 5.
    expect(decider().scale(1000, 8, 50, 50).desired).toBe(8);
  });

  it("never scales down by more than half the ready pods per decision when reachable", () => {
    expect(decider(SEED, 1).scale(1000, 10, 0, 0).desired).toBe(5);
    expect(decider(SEED, 1, false).scale(1000, 10, 0, 0).desired).toBe(0);
  });

  it("limits scale-up to 1000 × ready pods", () => {
    expect(decider({ "autoscaling.knative.dev/target": "0.01" }).scale(1000, 1, 1e6, 1e6).desired).toBe(1000);
  });

  it("starts in panic mode over more than one pod, so a restarted autoscaler does not scale down blindly", () => {
    const d = decider(SEED, 4);
    expect(d.inPanic).toBe(true);
    expect(d.scale(1_000, 4, 0, 0).desired).toBe(4);
  });

  it("panics when the panic window wants twice the ready pods, and never scales down while panicking", () => {
    const d = decider(SEED, 1);
    const burst = d.scale(1_000, 1, 2, 30);
    expect(burst.panicking).toBe(true);
    expect(burst.desired).toBe(5); // ceil(30 / 7), above the stable ceil(2 / 7) = 1
    const calmer = d.scale(3_000, 5, 2, 7);
    expect(calmer.panicking).toBe(true);
    expect(calmer.desired).toBe(5);
    // A full stable window below the threshold ends the panic; then the stable value rules.
    const after = d.scale(3_000 + 60_001, 5, 7, 7);
    expect(after.panicking).toBe(false);
    // Stable again: ceil(7 / 7) = 1, but at most half of the 5 ready pods go per decision.
    expect(after.desired).toBe(2);
  });

  it("computes excess burst capacity as floor(ready × total − 211 − panic concurrency)", () => {
    const d100 = decider({}, 1);
    expect(d100.scale(1000, 1, 0, 0).excessBurstCapacity).toBe(-111);
    expect(d100.scale(3000, 3, 0, 0).excessBurstCapacity).toBe(89);
    // The seed's target 10 keeps the activator in the path until 22 idle pods.
    expect(decider(SEED, 21).scale(1000, 21, 0, 0).excessBurstCapacity).toBe(-1);
    expect(decider(SEED, 22).scale(1000, 22, 0, 0).excessBurstCapacity).toBe(9);
    expect(
      decider({ "autoscaling.knative.dev/target-burst-capacity": "0" }, 1).scale(1000, 1, 5, 5)
        .excessBurstCapacity,
    ).toBe(0);
  });

  it("holds the largest recent decision for the scale-down delay", () => {
    const d = decider({ ...SEED, "autoscaling.knative.dev/scale-down-delay": "10s" }, 1);
    expect(d.scale(1_000, 3, 21, 21).desired).toBe(3);
    expect(d.scale(3_000, 3, 0, 0).desired).toBe(3);
    expect(d.scale(12_000, 3, 0, 0).desired).toBe(1);
  });
});

const TIMINGS = {
  stableWindowMs: 60_000,
  scaleToZeroGracePeriodMs: 30_000,
  scaleToZeroPodRetentionMs: 0,
  activationTimeoutMs: 630_000,
};

function input(
  now: number,
  desired: number,
  readyPods: number,
  currentReplicas: number,
  extra: Partial<PaInput> = {},
): PaInput {
  return { now, desired, excessBurstCapacity: -1, readyPods, currentReplicas, reachable: true, ...extra };
}

describe("PodAutoscaler (kpa.go, scaler.go)", () => {
  it("activates with the initial scale, then goes to zero only after a stable window active and the grace period", () => {
    const pa = new PodAutoscaler({ minScale: 0, maxScale: 0, initialScale: 1 }, TIMINGS, 0);
    // No metrics yet while the first pod starts: keep the Deployment as created.
    let out = pa.reconcile(input(1_000, -1, 0, 1));
    expect(out).toMatchObject({ applyReplicas: undefined, active: "Activating", activeReason: "Queued" });
    out = pa.reconcile(input(3_000, -1, 1, 1));
    expect(out.active).toBe("Active");
    expect(pa.scaleTargetInitialized).toBe(true);
    // Idle, but active for less than the stable window: stay at one pod.
    out = pa.reconcile(input(30_000, 0, 1, 1));
    expect(out).toMatchObject({ want: 1, applyReplicas: undefined, active: "Active" });
    // Active for a stable window: inactive first (NoTraffic), no scaling yet...
    out = pa.reconcile(input(63_000, 0, 1, 1));
    expect(out).toMatchObject({
      want: 0,
      applyReplicas: undefined,
      active: "Inactive",
      activeReason: "NoTraffic",
    });
    // ...then zero once the activator has been in the path for the grace period (it was all along here).
    out = pa.reconcile(input(65_000, 0, 1, 1));
    expect(out.applyReplicas).toBe(0);
  });

  it("waits the full grace period after the activator enters the path", () => {
    const pa = new PodAutoscaler({ minScale: 0, maxScale: 0, initialScale: 1 }, TIMINGS, 0);
    pa.reconcile(input(1_000, -1, 1, 1, { excessBurstCapacity: 100 }));
    pa.reconcile(input(2_000, 1, 1, 1, { excessBurstCapacity: 100 }));
    expect(pa.mode).toBe("Serve");
    let out = pa.reconcile(input(70_000, 0, 1, 1, { excessBurstCapacity: 100 }));
    expect(out).toMatchObject({ mode: "Proxy", active: "Inactive", applyReplicas: undefined });
    out = pa.reconcile(input(90_000, 0, 1, 1));
    expect(out.applyReplicas).toBeUndefined();
    out = pa.reconcile(input(100_001, 0, 1, 1));
    expect(out.applyReplicas).toBe(0);
  });

  it("scales from zero on demand and is Active once the pod is ready", () => {
    const pa = new PodAutoscaler({ minScale: 0, maxScale: 0, initialScale: 1 }, TIMINGS, 0);
    pa.reconcile(input(1_000, -1, 1, 1));
    pa.reconcile(input(70_000, 0, 1, 1));
    pa.reconcile(input(72_000, 0, 1, 1));
    const out = pa.reconcile(input(200_000, 1, 0, 0));
    expect(out).toMatchObject({ applyReplicas: 1, active: "Activating" });
    expect(pa.reconcile(input(201_000, 1, 1, 1)).active).toBe("Active");
  });

  it("gives up an activation after the progress deadline plus 30 s (TimedOut)", () => {
    const pa = new PodAutoscaler({ minScale: 0, maxScale: 0, initialScale: 1 }, TIMINGS, 0);
    expect(pa.reconcile(input(600_000, -1, 0, 1)).applyReplicas).toBeUndefined();
    const out = pa.reconcile(input(630_000, -1, 0, 1));
    expect(out).toMatchObject({ applyReplicas: 0, active: "Inactive", activeReason: "TimedOut" });
    expect(pa.scaleTargetInitialized).toBe(false);
  });

  it("applies min-scale, max-scale and an initial scale above one", () => {
    const pa = new PodAutoscaler({ minScale: 2, maxScale: 4, initialScale: 3 }, TIMINGS, 0);
    expect(pa.reconcile(input(1_000, 0, 0, 3)).want).toBe(3);
    pa.reconcile(input(2_000, 0, 3, 3));
    expect(pa.reconcile(input(4_000, 0, 3, 3)).applyReplicas).toBe(2);
    expect(pa.reconcile(input(6_000, 9, 2, 2)).applyReplicas).toBe(4);
  });

  it("defaults match upstream's config", () => {
    expect(AUTOSCALER_DEFAULTS.tickIntervalMs).toBe(2_000);
    expect(AUTOSCALER_DEFAULTS.maxScaleDownRate).toBe(2);
    expect(AUTOSCALER_DEFAULTS.scaleToZeroGracePeriodMs).toBe(30_000);
  });
});

describe("the panic window (resources/metric.go MakeMetric)", () => {
  it("rounds stable × percentage to whole seconds, at least one bucket", () => {
    const w = (window: string, pct: string) =>
      resolveAutoscaling(
        { "autoscaling.knative.dev/window": window, "autoscaling.knative.dev/panic-window-percentage": pct },
        0,
      ).panicWindowMs;
    expect(w("60s", "10")).toBe(6_000);
    expect(w("7s", "10")).toBe(1_000);
    expect(w("25s", "10")).toBe(3_000); // 2.5 s rounds half away from zero
    expect(w("6s", "1")).toBe(1_000); // 60 ms → 0 s → one bucket
  });
});
