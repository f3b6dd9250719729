// The parts of kube-controller-manager Knative relies on: Deployment → ReplicaSet `<deployment>-<hash>` →
// pods `<replicaset>-<5 chars>`, replica counts and the Deployment's Available/Progressing conditions with
// progressDeadlineSeconds (k8s pkg/controller/deployment/progress.go wording). Scaling down deletes pods the
// way a ReplicaSet ranks them (not ready before ready, newest first); deletion goes through the store, so the
// kubelet can keep them Terminating while they drain.
import { createHash } from "node:crypto";
import type { K8sObject } from "../store.js";
import { RES, scaled, type SimContext } from "./context.js";
import { recordEvent } from "./events.js";
import { podQuotaError } from "./capacity.js";
import { LABEL, randomSuffix, templateHash } from "./names.js";
import { controllerRef, jsonEqual, rfc3339 } from "./status.js";
import { splitKey } from "./workqueue.js";

/** A stable fake ClusterIP in 10.96.0.0/16 for a Service. */
export function clusterIP(namespace: string, name: string): string {
  const d = createHash("sha256").update(`${namespace}/${name}`).digest();
  return `10.96.${d[0]}.${(d[1] % 253) + 1}`;
}

interface DeploymentSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  progressDeadlineSeconds?: number;
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: unknown;
  };
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

interface Progress {
  /** Last time the rollout made progress (ms, real clock). */
  at: number;
  available: number;
  replicas: number;
  rs: string;
}

export function ownedBy(o: K8sObject, uid: string | undefined): boolean {
  return o.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller) ?? false;
}

