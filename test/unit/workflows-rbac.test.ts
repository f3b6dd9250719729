// examples/rbac.yaml grants exactly what the gate does against the cluster, split in parts that can be applied
// alone (kubectl apply -l app.kubernetes.io/component=<part>): the namespaced gate, the one ConfigMap of
// private-zone, the cluster-scoped namespace grant of create-namespace, the load workers, and the optional
// read of Knative's two autoscaling ConfigMaps.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as yaml from "js-yaml";

const RBAC = fileURLToPath(new URL("../../examples/rbac.yaml", import.meta.url));
const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const NAMESPACE = "perf";
const SERVICE_ACCOUNT = "knative-perf-gate";

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
  nonResourceURLs?: string[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: Rule[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

/** What the action does against the cluster, per part: "<group>/<resource>[#<name>]:<verb>". */
const GRANTS: Record<string, { kind: "Role" | "ClusterRole"; namespace?: string; permissions: string[] }> = {
  gate: {
    kind: "Role",
    namespace: NAMESPACE,
    permissions: [
      ...["get", "list", "watch", "create", "patch", "delete"].map(
        (v) => `serving.knative.dev/services:${v}`,
      ),
      ...["revisions", "configurations", "routes"].flatMap((r) =>
        ["get", "list", "watch"].map((v) => `serving.knative.dev/${r}:${v}`),
      ),
      ...["get", "list", "watch"].map((v) => `/pods:${v}`),
      "autoscaling.internal.knative.dev/podautoscalers:list",
      "autoscaling.internal.knative.dev/podautoscalers:watch",
      "/events:list",
    ],
  },
  "private-zone": {
    kind: "Role",
    namespace: "kube-system",
    permissions: ["/configmaps#eci-profile:get", "/configmaps#eci-profile:update"],
  },
  "create-namespace": {
    kind: "ClusterRole",
    permissions: ["/namespaces:get", "/namespaces:create", "/namespaces:update", "/namespaces:delete"],
  },
  "load-from-cluster": {
    kind: "Role",
    namespace: NAMESPACE,
    permissions: [
      "batch/jobs:create",
      "batch/jobs:delete",
      "/configmaps:create",
      "/configmaps:delete",
      "/pods/log:get",
    ],
  },
  // Optional: without it the pod explanation assumes upstream's defaults and says so.
  "knative-config": {
    kind: "Role",
    namespace: "knative-serving",
    permissions: ["/configmaps#config-autoscaler:get", "/configmaps#config-defaults:get"],
  },
};

/** Flattens rules to one string per (group, resource, name, verb): the unit RBAC actually grants. */
function permissionsOf(rules: Rule[]): string[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) =>
        (rule.resourceNames?.length ? rule.resourceNames : [undefined]).flatMap((name) =>
          (rule.verbs ?? []).map((verb) => `${group}/${resource}${name ? `#${name}` : ""}:${verb}`),
        ),
      ),
    ),
  );
}

/** Wildcards and escalation verbs turn a narrow grant into a broad one. */
function breadthProblems(rules: Rule[]): string[] {
  const problems: string[] = [];
  for (const rule of rules) {
    for (const field of ["apiGroups", "resources", "verbs", "resourceNames"] as const) {
      if ((rule[field] ?? []).includes("*")) problems.push(`${field} contains *`);
    }
    if (rule.nonResourceURLs) problems.push("nonResourceURLs granted");
    for (const verb of ["escalate", "bind", "impersonate"])
      if (rule.verbs?.includes(verb)) problems.push(`verb ${verb}`);
  }
  return problems;
}

const VERB_OF_METHOD: Record<string, string> = {
  read: "get",
  list: "list",
  watch: "watch",
  create: "create",
  replace: "update",
  patch: "patch",
  delete: "delete",
};

/** Typed client methods that address a subresource: readNamespacedPodLog is GET pods/<name>/log. */
const SUBRESOURCES: Record<string, string> = {
  PodLog: "pods/log",
  PodStatus: "pods/status",
  PodEviction: "pods/eviction",
};

/**
 * The typed Kubernetes client calls in src/ (`core.replaceNamespacedConfigMap(...)` → "/configmaps:update"), so that a new
 * call the RBAC does not cover fails here rather than on a user's cluster. Generic object calls (Knative
 * resources) name their resource at run time and are covered by the table above.
 */
