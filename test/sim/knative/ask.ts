// Alibaba Cloud ASK extras (help pages "reserved instances" and "configure eci-profile"): instead of scaling a
// revision to zero, ASK keeps one low-spec "reserve" pod so a request always has somewhere to land. The reserve
// pod comes from Deployment `<rev>-deployment-reserve` (pods `<rev>-deployment-reserve-<hash>-<id>`) behind
// Service `<rev>-reserve-private`, which exists from the revision's start. Here: when the KPA decides to scale
// to zero, the reserve pod is started first and the standard pods go only once it is ready; when traffic makes
// the KPA scale up again, the reserve pod is released (Terminating) as soon as a standard pod is ready. A
// revision opts out with `knative.aliyun.com/reserve-instance: "disable"`.
import type { K8sObject } from "../store.js";
import { RES, type SimContext } from "./context.js";
import { LABEL, reserveDeploymentName, reserveServiceName } from "./names.js";
import { podAnnotations, podLabels, podSpec } from "./revision-controller.js";
import { controllerRef } from "./status.js";
import { clusterIP, isPodReady } from "./workloads.js";

export const ASK_ANNOTATION = {
  reserveInstance: "knative.aliyun.com/reserve-instance",
  reserveInstanceType: "knative.aliyun.com/reserve-instance-type",
  reserveInstanceReplicas: "knative.aliyun.com/reserve-instance-replicas",
} as const;

/** ConfigMap kube-system/eci-profile as a fresh ASK cluster has it. */
export function eciProfile(): K8sObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "eci-profile", namespace: "kube-system" },
    data: {
      enablePrivateZone: "false",
      enableClusterIp: "true",
      enableHybridMode: "false",
      securityGroupId: "sg-sim0000000000000000",
      vSwitchIds: "vsw-sim000000000000000a,vsw-sim000000000000000b",
      vpcId: "vpc-sim00000000000000000",
      selectors: "[]",
    },
  };
}

/** Template annotation the simulator bumps to roll the reserve Deployment (our mechanism, not ASK's). */
export const RECREATED_AT = "sim.knative-perf-gate.dev/reserve-recreated-at";

/**
 * The reserve pod's lower spec: ASK documents the reserve instance as a low-spec instance; the exact default
 * is not public, so 250m CPU / 512Mi (limits = requests) is our assumption. With `cpu-time`, requests it serves
 * are slower (cpu.ts).
 */
export const RESERVE_RESOURCES = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { cpu: "250m", memory: "512Mi" },
};

function lowSpec(spec: Record<string, unknown>): Record<string, unknown> {
  const containers = (spec.containers as Record<string, unknown>[]).map((c, i) =>
    i === 0 ? { ...c, resources: RESERVE_RESOURCES } : c,
  );
  return { ...spec, containers };
}

export class ReserveInstances {
  constructor(private readonly ctx: SimContext) {}

  /**
   * Adjusts the KPA's scale decision for the reserve instance. Returns the replica count to apply to the
   * standard Deployment (or undefined to leave it).
   */
  adjust(
    namespace: string,
    revision: string,
    current: number,
    apply: number | undefined,
    readyPods: number,
    minScale: number,
  ): number | undefined {
    const { store } = this.ctx;
    const rev = store.get(RES.revision, namespace, revision);
    if (!rev || rev.metadata.annotations?.[ASK_ANNOTATION.reserveInstance] === "disable" || minScale > 0)
      return apply;
    const goingIdle = apply === 0 || (apply === undefined && current === 0);
    if (goingIdle) {
      this.setReserve(rev, this.reserveReplicas(rev));
      // Standard pods stay until a reserve pod can take the traffic.
      return this.reserveReady(namespace, revision) ? apply : undefined;
    }
    // The seed saw the reserve pod rebuilt when traffic came back after idle ("从0请求到1请求时reserve pod也进行了
    // 重建"): the reserve Deployment rolls, so a new reserve pod replaces the one that took the first request
    // (which drains it, Terminating), until a standard pod is ready and the reserve is released.
    if (current === 0 && (apply ?? 0) > 0 && readyPods === 0) this.recreateReserve(rev);
    if (readyPods > 0) this.setReserve(rev, 0);
    return apply;
  }

