// OpenAPI v3 documents, enough for kubectl: its apply/create validation asks /openapi/v3 whether a group
// version's PATCH operation for the kind takes the `fieldValidation` query parameter and, when it does, leaves
// field validation to the server (which then sees fieldValidation=Strict). Schemas are deliberately open
// (x-kubernetes-preserve-unknown-fields): the Knative webhook rules in knative-admission.ts do the checking.

import { createHash } from "node:crypto";
import { apiGroups, apiVersionOf, RESOURCE_TYPES, type ResourceType } from "./resources.js";

function schemaName(t: ResourceType): string {
  if (!t.group) return `io.k8s.api.core.v1.${t.kind}`;
  if (t.group === "serving.knative.dev") return `dev.knative.serving.v1.${t.kind}`;
  const reversed = t.group
    .replace(/\.k8s\.io$/, "")
    .split(".")
    .reverse()
    .join(".");
  return `io.k8s.api.${reversed}.${t.version}.${t.kind}`;
}

const gvk = (t: ResourceType) => ({ group: t.group, version: t.version, kind: t.kind });

function op(t: ResourceType, action: string, withFieldValidation: boolean): object {
  const parameters = [
    { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
    { name: "fieldManager", in: "query", schema: { type: "string", uniqueItems: true } },
  ];
  if (withFieldValidation)
    parameters.push({ name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } });
  const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
  return {
    operationId: `${action}${t.kind}`,
    parameters,
    responses: { "200": { description: "OK", content: { "application/json": { schema: ref } } } },
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk(t),
  };
}

function pathsFor(t: ResourceType): Record<string, object> {
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const collection = t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}` : `${base}/${t.plural}`;
  const item = `${collection}/{name}`;
  const out: Record<string, object> = {
    [collection]: { get: op(t, "list", false), post: op(t, "post", true) },
    [item]: {
      get: op(t, "get", false),
      put: op(t, "put", true),
      patch: op(t, "patch", true),
      delete: op(t, "delete", false),
    },
  };
  if (t.hasStatus)
    out[`${item}/status`] = {
      get: op(t, "get", false),
      put: op(t, "put", true),
      patch: op(t, "patch", true),
    };
  return out;
}

/** The OpenAPI v3 document of one group version ("" = core), or undefined if not served. */
export function openApiV3Document(group: string, version: string): object | undefined {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const schemas: Record<string, object> = {};
  for (const t of types) {
    schemas[schemaName(t)] = {
      type: "object",
      description: `${t.kind} (${apiVersionOf(t)}), schema left open by the simulator`,
      "x-kubernetes-group-version-kind": [gvk(t)],
      "x-kubernetes-preserve-unknown-fields": true,
    };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes (knative simulator)", version: "v1.32.0" },
    paths: Object.assign({}, ...types.map(pathsFor)),
    components: { schemas },
  };
}

function hashOf(doc: object | undefined): string {
  return createHash("sha512").update(JSON.stringify(doc)).digest("hex").slice(0, 128).toUpperCase();
}

/** The /openapi/v3 root: every served group version and the URL of its document. */
export function openApiV3Root(): object {
  const gvs = [{ name: "", version: "v1" }, ...apiGroups()];
  const paths: Record<string, object> = {};
  for (const g of gvs) {
    const key = g.name ? `apis/${g.name}/${g.version}` : `api/${g.version}`;
    paths[key] = {
      serverRelativeURL: `/openapi/v3/${key}?hash=${hashOf(openApiV3Document(g.name, g.version))}`,
    };
  }
  return { paths };
}
