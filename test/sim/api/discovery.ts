// Legacy (unaggregated) discovery documents: /version, /api, /api/v1, /apis, /apis/<group>[/<version>].
// kubectl asks for aggregated discovery first and falls back to these when it gets plain JSON back.

import { apiGroups, RESOURCE_TYPES, type ResourceType } from "./resources.js";
import { SCALABLE } from "./scale.js";

export const SERVER_VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-knative-sim",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: "linux/amd64",
};

export function apiVersions(serverAddress: string): object {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupDoc(name: string, version: string): object {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): object {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: apiGroups().map((g) => groupDoc(g.name, g.version)),
  };
}

export function apiGroup(name: string): object | undefined {
  const g = apiGroups().find((x) => x.name === name);
  return g && { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g.name, g.version) };
}

function resourceEntries(t: ResourceType): object[] {
  const main: Record<string, unknown> = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs,
  };
  if (t.shortNames.length > 0) main.shortNames = t.shortNames;
  if (t.categories.length > 0) main.categories = t.categories;
  const out: object[] = [main];
  if (t.hasStatus) {
    out.push({
      name: `${t.plural}/status`,
      singularName: "",
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ["get", "patch", "update"],
    });
  }
  if (SCALABLE.has(t.id)) {
    out.push({
      name: `${t.plural}/scale`,
      singularName: "",
      namespaced: true,
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: ["get", "patch", "update"],
    });
  }
  if (t.id === "/pods") {
    out.push({ name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] });
  }
  return out;
}

/** The APIResourceList of a group version ("" group = core /api/v1), or undefined if not served. */
export function apiResourceList(group: string, version: string): object | undefined {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap(resourceEntries),
  };
}
