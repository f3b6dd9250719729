// The Knative Pod Autoscaler, as pure state machines over an explicit clock (milliseconds):
// - MetricWindow: pkg/autoscaler/aggregation/bucketing.go TimedFloat64Buckets (averages over a partial window
//   until a full window of data exists; a window without writes reads as no data).
// - Decider: pkg/autoscaler/scaling/autoscaler.go Scale (stable/panic desired pods, rate limits, panic mode,
//   scale-down delay, excess burst capacity).
// - PodAutoscaler: pkg/reconciler/autoscaling/kpa (kpa.go computeActiveCondition, scaler.go scale and
//   handleScaleToZero): min/max/initial scale, Active/Activating/Inactive, scale to zero after the stable window
//   and the grace period, activation timeout, and whether the activator stays in the request path.
// Times are "scaled" milliseconds: the caller multiplies every upstream duration by the simulator's time scale.
import type { AutoscalingSpec } from "./autoscaler-config.js";

export class MetricWindow {
  private buckets: number[];
  private firstIdx: number | null = null;
  private lastIdx: number | null = null;
  private total = 0;

  constructor(
    readonly windowMs: number,
    readonly granularityMs: number,
  ) {
    this.buckets = new Array(Math.max(1, Math.ceil(windowMs / granularityMs))).fill(0);
  }

  private index(now: number): number {
    return Math.floor(now / this.granularityMs);
  }

  /** Adds a value to the bucket of `now` (several records in one bucket add up, as upstream). */
  record(now: number, value: number): void {
    const n = this.buckets.length;
    const idx = this.index(now);
    if (this.lastIdx === null || idx !== this.lastIdx) {
      if (this.lastIdx !== null && idx + n <= this.lastIdx) return; // older than a window: dropped
      if (this.firstIdx === null || this.firstIdx > idx) this.firstIdx = idx;
      if (this.lastIdx === null || idx > this.lastIdx) {
        if (this.lastIdx === null || idx - this.lastIdx >= n) {
          this.firstIdx = idx;
          this.buckets.fill(0);
          this.total = 0;
        } else {
          for (let i = this.lastIdx + 1; i <= idx; i++) {
            this.total -= this.buckets[i % n];
            this.buckets[i % n] = 0;
          }
        }
        this.lastIdx = idx;
      }
    }
    this.buckets[idx % n] += value;
    this.total += value;
  }

  /** True when nothing was recorded for a whole window. */
  isEmpty(now: number): boolean {
    return this.lastIdx === null || (this.index(now) - this.lastIdx) * this.granularityMs > this.windowMs;
  }

  average(now: number): number {
    if (this.lastIdx === null || this.firstIdx === null) return 0;
    const n = this.buckets.length;
    const d = this.index(now) - this.lastIdx;
    const span = this.lastIdx - this.firstIdx + 1;
    if (d <= 0) return round6(this.total / Math.min(span, n));
    if (d >= n) return 0;
    let sum = this.total;
    for (let i = this.lastIdx + 1; i <= this.lastIdx + d; i++) sum -= this.buckets[i % n];
    return round6(sum / Math.min(span, n - d));
  }
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export interface ScaleResult {
  desired: number;
  excessBurstCapacity: number;
  panicking: boolean;
  /** The inputs, for explanations and logs. */
  observedStable: number;
  observedPanic: number;
  readyPods: number;
}

export interface DeciderSpec {
  target: number;
  total: number;
  targetBurstCapacity: number;
  panicThreshold: number;
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  stableWindowMs: number;
  scaleDownDelayMs: number;
  activationScale: number;
  reachable: boolean;
}

/** One revision's decider: autoscaler.go Scale with upstream's arithmetic. */
export class Decider {
  private panicTime: number | null = null;
  private maxPanicPods: number;
  private delayed: { t: number; v: number }[] = [];

  constructor(
    public spec: DeciderSpec,
    initialReadyPods: number,
    now: number,
  ) {
    // A decider created over more than one pod starts in panic mode so a restart never scales down blindly.
    this.maxPanicPods = initialReadyPods;
    if (initialReadyPods > 1) this.panicTime = now;
  }

  get inPanic(): boolean {
    return this.panicTime !== null;
  }

