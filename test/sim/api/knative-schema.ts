// The field structure of the serving.knative.dev CRD schemas (knative/serving config/core/300-resources/*.yaml),
// as far as typos matter: the apiserver prunes fields a structural schema does not declare, and with
// fieldValidation=Strict (kubectl's default) refuses them: `Service in version "v1" cannot be handled as a
// Service: strict decoding error: unknown field "spec.template.spec.containers[0].imagee"`.
// Nested Kubernetes types the CRD copies in full (probes, resources, volumes, affinity...) are left open.

import type { ResourceId } from "./resources.js";

type Node = "open" | { fields: Record<string, Node> } | { items: Node };

const OPEN: Node = "open";
const fields = (f: Record<string, Node>): Node => ({ fields: f });
const items = (n: Node): Node => ({ items: n });
const leaves = (...names: string[]): Record<string, Node> => Object.fromEntries(names.map((n) => [n, OPEN]));

const CONTAINER = fields({
  ...leaves(
    "args",
    "command",
    "envFrom",
    "image",
    "imagePullPolicy",
    "livenessProbe",
    "name",
    "readinessProbe",
    "resources",
  ),
  ...leaves(
    "securityContext",
    "startupProbe",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "volumeMounts",
    "workingDir",
  ),
  env: items(fields(leaves("name", "value", "valueFrom"))),
  ports: items(fields(leaves("containerPort", "name", "protocol"))),
});

const REVISION_SPEC = fields({
  ...leaves("affinity", "automountServiceAccountToken", "containerConcurrency", "dnsConfig", "dnsPolicy"),
  ...leaves("enableServiceLinks", "hostAliases", "hostIPC", "hostNetwork", "hostPID", "idleTimeoutSeconds"),
  ...leaves("imagePullSecrets", "nodeSelector", "priorityClassName", "responseStartTimeoutSeconds"),
  ...leaves(
    "runtimeClassName",
    "schedulerName",
    "securityContext",
    "serviceAccountName",
    "shareProcessNamespace",
  ),
  ...leaves("timeoutSeconds", "tolerations", "topologySpreadConstraints", "volumes"),
  containers: items(CONTAINER),
  initContainers: items(CONTAINER),
});

const TEMPLATE = fields({ metadata: OPEN, spec: REVISION_SPEC });
const TRAFFIC = items(
  fields(leaves("configurationName", "latestRevision", "percent", "revisionName", "tag", "url")),
);
const ROOT = (spec: Node): Node =>
  fields({ apiVersion: OPEN, kind: OPEN, metadata: OPEN, spec, status: OPEN });

const SCHEMAS: Record<string, Node> = {
  "serving.knative.dev/services": ROOT(fields({ template: TEMPLATE, traffic: TRAFFIC })),
  "serving.knative.dev/configurations": ROOT(fields({ template: TEMPLATE })),
  "serving.knative.dev/revisions": ROOT(REVISION_SPEC),
  "serving.knative.dev/routes": ROOT(fields({ traffic: TRAFFIC })),
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Paths of fields the schema does not declare, removing them from `obj` when `prune` is set. */
export function unknownFields(res: ResourceId, obj: unknown, prune: boolean): string[] {
  const root = SCHEMAS[res];
  const out: string[] = [];
  const walk = (v: unknown, node: Node, path: string) => {
    if (node === "open") return;
    if ("items" in node) {
      if (Array.isArray(v)) v.forEach((item, i) => walk(item, node.items, `${path}[${i}]`));
      return;
    }
    if (!isObject(v)) return;
    for (const k of Object.keys(v)) {
      const child = node.fields[k];
      const p = path ? `${path}.${k}` : k;
      if (child) walk(v[k], child, p);
      else {
        out.push(p);
        if (prune) delete v[k];
      }
    }
  };
  if (root) walk(obj, root, "");
  return out;
}
