// The KPA's cluster defaults (config/core/configmaps/autoscaler.yaml, pkg/autoscaler/config/config.go) and the
// per-revision autoscaling annotations that override them (pkg/apis/autoscaling/register.go), resolved into one
// typed spec per revision. Durations here are real Kubernetes durations; the simulator's time scale is applied
// by the caller so the formulas stay the upstream ones.

export const AUTOSCALING = {
  class: "autoscaling.knative.dev/class",
  metric: "autoscaling.knative.dev/metric",
  target: "autoscaling.knative.dev/target",
  targetUtilization: "autoscaling.knative.dev/target-utilization-percentage",
  targetBurstCapacity: "autoscaling.knative.dev/target-burst-capacity",
  window: "autoscaling.knative.dev/window",
  panicWindowPercentage: "autoscaling.knative.dev/panic-window-percentage",
  panicThresholdPercentage: "autoscaling.knative.dev/panic-threshold-percentage",
  minScale: "autoscaling.knative.dev/min-scale",
  maxScale: "autoscaling.knative.dev/max-scale",
  initialScale: "autoscaling.knative.dev/initial-scale",
  activationScale: "autoscaling.knative.dev/activation-scale",
  scaleDownDelay: "autoscaling.knative.dev/scale-down-delay",
  scaleToZeroPodRetention: "autoscaling.knative.dev/scale-to-zero-pod-retention-period",
} as const;

// Pre-1.0 spellings that the webhook still accepts.
const LEGACY: Record<string, string> = {
  [AUTOSCALING.minScale]: "autoscaling.knative.dev/minScale",
  [AUTOSCALING.maxScale]: "autoscaling.knative.dev/maxScale",
  [AUTOSCALING.initialScale]: "autoscaling.knative.dev/initialScale",
};

export const AUTOSCALER_DEFAULTS = {
  containerConcurrencyTargetDefault: 100,
  containerConcurrencyTargetPercentage: 70,
  requestsPerSecondTargetDefault: 200,
  targetBurstCapacity: 211,
  stableWindowMs: 60_000,
  panicWindowPercentage: 10,
  panicThresholdPercentage: 200,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  scaleToZeroGracePeriodMs: 30_000,
  scaleToZeroPodRetentionMs: 0,
  scaleDownDelayMs: 0,
  initialScale: 1,
  allowZeroInitialScale: false,
  minScale: 0,
  maxScale: 0,
  /** pkg/autoscaler/scaling/multiscaler.go tickInterval. */
  tickIntervalMs: 2_000,
  /** Metric scrape interval and bucket granularity (pkg/autoscaler/metrics). */
  bucketMs: 1_000,
  /** config-deployment progress-deadline. */
  progressDeadlineMs: 600_000,
  /** kpa/scaler.go activationTimeoutBuffer, added to the progress deadline before a stuck activation gives up. */
  activationTimeoutBufferMs: 30_000,
} as const;

export type ScalingMetric = "concurrency" | "rps";

export interface AutoscalingSpec {
  metric: ScalingMetric;
  /** Per-pod value the autoscaler aims for: total × utilization, at least 0.01. */
  target: number;
  /** Per-pod capacity used in the excess-burst-capacity formula. */
  total: number;
  utilization: number;
  targetBurstCapacity: number;
  stableWindowMs: number;
  panicWindowMs: number;
  panicThreshold: number;
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  minScale: number;
  maxScale: number;
  initialScale: number;
  activationScale: number;
  scaleDownDelayMs: number;
  scaleToZeroGracePeriodMs: number;
  scaleToZeroPodRetentionMs: number;
  progressDeadlineMs: number;
  containerConcurrency: number;
  /** config-autoscaler enable-scale-to-zero (kpa/scaler.go handleScaleToZero: false keeps one pod). */
  enableScaleToZero: boolean;
  /** autoscaling.knative.dev/class, else config-autoscaler pod-autoscaler-class. */
  class: string;
}

export const KPA_CLASS = "kpa.autoscaling.knative.dev";
export const HPA_CLASS = "hpa.autoscaling.knative.dev";

/**
 * The cluster-wide values of config-autoscaler and config-deployment that replace upstream's defaults
 * (cluster-config.ts reads them); anything left out keeps the default.
 */
export interface ClusterAutoscaling {
  podAutoscalerClass?: string;
  enableScaleToZero?: boolean;
  allowZeroInitialScale?: boolean;
  containerConcurrencyTargetDefault?: number;
  /** A fraction (0, 1], as NewConfigFromMap stores it. */
  containerConcurrencyTargetFraction?: number;
  requestsPerSecondTargetDefault?: number;
  targetBurstCapacity?: number;
  stableWindowMs?: number;
  panicWindowPercentage?: number;
  panicThresholdPercentage?: number;
  maxScaleUpRate?: number;
  maxScaleDownRate?: number;
  scaleToZeroGracePeriodMs?: number;
  scaleToZeroPodRetentionMs?: number;
  scaleDownDelayMs?: number;
  initialScale?: number;
  minScale?: number;
  maxScale?: number;
  progressDeadlineMs?: number;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Parses a Go duration ("60s", "1m30s", "500ms", "2h"); returns milliseconds or NaN. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index !== consumed) return NaN;
    total += Number(m[1]) * units[m[2]];
    consumed = re.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : NaN;
}

