// What Knative's autoscaler will aim for, from the Service template and the cluster's ConfigMaps, combined the
// way serving does: ResolveMetricTarget (pkg/reconciler/autoscaling/resources/target.go), PodAutoscaler
// ScaleBounds and SetDefaults (pkg/apis/autoscaling/v1alpha1/pa_lifecycle.go, pa_defaults.go), the revision
// webhook's containerConcurrency default (pkg/apis/serving/v1/revision_defaults.go, from config-defaults) and
// the ConfigMap parser (pkg/autoscaler/config/config.go NewConfigFromMap). Every value says where it came from,
// so the report can tell a cluster's tuning from upstream's defaults. Pure.
import type { KnativeServiceManifest } from "../config/settings.js";
import type { AutoscalingSetting, AutoscalingValueSource, PodSummary } from "../results.js";
import {
  CONFIG_AUTOSCALER,
  CONFIG_DEFAULTS,
  type ConfigMapRead,
  type KnativeClusterConfig,
  UNREAD_CONFIG,
} from "./knative-config.js";

export const KPA_CLASS = "kpa.autoscaling.knative.dev";
export const HPA_CLASS = "hpa.autoscaling.knative.dev";

// pkg/autoscaler/config/config.go defaultConfig.
const UPSTREAM = {
  containerConcurrencyTargetDefault: 100,
  targetUtilizationPercent: 70,
  requestsPerSecondTargetDefault: 200,
  minScale: 0,
  maxScale: 0,
  enableScaleToZero: true,
  containerConcurrency: 0,
} as const;
// Kubernetes' HorizontalPodAutoscaler without a metric (MakeHPA sets none when the target annotation is
// absent): 80 % average CPU utilization (autoscaling/v2 defaults).
const HPA_DEFAULT_CPU_PERCENT = 80;

interface Sourced<T> {
  value: T;
  source: AutoscalingValueSource;
}

const fromAnnotation = <T>(value: T, key: string): Sourced<T> => ({
  value,
  source: { from: "annotation", key },
});
const fromDefault = <T>(value: T): Sourced<T> => ({ value, source: { from: "default", key: null } });

function annotationNumber(
  annotations: Record<string, string>,
  ...keys: string[]
): Sourced<number> | undefined {
  for (const key of keys) {
    const value = Number.parseFloat(annotations[key] ?? "");
    if (Number.isFinite(value)) return fromAnnotation(value, key);
  }
  return undefined;
}

/**
 * A key of a ConfigMap that was read, parsed as upstream's cm.AsFloat64/AsInt32/AsBool/AsString would; a value
 * upstream would reject is taken as unset (Knative's webhook refuses it, and its config watcher ignores it).
 */
function clusterValue<T>(
  read: ConfigMapRead,
  configMap: string,
  key: string,
  parse: (raw: string) => T | undefined,
): Sourced<T> | undefined {
  if (read.status !== "read") return undefined;
  const raw = read.data[key];
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = parse(raw.trim());
  return value === undefined ? undefined : { value, source: { from: "cluster", key: `${configMap}/${key}` } };
}

const asFloat = (raw: string): number | undefined => {
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
};
const asInt = (raw: string): number | undefined => {
  const n = asFloat(raw);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
};
// strconv.ParseBool
const asBool = (raw: string): boolean | undefined =>
  ["1", "t", "T", "TRUE", "true", "True"].includes(raw)
    ? true
    : ["0", "f", "F", "FALSE", "false", "False"].includes(raw)
      ? false
      : undefined;

/** container-concurrency-target-percentage: "for legacy reasons" a value in (0, 1] is a fraction. */
const asPercent = (raw: string): number | undefined => {
  const n = asFloat(raw);
  if (n === undefined || n <= 0) return undefined;
  return n > 1 ? n : Math.round(n * 100 * 1e9) / 1e9;
};

