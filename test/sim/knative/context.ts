// What every controller of the simulator shares: the store, the gateway, the clock settings and the profile.
import type { Store } from "../store.js";
import type { ClusterConfig } from "./cluster-config.js";
import type { Delays } from "./delays.js";
import type { Gateway } from "./gateway.js";

export const RES = {
  ksvc: "serving.knative.dev/services",
  configuration: "serving.knative.dev/configurations",
  revision: "serving.knative.dev/revisions",
  route: "serving.knative.dev/routes",
  deployment: "apps/deployments",
  replicaSet: "apps/replicasets",
  pod: "/pods",
  service: "/services",
  configMap: "/configmaps",
  namespace: "/namespaces",
} as const;

export type Profile = "default" | "ask" | "realistic";

export interface SimContext {
  store: Store;
  gateway: Gateway;
  /** Multiplies every control-plane duration (windows, grace periods, startup, deadlines); 1 = real time. */
  timeScale: number;
  /** Domain of route URLs; "svc.cluster.local" (Knative's default) gives cluster-local URLs. */
  domain: string;
  profile: Profile;
  /** Knative's ConfigMaps in knative-serving, read through the store (cluster-config.ts). */
  config: ClusterConfig;
  /** Pods the one node holds (kubelet --max-pods; default 110); more stay Pending, Unschedulable. */
  nodeCapacity: number;
  /** Start-up and ingress delays (delays.ts); real-cluster ms, scaled like every control-plane duration. */
  delays: Delays;
  log: (line: string) => void;
}

/** A duration of the real system (ms) as the simulator runs it. */
export function scaled(ctx: SimContext, ms: number): number {
  return ms * ctx.timeScale;
}

export interface TemplateSpec {
  containerConcurrency?: number;
  timeoutSeconds?: number;
  responseStartTimeoutSeconds?: number;
  containers?: ContainerSpec[];
  [key: string]: unknown;
}

export interface ContainerSpec {
  name?: string;
  image?: string;
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort?: number; protocol?: string }[];
  [key: string]: unknown;
}

export interface RevisionTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: TemplateSpec;
}
