// The cluster's limits on pods: the one node's pod capacity (what the scheduler checks) and ResourceQuotas on
// `pods` (what the quota admission plugin checks when a pod is created).
//
// - Scheduler: kubernetes pkg/scheduler/framework/plugins/noderesources/fit.go (`Too many pods` when the node's
//   allocatable pod count is reached) and pkg/scheduler/framework/types.go FitError.Error (`0/<n> nodes are
//   available: <count> <reason>.`, then the preemption PostFilter's `preemption: 0/<n> nodes are available:
//   <count> No preemption victims found for incoming pod.`). The pod gets PodScheduled=False `Unschedulable`
//   with that message, and a `FailedScheduling` event; it is retried when a pod leaves the node.
// - Quota: plugin/pkg/admission/resourcequota/controller.go (`exceeded quota: <name>, requested: pods=1, used:
//   pods=<n>, limited: pods=<n>`), wrapped by the apiserver as a 403 `pods "<name>" is forbidden: …`. The
//   ReplicaSet controller reports it as event FailedCreate `Error creating: <err>` and condition ReplicaFailure
//   (pkg/controller/replicaset/replica_set.go, replica_set_utils.go); the Deployment copies the condition.
import type { K8sObject, Store } from "../store.js";

export const NODE_NAME = "sim-node";
/** kubelet's --max-pods default (pkg/kubelet/apis/config/v1beta1/defaults.go MaxPods). */
export const DEFAULT_NODE_CAPACITY = 110;

export function unschedulableMessage(nodes = 1): string {
  return (
    `0/${nodes} nodes are available: ${nodes} Too many pods. ` +
    `preemption: 0/${nodes} nodes are available: ${nodes} No preemption victims found for incoming pod..`
  );
}

/** The Node object of the simulator's one node, with its pod capacity. */
export function nodeObject(capacity: number): K8sObject {
  const resources = { cpu: "4", memory: "16Gi", pods: String(capacity), "ephemeral-storage": "100Gi" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: NODE_NAME,
      labels: {
        "kubernetes.io/hostname": NODE_NAME,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
      },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
        },
      ],
      nodeInfo: {
        kubeletVersion: "v1.32.0-knative-sim",
        containerRuntimeVersion: "containerd://1.7.0",
        operatingSystem: "linux",
        architecture: "amd64",
      },
      addresses: [
        { type: "InternalIP", address: "127.0.0.1" },
        { type: "Hostname", address: NODE_NAME },
      ],
    },
  };
}

function isTerminal(pod: K8sObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/**
 * The quota admission's answer to creating one more pod named `podName` in `namespace`: the Forbidden message,
 * or undefined when every ResourceQuota with a `pods` (or `count/pods`) limit has room.
 */
export function podQuotaError(store: Store, namespace: string, podName: string): string | undefined {
  const quotas = store.list("/resourcequotas", namespace).items;
  if (quotas.length === 0) return undefined;
  const used = store.list("/pods", namespace).items.filter((p) => !isTerminal(p)).length;
  for (const q of quotas) {
    const hard = (q.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {};
    for (const key of ["pods", "count/pods"]) {
      if (hard[key] === undefined) continue;
      const limit = Number(hard[key]);
      if (Number.isFinite(limit) && used + 1 > limit) {
        return (
          `pods "${podName}" is forbidden: exceeded quota: ${q.metadata.name}, ` +
          `requested: ${key}=1, used: ${key}=${used}, limited: ${key}=${hard[key]}`
        );
      }
    }
  }
  return undefined;
}

/** The quota controller's status: hard copied from spec, used counted (pkg/controller/resourcequota). */
export function syncQuotaStatus(store: Store, namespace: string): void {
  const used = store.list("/pods", namespace).items.filter((p) => !isTerminal(p)).length;
  for (const q of store.list("/resourcequotas", namespace).items) {
    const hard = (q.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {};
    const usedMap: Record<string, string> = {};
    for (const key of Object.keys(hard))
      if (key === "pods" || key === "count/pods") usedMap[key] = String(used);
    const status = { hard, used: usedMap };
    if (JSON.stringify(q.status) !== JSON.stringify(status))
      store.update("/resourcequotas", { ...q, status }, { subresource: "status" });
  }
}