function annotation(annotations: Record<string, string>, key: string): string | undefined {
  return annotations[key] ?? (LEGACY[key] ? annotations[LEGACY[key]] : undefined);
}

function number(annotations: Record<string, string>, key: string): number | undefined {
  const v = annotation(annotations, key);
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function duration(annotations: Record<string, string>, key: string): number | undefined {
  const v = annotation(annotations, key);
  if (v === undefined) return undefined;
  const ms = parseDuration(v.trim());
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Resolves a revision's autoscaling spec: MakeDecider + ResolveMetricTarget
 * (pkg/reconciler/autoscaling/kpa/resources/decider.go, pkg/reconciler/autoscaling/resources/target.go).
 */
export function resolveAutoscaling(
  annotations: Record<string, string> = {},
  containerConcurrency = 0,
  cluster: ClusterAutoscaling = {},
): AutoscalingSpec {
  const d = { ...AUTOSCALER_DEFAULTS, ...definedOnly(cluster) };
  const metric: ScalingMetric = annotations[AUTOSCALING.metric] === "rps" ? "rps" : "concurrency";
  let total: number;
  if (metric === "rps") {
    total = d.requestsPerSecondTargetDefault;
  } else {
    total = containerConcurrency > 0 ? containerConcurrency : d.containerConcurrencyTargetDefault;
  }
  const annotated = number(annotations, AUTOSCALING.target);
  if (annotated !== undefined && annotated > 0) {
    total =
      metric === "concurrency" && containerConcurrency > 0
        ? Math.min(annotated, containerConcurrency)
        : annotated;
  }
  // TargetUtilization(): the annotation ÷ 100, else the cluster's fraction (config-autoscaler).
  const annotatedUtilization = number(annotations, AUTOSCALING.targetUtilization);
  const utilization =
    annotatedUtilization !== undefined
      ? annotatedUtilization / 100
      : (cluster.containerConcurrencyTargetFraction ?? d.containerConcurrencyTargetPercentage / 100);
  const stableWindowMs = duration(annotations, AUTOSCALING.window) ?? d.stableWindowMs;
  const panicPct = number(annotations, AUTOSCALING.panicWindowPercentage) ?? d.panicWindowPercentage;
  const minScale = Math.max(0, Math.floor(number(annotations, AUTOSCALING.minScale) ?? d.minScale));
  const maxScale = Math.max(0, Math.floor(number(annotations, AUTOSCALING.maxScale) ?? d.maxScale));
  const annotatedInitial = number(annotations, AUTOSCALING.initialScale);
  // GetInitialScale: 0 only counts when allow-zero-initial-scale is on (it is off by default).
  const initialScale =
    annotatedInitial === undefined || (annotatedInitial === 0 && !d.allowZeroInitialScale)
      ? d.initialScale
      : Math.floor(annotatedInitial);
  return {
    metric,
    target: Math.max(0.01, total * utilization),
    total,
    utilization,
    targetBurstCapacity: number(annotations, AUTOSCALING.targetBurstCapacity) ?? d.targetBurstCapacity,
    stableWindowMs,
    // MakeMetric (pkg/reconciler/autoscaling/resources/metric.go): rounded to whole seconds, at least a bucket.
    panicWindowMs: Math.max(d.bucketMs, Math.round((stableWindowMs * panicPct) / 100 / 1000) * 1000),
    panicThreshold:
      (number(annotations, AUTOSCALING.panicThresholdPercentage) ?? d.panicThresholdPercentage) / 100,
    maxScaleUpRate: d.maxScaleUpRate,
    enableScaleToZero: cluster.enableScaleToZero ?? true,
    maxScaleDownRate: d.maxScaleDownRate,
    minScale,
    maxScale,
    initialScale,
    activationScale: Math.max(0, Math.floor(number(annotations, AUTOSCALING.activationScale) ?? 0)),
    scaleDownDelayMs: duration(annotations, AUTOSCALING.scaleDownDelay) ?? d.scaleDownDelayMs,
    scaleToZeroGracePeriodMs: d.scaleToZeroGracePeriodMs,
    class: annotations[AUTOSCALING.class] || cluster.podAutoscalerClass || KPA_CLASS,
    scaleToZeroPodRetentionMs:
      duration(annotations, AUTOSCALING.scaleToZeroPodRetention) ?? d.scaleToZeroPodRetentionMs,
    progressDeadlineMs:
      duration(annotations, "serving.knative.dev/progress-deadline") ?? d.progressDeadlineMs,
    containerConcurrency,
  };
}
