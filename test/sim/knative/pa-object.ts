// The PodAutoscaler object of a revision (podautoscalers.autoscaling.internal.knative.dev/v1alpha1), written to
// the store so that clients can watch what the autoscaler decided, as on a real cluster. Upstream the revision
// reconciler creates it (pkg/reconciler/revision/resources/pa.go MakePA: named after the revision, its labels
// and annotations, owned by it, spec.scaleTargetRef the Deployment) and the KPA reconciler writes its status on
// every reconcile (pkg/reconciler/autoscaling/kpa/kpa.go computeStatus: desiredScale = want, actualScale =
// ready pods; -1 while the decider has no data). Here autoscaler.ts calls publishPa after each tick; a status
// that did not change is not written again (upstream's status update is a no-op then too).
import type { K8sObject } from "../store.js";
import type { PaStatus } from "./autoscaler.js";
import type { SimContext } from "./context.js";
import { deploymentName } from "./names.js";
import { podLabels } from "./revision-controller.js";
import { controllerRef } from "./status.js";

export const PA_RESOURCE = "autoscaling.internal.knative.dev/podautoscalers";

/** Creates the revision's PodAutoscaler if missing, then writes its status if it changed. */
export function publishPa(
  ctx: SimContext,
  rev: K8sObject,
  status: PaStatus,
  spec: { containerConcurrency: number; reachable: boolean; class: string },
): void {
  const { store } = ctx;
  const namespace = rev.metadata.namespace as string;
  const name = rev.metadata.name as string;
  let pa = store.get(PA_RESOURCE, namespace, name);
  if (!pa) {
    pa = store.create(PA_RESOURCE, {
      apiVersion: "autoscaling.internal.knative.dev/v1alpha1",
      kind: "PodAutoscaler",
      metadata: {
        name,
        namespace,
        labels: podLabels(rev),
        annotations: { "autoscaling.knative.dev/class": spec.class },
        ownerReferences: [controllerRef(rev)],
      },
      spec: {
        containerConcurrency: spec.containerConcurrency,
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName(name) },
        reachability: spec.reachable ? "Reachable" : "Unreachable",
        protocolType: "http1",
      },
    });
  }
  const active =
    status.ready.status === "True"
      ? { type: "Active", status: "True" }
      : {
          type: "Active",
          status: status.ready.status,
          reason: status.ready.reason,
          message: status.ready.message,
        };
  const next = {
    observedGeneration: pa.metadata.generation ?? 1,
    conditions: [
      { ...active },
      { ...active, type: "Ready" },
      { type: "ScaleTargetInitialized", status: status.scaleTargetInitialized ? "True" : "Unknown" },
    ],
    serviceName: status.serviceName,
    metricsServiceName: `${name}-private`,
    desiredScale: status.desiredScale,
    actualScale: status.actualScale,
  };
  const old = (pa.status ?? {}) as Record<string, unknown>;
  if (JSON.stringify(withoutTimes(old)) === JSON.stringify(next)) return;
  const now = new Date().toISOString();
  const conditions = next.conditions.map((c) => ({ ...c, lastTransitionTime: now }));
  store.update(PA_RESOURCE, { ...pa, status: { ...next, conditions } }, { subresource: "status" });
}

function withoutTimes(status: Record<string, unknown>): Record<string, unknown> {
  const conditions = (status.conditions as Array<Record<string, unknown>> | undefined)?.map((c) => {
    const { lastTransitionTime: _, ...rest } = c;
    return rest;
  });
  return { ...status, conditions };
}
