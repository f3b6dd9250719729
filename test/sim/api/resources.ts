// The resource types the simulated API server knows. A ResourceId is `${group}/${plural}` ("" for the core
// group), the same key the store, discovery, routing and RBAC use.

export type ResourceId = string;

export interface ResourceType {
  id: ResourceId;
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  verbs: string[];
  /** Whether /status is a subresource: writes to the main resource then keep the old status. */
  hasStatus: boolean;
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function rt(
  group: string,
  version: string,
  kind: string,
  plural: string,
  extra: Partial<Omit<ResourceType, "id" | "group" | "version" | "kind" | "plural">> = {},
): ResourceType {
  return {
    id: `${group}/${plural}`,
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    shortNames: [],
    categories: [],
    namespaced: true,
    verbs: ALL_VERBS,
    hasStatus: false,
    ...extra,
  };
}

/** Knative's CRDs put every serving type in the `all` and `knative`/`serving` categories (300-resources/*.yaml). */
const KNATIVE_CATEGORIES = ["all", "knative", "serving"];

export const RESOURCE_TYPES: readonly ResourceType[] = [
  rt("", "v1", "Namespace", "namespaces", {
    shortNames: ["ns"],
    namespaced: false,
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    hasStatus: true,
  }),
  rt("", "v1", "Pod", "pods", { shortNames: ["po"], categories: ["all"], hasStatus: true }),
  rt("", "v1", "Service", "services", {
    shortNames: ["svc"],
    categories: ["all"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    hasStatus: true,
  }),
  rt("", "v1", "ConfigMap", "configmaps", { shortNames: ["cm"] }),
  rt("", "v1", "ResourceQuota", "resourcequotas", { shortNames: ["quota"], hasStatus: true }),
  rt("", "v1", "Node", "nodes", { shortNames: ["no"], namespaced: false, hasStatus: true }),
  rt("", "v1", "Secret", "secrets"),
  rt("", "v1", "Event", "events", { shortNames: ["ev"] }),
  rt("", "v1", "ServiceAccount", "serviceaccounts", { shortNames: ["sa"] }),
  rt("apps", "v1", "Deployment", "deployments", {
    shortNames: ["deploy"],
    categories: ["all"],
    hasStatus: true,
  }),
  rt("apps", "v1", "ReplicaSet", "replicasets", { shortNames: ["rs"], categories: ["all"], hasStatus: true }),
  rt("batch", "v1", "Job", "jobs", { categories: ["all"], hasStatus: true }),
  rt("coordination.k8s.io", "v1", "Lease", "leases"),
  rt("serving.knative.dev", "v1", "Service", "services", {
    shortNames: ["kservice", "ksvc"],
    categories: KNATIVE_CATEGORIES,
    hasStatus: true,
  }),
  rt("serving.knative.dev", "v1", "Configuration", "configurations", {
    shortNames: ["config", "cfg"],
    categories: KNATIVE_CATEGORIES,
    hasStatus: true,
  }),
  rt("serving.knative.dev", "v1", "Revision", "revisions", {
    shortNames: ["rev"],
    categories: KNATIVE_CATEGORIES,
    hasStatus: true,
  }),
  rt("serving.knative.dev", "v1", "Route", "routes", {
    shortNames: ["rt"],
    categories: KNATIVE_CATEGORIES,
    hasStatus: true,
  }),
  // config/core/300-resources/podautoscaler.yaml: Knative's internal autoscaling type, status as a subresource.
  rt("autoscaling.internal.knative.dev", "v1alpha1", "PodAutoscaler", "podautoscalers", {
    shortNames: ["kpa", "pa"],
    categories: ["knative-internal", "autoscaling"],
    hasStatus: true,
  }),
];

const BY_ID = new Map(RESOURCE_TYPES.map((t) => [t.id, t]));

/** The resource type for an id such as "serving.knative.dev/services"; throws for an unknown id. */
export function resourceType(id: ResourceId): ResourceType {
  const t = BY_ID.get(id);
  if (!t) throw new Error(`unknown resource "${id}"; known: ${[...BY_ID.keys()].join(", ")}`);
  return t;
}

export function findResourceType(group: string, version: string, plural: string): ResourceType | undefined {
  const t = BY_ID.get(`${group}/${plural}`);
  return t && t.version === version ? t : undefined;
}

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** The API groups besides core, in registration order, with their (single) served version. */
export function apiGroups(): { name: string; version: string }[] {
  const seen = new Map<string, string>();
  for (const t of RESOURCE_TYPES) if (t.group && !seen.has(t.group)) seen.set(t.group, t.version);
  return [...seen].map(([name, version]) => ({ name, version }));
}