function typedClientCalls(source: string): string[] {
  const calls: string[] = [];
  for (const [, method, kind] of source.matchAll(
    /\b(?:core|batch|apps)\s*\.\s*(read|list|watch|create|replace|patch|delete)(?:Namespaced)?([A-Z][A-Za-z]*)\(/g,
  )) {
    const resource = SUBRESOURCES[kind] ?? kind.toLowerCase() + "s";
    calls.push(`/${resource}:${VERB_OF_METHOD[method]}`);
  }
  return calls;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

const objects = yaml.loadAll(readFileSync(RBAC, "utf8")).filter(Boolean) as K8sObject[];
const part = (o: K8sObject) => o.metadata.labels?.["app.kubernetes.io/component"] ?? "";
const inPart = (name: string) => objects.filter((o) => part(o) === name);

describe("the helpers", () => {
  test("rules flatten per group, resource, name and verb", () => {
    expect(
      permissionsOf([
        { apiGroups: [""], resources: ["configmaps"], resourceNames: ["a", "b"], verbs: ["get"] },
      ]),
    ).toEqual(["/configmaps#a:get", "/configmaps#b:get"]);
  });

  test("typed client calls map to RBAC verbs", () => {
    expect(
      typedClientCalls(
        "cluster.core.replaceNamespacedConfigMap({})\ncore.createNamespace({})\nk.core.readNamespacedPodLog({})\n" +
          "github.rest.issues.createComment({})",
      ),
    ).toEqual(["/configmaps:update", "/namespaces:create", "/pods/log:get"]);
  });

  test("wildcards and escalation are findings", () => {
    expect(breadthProblems([{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }])).toEqual([
      "apiGroups contains *",
    ]);
    expect(breadthProblems([{ apiGroups: [""], resources: ["roles"], verbs: ["bind"] }])).toEqual([
      "verb bind",
    ]);
  });
});

describe("examples/rbac.yaml", () => {
  test("every object belongs to exactly one known part", () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(Object.keys(GRANTS)).toContain(part(o));
  });

  test("the gate part brings its namespace and ServiceAccount", () => {
    const gate = inPart("gate");
    expect(gate.find((o) => o.kind === "Namespace")?.metadata.name).toBe(NAMESPACE);
    const sa = gate.find((o) => o.kind === "ServiceAccount");
    expect(sa?.metadata).toMatchObject({ name: SERVICE_ACCOUNT, namespace: NAMESPACE });
  });

  test.each(Object.entries(GRANTS))("part %s grants exactly what the action uses", (name, expected) => {
    const roles = inPart(name).filter((o) => o.kind === "Role" || o.kind === "ClusterRole");
    expect(roles).toHaveLength(1);
    const [role] = roles;
    expect(role.kind).toBe(expected.kind);
    expect(role.metadata.namespace).toBe(expected.namespace);
    expect(breadthProblems(role.rules ?? [])).toEqual([]);
    expect(permissionsOf(role.rules ?? []).sort()).toEqual([...expected.permissions].sort());
  });

  test.each(Object.keys(GRANTS))("part %s binds its role to the ServiceAccount, and only that", (name) => {
    const roles = inPart(name).filter((o) => o.kind === "Role" || o.kind === "ClusterRole");
    const bindings = inPart(name).filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding");
    expect(bindings).toHaveLength(1);
    const [binding] = bindings;
    const [role] = roles;
    expect(binding.kind).toBe(`${role.kind}Binding`);
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: role.kind,
      name: role.metadata.name,
    });
    expect(binding.metadata.namespace).toBe(role.metadata.namespace);
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: SERVICE_ACCOUNT, namespace: NAMESPACE },
    ]);
  });

  test("kube-system is reachable only through the eci-profile ConfigMap", () => {
    const inKubeSystem = objects.filter((o) => o.metadata.namespace === "kube-system" && o.kind === "Role");
    for (const role of inKubeSystem) {
      for (const rule of role.rules ?? []) expect(rule.resourceNames).toEqual(["eci-profile"]);
    }
  });

  test("knative-serving is reachable only through get on the two autoscaling ConfigMaps", () => {
    const roles = objects.filter((o) => o.metadata.namespace === "knative-serving" && o.kind === "Role");
    expect(roles).toHaveLength(1);
    expect(roles[0].rules).toEqual([
      {
        apiGroups: [""],
        resources: ["configmaps"],
        resourceNames: ["config-autoscaler", "config-defaults"],
        verbs: ["get"],
      },
    ]);
  });

  test("covers every typed Kubernetes client call in src/", () => {
    // Typed calls go to the core group; a grant on one named object (eci-profile) covers the call on it.
    const withoutName = (p: string) => p.replace(/#[^:]+:/, ":");
    const granted = new Set(Object.values(GRANTS).flatMap((g) => g.permissions.map(withoutName)));
    const calls = sourceFiles(SRC).flatMap((file) => typedClientCalls(readFileSync(file, "utf8")));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(granted).toContain(call);
  });
});