  scale(now: number, readyPodCount: number, observedStable: number, observedPanic: number): ScaleResult {
    const spec = this.spec;
    const readyPods = Math.max(1, readyPodCount);
    const maxScaleUp = Math.ceil(spec.maxScaleUpRate * readyPods);
    const maxScaleDown = spec.reachable ? Math.floor(readyPods / spec.maxScaleDownRate) : 0;
    const dspc = Math.ceil(observedStable / spec.target);
    const dppc = Math.ceil(observedPanic / spec.target);
    let desiredStable = Math.min(Math.max(dspc, maxScaleDown), maxScaleUp);
    let desiredPanic = Math.min(Math.max(dppc, maxScaleDown), maxScaleUp);
    if (spec.activationScale > 1) {
      if (dspc > 0 && spec.activationScale > desiredStable) desiredStable = spec.activationScale;
      if (dppc > 0 && spec.activationScale > desiredPanic) desiredPanic = spec.activationScale;
    }

    const overThreshold = dppc / readyPods >= spec.panicThreshold;
    if (this.panicTime === null && overThreshold) {
      this.panicTime = now;
    } else if (overThreshold) {
      this.panicTime = now;
    } else if (this.panicTime !== null && this.panicTime + spec.stableWindowMs < now) {
      this.panicTime = null;
      this.maxPanicPods = 0;
    }

    let desired = desiredStable;
    if (this.panicTime !== null) {
      // In panic the larger estimate wins and the count never goes down.
      if (desired < desiredPanic) desired = desiredPanic;
      if (desired > this.maxPanicPods) this.maxPanicPods = desired;
      desired = this.maxPanicPods;
    }

    if (spec.reachable && spec.scaleDownDelayMs > 0) {
      this.delayed.push({ t: now, v: desired });
      this.delayed = this.delayed.filter((e) => e.t > now - spec.scaleDownDelayMs);
      desired = Math.max(...this.delayed.map((e) => e.v));
    }

    let ebc = -1;
    if (spec.targetBurstCapacity === 0) ebc = 0;
    else if (spec.targetBurstCapacity > 0) {
      ebc = Math.floor(readyPodCount * spec.total - spec.targetBurstCapacity - observedPanic);
    }
    return {
      desired,
      excessBurstCapacity: ebc,
      panicking: this.panicTime !== null,
      observedStable,
      observedPanic,
      readyPods: readyPodCount,
    };
  }
}

export type ActiveState = "Activating" | "Active" | "Inactive";
export type SksMode = "Proxy" | "Serve";

export interface PaInput {
  now: number;
  /** The decider's desired count, or -1 when it has no metrics yet. */
  desired: number;
  excessBurstCapacity: number;
  readyPods: number;
  /** The Deployment's current spec.replicas. */
  currentReplicas: number;
  reachable: boolean;
}

export interface PaOutput {
  /** New spec.replicas for the Deployment, when it should change. */
  applyReplicas?: number;
  /** What the PA wants (-1 unknown), as PodAutoscaler status.desiredScale. */
  want: number;
  mode: SksMode;
  active: ActiveState;
  /** Reason and message of the Active condition (kpa.go). */
  activeReason?: string;
  activeMessage?: string;
  /** When to reconcile again at the latest (the upstream re-enqueue), absolute ms. */
  requeueAt?: number;
}

export interface PaTimings {
  stableWindowMs: number;
  scaleToZeroGracePeriodMs: number;
  scaleToZeroPodRetentionMs: number;
  activationTimeoutMs: number;
}

/** The PodAutoscaler's status and the KPA reconciler's decisions for one revision. */
export class PodAutoscaler {
  active: ActiveState = "Activating";
  activeSince: number;
  activeReason = "Queued";
  activeMessage = "Requests to the target are being buffered as resources are provisioned.";
  scaleTargetInitialized = false;
  mode: SksMode = "Proxy";
  modeSince: number;
  want = -1;

  constructor(
    public bounds: { minScale: number; maxScale: number; initialScale: number; enableScaleToZero?: boolean },
    public timings: PaTimings,
    now: number,
  ) {
    this.activeSince = now;
    this.modeSince = now;
  }

  reconcile(input: PaInput): PaOutput {
    const { now } = input;
    let requeueAt: number | undefined;
    const { want, apply, requeue } = this.scale(input);
    if (requeue !== undefined) requeueAt = requeue;

    let mode: SksMode = "Proxy";
    if (want === -1 && this.active === "Inactive") mode = "Proxy";
    else if (want > 0 && input.excessBurstCapacity >= 0) mode = "Serve";
    if (mode !== this.mode) {
      this.mode = mode;
      this.modeSince = now;
    }
    this.want = want;
    this.computeActiveCondition(input.readyPods, want, input.reachable, now);
    return {
      applyReplicas: apply !== undefined && apply !== input.currentReplicas ? apply : undefined,
      want,
      mode,
      active: this.active,
      activeReason: this.activeReason,
      activeMessage: this.activeMessage,
      requeueAt,
    };
  }

