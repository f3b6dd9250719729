// The /scale subresource of Deployments and ReplicaSets (autoscaling/v1 Scale), which `kubectl scale` uses:
// reads show spec.replicas and the label selector, writes change only spec.replicas.

import { StatusError } from "./errors.js";
import type { K8sObject } from "../store.js";

export const SCALABLE = new Set(["apps/deployments", "apps/replicasets"]);

function selectorString(spec: Record<string, unknown>): string {
  const labels = ((spec.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ??
    {}) as Record<string, string>;
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function toScale(o: K8sObject): K8sObject {
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = o.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: {
      replicas: (o.status as { replicas?: number } | undefined)?.replicas ?? 0,
      selector: selectorString(spec),
    },
  };
}

/** The object with the replicas of a written Scale; a stale Scale resourceVersion is a conflict upstream. */
export function fromScale(o: K8sObject, scale: K8sObject): K8sObject {
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    throw StatusError.invalid(
      { group: "autoscaling", plural: "scales", kind: "Scale" },
      o.metadata.name as string,
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.replicas",
          message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        },
      ],
    );
  }
  return {
    ...o,
    metadata: {
      ...o.metadata,
      resourceVersion: scale.metadata?.resourceVersion ?? o.metadata.resourceVersion,
    },
    spec: { ...(o.spec as object), replicas },
  };
}