  private recreateReserve(rev: K8sObject): void {
    const { store } = this.ctx;
    const ns = rev.metadata.namespace as string;
    const d = store.get(RES.deployment, ns, reserveDeploymentName(rev.metadata.name as string));
    if (!d || ((d.spec as { replicas?: number }).replicas ?? 0) === 0) return;
    const spec = d.spec as { template: { metadata?: { annotations?: Record<string, string> } } };
    const annotations = {
      ...(spec.template.metadata?.annotations ?? {}),
      [RECREATED_AT]: new Date().toISOString(),
    };
    store.update(RES.deployment, {
      ...d,
      spec: { ...spec, template: { ...spec.template, metadata: { ...spec.template.metadata, annotations } } },
    });
  }

  private reserveReplicas(rev: K8sObject): number {
    const n = Number(rev.metadata.annotations?.[ASK_ANNOTATION.reserveInstanceReplicas] ?? "1");
    return Number.isInteger(n) && n > 0 ? n : 1;
  }

  private reserveReady(namespace: string, revision: string): boolean {
    return this.ctx.store
      .list(RES.pod, namespace, { labelSelector: `${LABEL.revision}=${revision},${LABEL.reserve}=true` })
      .items.some((p) => !p.metadata.deletionTimestamp && isPodReady(p));
  }

  private setReserve(rev: K8sObject, replicas: number): void {
    const { store } = this.ctx;
    const ns = rev.metadata.namespace as string;
    const name = reserveDeploymentName(rev.metadata.name as string);
    const existing = store.get(RES.deployment, ns, name);
    if (!existing) {
      if (replicas === 0) return;
      store.create(RES.deployment, this.makeDeployment(rev, replicas));
      this.ensureService(rev);
      return;
    }
    if ((existing.spec as { replicas?: number }).replicas !== replicas) {
      store.update(RES.deployment, { ...existing, spec: { ...(existing.spec as object), replicas } });
    }
  }

  private labels(rev: K8sObject): Record<string, string> {
    const labels = podLabels(rev);
    // Not selected by the revision's own Deployment or private Service.
    delete labels[LABEL.revisionUID];
    labels[LABEL.reserve] = "true";
    return labels;
  }

  private makeDeployment(rev: K8sObject, replicas: number): K8sObject {
    const labels = this.labels(rev);
    const type = rev.metadata.annotations?.[ASK_ANNOTATION.reserveInstanceType] ?? "eci";
    const annotations = { ...podAnnotations(rev), [ASK_ANNOTATION.reserveInstanceType]: type };
    return {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: reserveDeploymentName(rev.metadata.name as string),
        namespace: rev.metadata.namespace,
        labels,
        annotations,
        ownerReferences: [controllerRef(rev)],
      },
      spec: {
        replicas,
        selector: { matchLabels: { [LABEL.revision]: rev.metadata.name as string, [LABEL.reserve]: "true" } },
        progressDeadlineSeconds: 600,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
        template: { metadata: { labels, annotations }, spec: lowSpec(podSpec(rev)) },
      },
    };
  }

  /** The reserve pod's Service, present from the revision's start as on ASK (the seed listed it at once). */
  ensureService(rev: K8sObject): void {
    if (rev.metadata.annotations?.[ASK_ANNOTATION.reserveInstance] === "disable") return;
    const ns = rev.metadata.namespace as string;
    const name = reserveServiceName(rev.metadata.name as string);
    if (this.ctx.store.get(RES.service, ns, name)) return;
    const ip = clusterIP(ns, name);
    this.ctx.store.create(RES.service, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: ns, labels: this.labels(rev), ownerReferences: [controllerRef(rev)] },
      spec: {
        type: "ClusterIP",
        clusterIP: ip,
        clusterIPs: [ip],
        ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 8012 }],
        selector: { [LABEL.revision]: rev.metadata.name as string, [LABEL.reserve]: "true" },
        sessionAffinity: "None",
      },
    });
  }
}
