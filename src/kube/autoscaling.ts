// What Knative's KPA will aim for, read from the Service template the way serving does
// (pkg/reconciler/autoscaling/resources/target.go, pkg/apis/autoscaling/annotation_validation.go).
import type { KnativeServiceManifest } from "../config/settings.js";
import type { PodSummary } from "../results.js";

const DEFAULT_CONCURRENCY_TARGET = 100;
const DEFAULT_UTILIZATION_PERCENT = 70;

function annotation(annotations: Record<string, string>, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = Number.parseFloat(annotations[key] ?? "");
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}

/**
 * The per-pod concurrency target before utilization: the target annotation (capped by a non-zero
 * containerConcurrency), else containerConcurrency, else 100.
 */
export function autoscalingOf(manifest: KnativeServiceManifest): PodSummary["autoscaling"] {
  const template = manifest.spec.template;
  const annotations = template.metadata?.annotations ?? {};
  const containerConcurrency = Number(template.spec.containerConcurrency ?? 0) || 0;
  const annotated = annotation(annotations, "autoscaling.knative.dev/target");
  let target = annotated ?? (containerConcurrency > 0 ? containerConcurrency : DEFAULT_CONCURRENCY_TARGET);
  if (containerConcurrency > 0) target = Math.min(target, containerConcurrency);
  return {
    target,
    utilizationPercent:
      annotation(annotations, "autoscaling.knative.dev/target-utilization-percentage") ??
      DEFAULT_UTILIZATION_PERCENT,
    minScale:
      annotation(annotations, "autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/minScale") ?? 0,
    maxScale:
      annotation(annotations, "autoscaling.knative.dev/max-scale", "autoscaling.knative.dev/maxScale") ?? 0,
  };
}