  private scaleBounds(reachable: boolean): { min: number; max: number } {
    // ScaleBounds: an unreachable revision (no route sends it traffic) ignores min-scale.
    return { min: reachable ? this.bounds.minScale : 0, max: this.bounds.maxScale };
  }

  private scale(input: PaInput): { want: number; apply?: number; requeue?: number } {
    let desired = input.desired;
    if (desired < 0 && this.active !== "Activating") return { want: desired };
    let { min } = this.scaleBounds(input.reachable);
    const { max } = this.scaleBounds(input.reachable);
    const initial = this.bounds.initialScale;
    if (initial > 1 && !this.scaleTargetInitialized && input.reachable) min = Math.max(initial, min);
    if (desired < min) desired = min;
    if (max !== 0 && desired > max) desired = max;
    if (desired !== 0) return { want: desired, apply: desired };
    return this.handleScaleToZero(input.now, input.reachable);
  }

  private handleScaleToZero(
    now: number,
    reachable: boolean,
  ): { want: number; apply?: number; requeue?: number } {
    const t = this.timings;
    // config-autoscaler enable-scale-to-zero: false → one pod instead of zero (scaler.go handleScaleToZero).
    if (this.bounds.enableScaleToZero === false) return { want: 1, apply: 1 };
    switch (this.active) {
      case "Activating":
        if (now - this.activeSince >= t.activationTimeoutMs) return { want: 0, apply: 0 };
        return { want: -1, requeue: this.activeSince + t.activationTimeoutMs };
      case "Active": {
        const activeFor = now - this.activeSince;
        if (activeFor >= t.stableWindowMs) return { want: 0 }; // mark inactive first, scale later
        return { want: 1, apply: 1, requeue: this.activeSince + t.stableWindowMs };
      }
      case "Inactive": {
        const retention = reachable ? t.scaleToZeroPodRetentionMs : 0;
        const lastPodMax = Math.max(t.scaleToZeroGracePeriodMs, retention);
        const inactiveFor = now - this.activeSince;
        if (inactiveFor >= lastPodMax) return { want: 0, apply: 0 };
        if (retention > 0 && inactiveFor < retention)
          return { want: 0, requeue: this.activeSince + retention };
        // Fast path: the activator has already been in the path for the grace period.
        const proxyFor = this.mode === "Proxy" ? now - this.modeSince : 0;
        if (proxyFor >= t.scaleToZeroGracePeriodMs) return { want: 0, apply: 0 };
        const from = this.mode === "Proxy" ? this.modeSince : now;
        return { want: 0, requeue: from + t.scaleToZeroGracePeriodMs };
      }
    }
  }

  private computeActiveCondition(ready: number, want: number, reachable: boolean, now: number): void {
    const { min } = this.scaleBounds(reachable);
    const minReady = this.scaleTargetInitialized ? Math.max(min, 1) : Math.max(min, this.bounds.initialScale);
    if (ready >= minReady) this.scaleTargetInitialized = true;
    if (want === 0 || minReady === 0) {
      if (this.active === "Activating" && minReady > 0) {
        this.setActive("Inactive", now, "TimedOut", "The target could not be activated.");
      } else {
        this.setActive("Inactive", now, "NoTraffic", "The target is not receiving traffic.");
      }
    } else if (ready < minReady) {
      if (want > 0 || this.active !== "Inactive") {
        this.setActive(
          "Activating",
          now,
          "Queued",
          "Requests to the target are being buffered as resources are provisioned.",
        );
      }
    } else if (want > 0 || this.active !== "Inactive") {
      this.setActive("Active", now, "", "");
    }
  }

  private setActive(state: ActiveState, now: number, reason: string, message: string): void {
    if (state !== this.active) this.activeSince = now;
    this.active = state;
    this.activeReason = reason;
    this.activeMessage = message;
  }
}

/** The decider spec of a resolved autoscaling spec. */
export function deciderSpec(spec: AutoscalingSpec, timeScale: number, reachable: boolean): DeciderSpec {
  return {
    target: spec.target,
    total: spec.total,
    targetBurstCapacity: spec.targetBurstCapacity,
    panicThreshold: spec.panicThreshold,
    maxScaleUpRate: spec.maxScaleUpRate,
    maxScaleDownRate: spec.maxScaleDownRate,
    stableWindowMs: spec.stableWindowMs * timeScale,
    scaleDownDelayMs: spec.scaleDownDelayMs * timeScale,
    activationScale: spec.activationScale,
    reachable,
  };
}
