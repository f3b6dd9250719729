// The apiserver's defaulting of built-in types (k8s.io/kubernetes pkg/apis/*/v1/defaults.go), the part clients
// see: a Secret's type, a Service's type, ports and cluster IP, a Pod's restart policy, grace period and Pending
// phase, a Deployment's replicas and rollout settings. Applied by the store on create and update, in place.

import type { ResourceId } from "./resources.js";

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === "") o[key] = value;
}

/** Allocates cluster IPs from 10.96.0.0/12 in order, never reusing one in a store's lifetime. */
export class ClusterIpAllocator {
  private next = 10;

  allocate(): string {
    const n = this.next++;
    return `10.96.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }
}

function defaultService(spec: Obj, old: Obj | undefined, ips: ClusterIpAllocator): void {
  setDefault(spec, "type", "ClusterIP");
  if (spec.type !== "ExternalName") setDefault(spec, "sessionAffinity", "None");
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!isObject(p)) continue;
    setDefault(p, "protocol", "TCP");
    if (spec.type !== "ExternalName") setDefault(p, "targetPort", p.port);
  }
  if (spec.type === "ExternalName") return;
  if (!spec.clusterIP && old?.clusterIP) {
    spec.clusterIP = old.clusterIP;
    spec.clusterIPs = old.clusterIPs ?? [old.clusterIP];
  }
  if (!spec.clusterIP) {
    const ip = ips.allocate();
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }
  setDefault(spec, "ipFamilies", ["IPv4"]);
  setDefault(spec, "ipFamilyPolicy", "SingleStack");
  setDefault(spec, "internalTrafficPolicy", "Cluster");
}

function defaultContainer(c: Obj): void {
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  const image = typeof c.image === "string" ? c.image : "";
  const tagged = /:[^/]+$/.test(image.replace(/@.*$/, "")) && !image.endsWith(":latest");
  setDefault(c, "imagePullPolicy", tagged || image.includes("@") ? "IfNotPresent" : "Always");
}

function defaultPodSpec(spec: Obj): void {
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "schedulerName", "default-scheduler");
  setDefault(spec, "securityContext", {});
  for (const c of [
    ...(Array.isArray(spec.containers) ? spec.containers : []),
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
  ]) {
    if (isObject(c)) defaultContainer(c);
  }
}

function defaultDeployment(spec: Obj): void {
  setDefault(spec, "replicas", 1);
  setDefault(spec, "revisionHistoryLimit", 10);
  setDefault(spec, "progressDeadlineSeconds", 600);
  setDefault(spec, "strategy", {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
  });
}

/** Defaults `obj` (a create when `old` is undefined) in place. */
export function applyBuiltinDefaults(
  res: ResourceId,
  obj: Obj,
  old: Obj | undefined,
  ips: ClusterIpAllocator,
): void {
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  switch (res) {
    case "/secrets":
      setDefault(obj, "type", "Opaque");
      break;
    case "/services":
      if (spec) defaultService(spec, isObject(old?.spec) ? old.spec : undefined, ips);
      break;
    case "/pods":
      if (spec) defaultPodSpec(spec);
      if (!old && !isObject(obj.status)) obj.status = { phase: "Pending" };
      break;
    case "apps/deployments":
      if (spec) defaultDeployment(spec);
      break;
  }
}
