// Names, labels and annotation keys that Knative Serving and Kubernetes give to the objects the simulator
// creates (pkg/apis/serving/register.go, pkg/reconciler/*/resources/names, k8s ReplicaSet naming).
import { createHash, randomInt } from "node:crypto";

export const LABEL = {
  service: "serving.knative.dev/service",
  serviceUID: "serving.knative.dev/serviceUID",
  configuration: "serving.knative.dev/configuration",
  configurationUID: "serving.knative.dev/configurationUID",
  configurationGeneration: "serving.knative.dev/configurationGeneration",
  revision: "serving.knative.dev/revision",
  revisionUID: "serving.knative.dev/revisionUID",
  route: "serving.knative.dev/route",
  app: "app",
  podTemplateHash: "pod-template-hash",
  /** networking.internal.knative.dev/serviceType: Public | Private, on the revision's Services. */
  serviceType: "networking.internal.knative.dev/serviceType",
  /** Marks ASK reserve pods and their Service. */
  reserve: "knative.aliyun.com/reserve-instance",
} as const;

export const ANNOTATION = {
  routes: "serving.knative.dev/routes",
  progressDeadline: "serving.knative.dev/progress-deadline",
  creator: "serving.knative.dev/creator",
  lastModifier: "serving.knative.dev/lastModifier",
  defaultContainer: "kubectl.kubernetes.io/default-container",
  lastApplied: "kubectl.kubernetes.io/last-applied-configuration",
  /** Where the simulator records a pod's loopback port (status.podIP is 127.0.0.1). */
  podPort: "sim.knative-perf-gate.dev/port",
} as const;

export const SERVING_API = "serving.knative.dev/v1";

/** `<config>-00001`: the revision of a configuration generation (configuration/resources/revision.go). */
export function revisionName(configuration: string, generation: number): string {
  return childName(configuration, `-${String(generation).padStart(5, "0")}`);
}

export const deploymentName = (revision: string) => childName(revision, "-deployment");
export const privateServiceName = (revision: string) => childName(revision, "-private");
export const reserveServiceName = (revision: string) => childName(revision, "-reserve-private");
export const reserveDeploymentName = (revision: string) => childName(revision, "-deployment-reserve");

/** kmeta.ChildName: names longer than 63 characters are shortened with an md5 suffix. */
export function childName(parent: string, suffix: string): string {
  const n = parent + suffix;
  if (n.length <= 63) return n;
  const digest = createHash("md5").update(n).digest("hex");
  return parent.slice(0, 63 - digest.length - suffix.length) + digest + suffix;
}

// Kubernetes' SafeEncodeString alphabet: no vowels, no look-alike digits, so generated names never spell words.
const SAFE = "bcdfghjklmnpqrstvwxz2456789";

/** The pod-template-hash a ReplicaSet gets: stable for a template, 8-10 safe characters. */
export function templateHash(template: unknown): string {
  const digest = createHash("sha256").update(JSON.stringify(template)).digest();
  let out = "";
  for (let i = 0; i < 10; i++) out += SAFE[digest[i] % SAFE.length];
  return out;
}

/** The random 5-character suffix of a generated pod name. */
export function randomSuffix(length = 5): string {
  let out = "";
  for (let i = 0; i < length; i++) out += SAFE[randomInt(SAFE.length)];
  return out;
}
