// What an API request is about, from its method and path, like the apiserver's RequestInfoResolver:
// /api/v1/namespaces/demo/pods/p1/status → {verb: "get", resource: pods, namespace: demo, name: p1, subresource}.

import { findResourceType, type ResourceType } from "./resources.js";

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export interface ResourceRequest {
  kind: "resource";
  verb: Verb;
  type: ResourceType;
  group: string;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface NonResourceRequest {
  kind: "nonresource";
  verb: "get";
  path: string;
}

/** A /api or /apis path naming a group version or resource the server does not serve. */
export interface UnknownResourceRequest {
  kind: "unknown";
  verb: string;
  path: string;
}

export type RequestInfo = ResourceRequest | NonResourceRequest | UnknownResourceRequest;

function truthy(v: string | null): boolean {
  return v === "true" || v === "1";
}

export function resolveRequest(method: string, url: URL): RequestInfo {
  let segs: string[];
  try {
    segs = url.pathname
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
  } catch {
    return { kind: "unknown", verb: method.toLowerCase(), path: url.pathname };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === "api" && segs.length >= 3) {
    [group, version, rest] = ["", segs[1], segs.slice(2)];
  } else if (segs[0] === "apis" && segs.length >= 4) {
    [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  } else {
    return { kind: "nonresource", verb: "get", path: url.pathname };
  }
  let legacyWatch = false;
  if (rest[0] === "watch") {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const nested = findResourceType(group, version, rest[2]);
    if (nested?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const type = findResourceType(group, version, rest[0] ?? "");
  if (!type || rest.length > 3) return { kind: "unknown", verb: method.toLowerCase(), path: url.pathname };
  const [, name, subresource] = rest;

  let verb: Verb;
  switch (method) {
    case "GET":
    case "HEAD":
      verb = legacyWatch || truthy(url.searchParams.get("watch")) ? "watch" : name ? "get" : "list";
      break;
    case "POST":
      verb = "create";
      break;
    case "PUT":
      verb = "update";
      break;
    case "PATCH":
      verb = "patch";
      break;
    case "DELETE":
      verb = name ? "delete" : "deletecollection";
      break;
    default:
      return { kind: "unknown", verb: method.toLowerCase(), path: url.pathname };
  }
  return { kind: "resource", verb, type, group, version, namespace, name, subresource };
}