export function isPodReady(pod: K8sObject): boolean {
  const conds = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conds?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export class WorkloadControllers {
  private readonly progress = new Map<string, Progress>();

  constructor(
    private readonly ctx: SimContext,
    private readonly requeue: (queue: "deployment", key: string, ms: number) => void,
  ) {}

  reconcileDeployment(key: string): void {
    const { store } = this.ctx;
    const [ns, name] = splitKey(key);
    const d = store.get(RES.deployment, ns, name);
    if (!d || d.metadata.deletionTimestamp) {
      this.progress.delete(key);
      return;
    }
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const replicas = spec.replicas ?? 1;
    const hash = templateHash(spec.template);
    const rsName = `${name}-${hash}`;
    const owned = store.list(RES.replicaSet, ns).items.filter((rs) => ownedBy(rs, d.metadata.uid));
    let current = owned.find((rs) => rs.metadata.name === rsName);
    const now = Date.now();
    let progressReason: string | undefined;
    if (!current) {
      const labels = { ...(spec.template?.metadata?.labels ?? {}), [LABEL.podTemplateHash]: hash };
      current = store.create(RES.replicaSet, {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: rsName,
          namespace: ns,
          labels,
          annotations: {
            "deployment.kubernetes.io/desired-replicas": String(replicas),
            "deployment.kubernetes.io/max-replicas": String(replicas + Math.ceil(replicas * 0.25)),
            "deployment.kubernetes.io/revision": String(owned.length + 1),
          },
          ownerReferences: [controllerRef(d)],
        },
        spec: {
          replicas,
          selector: { matchLabels: { ...(spec.selector?.matchLabels ?? {}), [LABEL.podTemplateHash]: hash } },
          template: { metadata: { ...(spec.template?.metadata ?? {}), labels }, spec: spec.template?.spec },
        },
      });
      recordEvent(
        store,
        "deployment-controller",
        d,
        "Normal",
        "ScalingReplicaSet",
        `Scaled up replica set ${rsName} to ${replicas}`,
      );
      progressReason = "NewReplicaSetCreated";
    } else if ((current.spec as { replicas?: number }).replicas !== replicas) {
      const from = (current.spec as { replicas?: number }).replicas ?? 0;
      current = store.update(RES.replicaSet, {
        ...current,
        metadata: {
          ...current.metadata,
          annotations: {
            ...(current.metadata.annotations ?? {}),
            "deployment.kubernetes.io/desired-replicas": String(replicas),
          },
        },
        spec: { ...(current.spec as object), replicas },
      });
      const verb = replicas > from ? "up" : "down";
      recordEvent(
        store,
        "deployment-controller",
        d,
        "Normal",
        "ScalingReplicaSet",
        `Scaled ${verb} replica set ${rsName} from ${from} to ${replicas}`,
      );
    }
    for (const old of owned) {
      if (old.metadata.name !== rsName && (old.spec as { replicas?: number }).replicas !== 0) {
        store.update(RES.replicaSet, { ...old, spec: { ...(old.spec as object), replicas: 0 } });
      }
    }

    const rsStatus = (current.status ?? {}) as {
      replicas?: number;
      readyReplicas?: number;
      availableReplicas?: number;
    };
    const all = owned.filter((rs) => rs.metadata.name !== rsName).concat([current]);
    const total = all.reduce(
      (s, rs) => s + ((rs.status as { replicas?: number } | undefined)?.replicas ?? 0),
      0,
    );
    const ready = rsStatus.readyReplicas ?? 0;
    const available = rsStatus.availableReplicas ?? 0;
    const updated = rsStatus.replicas ?? 0;

    // Progress: a new ReplicaSet, more available pods, or a scale event restart the deadline clock.
    const p = this.progress.get(key);
    if (!p || p.rs !== rsName || available > p.available || replicas !== p.replicas) {
      this.progress.set(key, { at: now, available, replicas, rs: rsName });
    } else if (available < p.available) {
      p.available = available;
    }
    const since = this.progress.get(key)!.at;
    const complete = updated === replicas && available === replicas && total === replicas;
    const deadlineMs = scaled(this.ctx, (spec.progressDeadlineSeconds ?? 600) * 1000);
    const old = ((d.status ?? {}) as { conditions?: Condition[] }).conditions ?? [];
    let progressing: Omit<Condition, "lastUpdateTime" | "lastTransitionTime">;
    if (complete) {
      progressing = {
        type: "Progressing",
        status: "True",
        reason: "NewReplicaSetAvailable",
        message: `ReplicaSet "${rsName}" has successfully progressed.`,
      };
    } else if (now - since >= deadlineMs) {
      progressing = {
        type: "Progressing",
        status: "False",
        reason: "ProgressDeadlineExceeded",
        message: `ReplicaSet "${rsName}" has timed out progressing.`,
      };
    } else {
      progressing = progressReason
        ? {
            type: "Progressing",
            status: "True",
            reason: progressReason,
            message: `Created new replica set "${rsName}"`,
          }
        : {
            type: "Progressing",
            status: "True",
            reason: "ReplicaSetUpdated",
            message: `ReplicaSet "${rsName}" is progressing.`,
          };
      this.requeue("deployment", key, deadlineMs - (now - since) + 5);
    }
    const availableCond =
      available >= replicas
        ? {
            type: "Available",
            status: "True",
            reason: "MinimumReplicasAvailable",
            message: "Deployment has minimum availability.",
          }
        : {
            type: "Available",
            status: "False",
            reason: "MinimumReplicasUnavailable",
            message: "Deployment does not have minimum availability.",
          };
    const stamp = rfc3339(new Date(now));
    // progress.go syncRolloutStatus: the ReplicaSets' failure condition moves to the Deployment.
    const rsFailure = all
      .map((rs) =>
        ((rs.status ?? {}) as { conditions?: Condition[] }).conditions?.find(
          (c) => c.type === "ReplicaFailure",
        ),
      )
      .find(Boolean);
    const conds: Omit<Condition, "lastUpdateTime" | "lastTransitionTime">[] = [availableCond, progressing];
    if (rsFailure)
      conds.push({
        type: "ReplicaFailure",
        status: "True",
        reason: rsFailure.reason,
        message: rsFailure.message,
      });
    const conditions = conds.map((c) => {
      const before = old.find((o) => o.type === c.type);
      const same =
        before && before.status === c.status && before.reason === c.reason && before.message === c.message;
      if (same) return before;
      return {
        ...c,
        lastUpdateTime: stamp,
        lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : stamp,
      };
    });
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      conditions,
    };
    if (total - available > 0) status.unavailableReplicas = total - available;
    for (const k of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"])
      if (status[k] === 0) delete status[k];
    if (!jsonEqual(d.status, status))
      store.update(RES.deployment, { ...d, status }, { subresource: "status" });
  }

  reconcileReplicaSet(key: string): void {
    const { store } = this.ctx;
    const [ns, name] = splitKey(key);
    const rs = store.get(RES.replicaSet, ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const spec = rs.spec as {
      replicas?: number;
      template?: {
        metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
        spec?: Record<string, unknown>;
      };
    };
    const want = spec.replicas ?? 1;
    const pods = store.list(RES.pod, ns).items.filter((p) => ownedBy(p, rs.metadata.uid));
    const active = pods.filter((p) => !p.metadata.deletionTimestamp);
    let failure: string | undefined;
    if (active.length < want) {
      for (let i = active.length; i < want; i++) {
        const podName = `${name}-${randomSuffix()}`;
        // The quota admission plugin refuses the create (403): FailedCreate, and ReplicaFailure on the status.
        failure = podQuotaError(store, ns, podName);
        if (failure) {
          recordEvent(
            store,
            "replicaset-controller",
            rs,
            "Warning",
            "FailedCreate",
            `Error creating: ${failure}`,
          );
          break;
        }
        const pod = store.create(RES.pod, {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: podName,
            namespace: ns,
            labels: { ...(spec.template?.metadata?.labels ?? {}) },
            annotations: { ...(spec.template?.metadata?.annotations ?? {}) },
            ownerReferences: [controllerRef(rs)],
          },
          // No nodeName: the scheduler (the kubelet's schedule) binds the pod when the node has room.
          spec: { ...(spec.template?.spec ?? {}), serviceAccountName: "default" },
          status: { phase: "Pending", qosClass: "Burstable" },
        });
        active.push(pod);
        recordEvent(
          store,
          "replicaset-controller",
          rs,
          "Normal",
          "SuccessfulCreate",
          `Created pod: ${pod.metadata.name}`,
        );
      }
    } else if (active.length > want) {
      const ranked = [...active].sort((a, b) => {
        const ra = isPodReady(a) ? 1 : 0;
        const rb = isPodReady(b) ? 1 : 0;
        if (ra !== rb) return ra - rb;
        return (
          Date.parse(b.metadata.creationTimestamp ?? "") - Date.parse(a.metadata.creationTimestamp ?? "") ||
          ((b.metadata.name ?? "") < (a.metadata.name ?? "") ? -1 : 1)
        );
      });
      for (const pod of ranked.slice(0, active.length - want)) {
        try {
          store.delete(RES.pod, ns, pod.metadata.name as string);
          recordEvent(
            store,
            "replicaset-controller",
            rs,
            "Normal",
            "SuccessfulDelete",
            `Deleted pod: ${pod.metadata.name}`,
          );
        } catch {
          // Already gone: the next event recounts.
        }
      }
    }
    const now = store
      .list(RES.pod, ns)
      .items.filter((p) => ownedBy(p, rs.metadata.uid) && !p.metadata.deletionTimestamp);
    const ready = now.filter(isPodReady).length;
    const status: Record<string, unknown> = {
      replicas: now.length,
      fullyLabeledReplicas: now.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    // calculateStatus (replica_set_utils.go): ReplicaFailure True FailedCreate while creates fail; removed once
    // a create succeeds or no more pods are wanted.
    const oldFailure = ((rs.status ?? {}) as { conditions?: Record<string, unknown>[] }).conditions?.find(
      (c) => c.type === "ReplicaFailure",
    );
    if (failure) {
      status.conditions = [
        oldFailure && oldFailure.message === failure
          ? oldFailure
          : {
              type: "ReplicaFailure",
              status: "True",
              reason: "FailedCreate",
              message: failure,
              lastTransitionTime: rfc3339(new Date()),
            },
      ];
    } else if (oldFailure && active.length < want) {
      status.conditions = [oldFailure];
    }
    for (const k of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"])
      if (status[k] === 0) delete status[k];
    if (!jsonEqual(rs.status, status))
      store.update(RES.replicaSet, { ...rs, status }, { subresource: "status" });
  }
}