export function autoscalingOf(
  manifest: KnativeServiceManifest,
  cluster: KnativeClusterConfig = UNREAD_CONFIG,
): PodSummary["autoscaling"] {
  const template = manifest.spec.template;
  const annotations = template.metadata?.annotations ?? {};
  const autoscaler = <T>(key: string, parse: (raw: string) => T | undefined) =>
    clusterValue(cluster.autoscaler, CONFIG_AUTOSCALER, key, parse);

  const classAnnotation = annotations["autoscaling.knative.dev/class"];
  const klass: Sourced<string> = classAnnotation
    ? fromAnnotation(classAnnotation, "autoscaling.knative.dev/class")
    : (autoscaler("pod-autoscaler-class", (raw) => raw) ?? fromDefault(KPA_CLASS));
  const metricAnnotation = annotations["autoscaling.knative.dev/metric"];
  // pa_defaults.go defaultMetric: concurrency for the KPA, cpu for the HPA, none for another class.
  const metric: Sourced<string> = metricAnnotation
    ? fromAnnotation(metricAnnotation, "autoscaling.knative.dev/metric")
    : fromDefault(klass.value === KPA_CLASS ? "concurrency" : klass.value === HPA_CLASS ? "cpu" : "");

  // The webhook fills in spec.containerConcurrency from config-defaults when the template leaves it out.
  const specConcurrency = template.spec.containerConcurrency;
  const containerConcurrency: Sourced<number> =
    specConcurrency !== undefined && specConcurrency !== null && specConcurrency !== ""
      ? { value: Number(specConcurrency) || 0, source: { from: "spec", key: "containerConcurrency" } }
      : (clusterValue(cluster.defaults, CONFIG_DEFAULTS, "container-concurrency", asInt) ??
        fromDefault(UPSTREAM.containerConcurrency));

  const annotatedTarget = annotationNumber(annotations, "autoscaling.knative.dev/target");
  const annotatedUtilization = annotationNumber(
    annotations,
    "autoscaling.knative.dev/target-utilization-percentage",
  );
  let target: Sourced<number>;
  let utilization: Sourced<number>;
  if (klass.value === HPA_CLASS) {
    target = annotatedTarget ?? fromDefault(HPA_DEFAULT_CPU_PERCENT);
    utilization = annotatedUtilization ?? fromDefault(UPSTREAM.targetUtilizationPercent);
  } else if (metric.value === "rps") {
    // target.go: RPSTargetDefault with TargetUtilization, which no ConfigMap key sets.
    target =
      annotatedTarget ??
      autoscaler("requests-per-second-target-default", asFloat) ??
      fromDefault(UPSTREAM.requestsPerSecondTargetDefault);
    utilization = annotatedUtilization ?? fromDefault(UPSTREAM.targetUtilizationPercent);
  } else {
    const cc = containerConcurrency.value;
    target =
      cc > 0
        ? containerConcurrency
        : (autoscaler("container-concurrency-target-default", asFloat) ??
          fromDefault(UPSTREAM.containerConcurrencyTargetDefault));
    // "the autoscaler does not aim for a higher concurrency than the application can handle"
    if (annotatedTarget)
      target = cc > 0 && cc < annotatedTarget.value ? containerConcurrency : annotatedTarget;
    utilization =
      annotatedUtilization ??
      autoscaler("container-concurrency-target-percentage", asPercent) ??
      fromDefault(UPSTREAM.targetUtilizationPercent);
  }

  // ScaleBounds: the annotation, else config-autoscaler's min-scale / max-scale.
  const minScale =
    annotationNumber(annotations, "autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/minScale") ??
    autoscaler("min-scale", asInt) ??
    fromDefault<number>(UPSTREAM.minScale);
  const maxScale =
    annotationNumber(annotations, "autoscaling.knative.dev/max-scale", "autoscaling.knative.dev/maxScale") ??
    autoscaler("max-scale", asInt) ??
    fromDefault<number>(UPSTREAM.maxScale);
  const scaleToZero =
    autoscaler("enable-scale-to-zero", asBool) ?? fromDefault<boolean>(UPSTREAM.enableScaleToZero);

  const sources: Record<AutoscalingSetting, AutoscalingValueSource> = {
    target: target.source,
    utilizationPercent: utilization.source,
    minScale: minScale.source,
    maxScale: maxScale.source,
    class: klass.source,
    metric: metric.source,
    scaleToZero: scaleToZero.source,
  };
  return {
    target: target.value,
    utilizationPercent: utilization.value,
    minScale: minScale.value,
    maxScale: maxScale.value,
    class: klass.value,
    metric: metric.value,
    scaleToZero: scaleToZero.value,
    sources,
    clusterConfig: {
      "config-autoscaler": cluster.autoscaler.status,
      "config-defaults": cluster.defaults.status,
    },
  };
}
