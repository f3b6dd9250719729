// Where load goes, chosen once per run and carried as it is to the engine, the cluster workers, the cold-start
// probe and the report: a base URL, plus the Host header when the URL is a gateway (Knative routes on Host, so
// a gateway address alone reaches nothing). `requestFor` turns it into the request the engine sends.
import type { LoadFrom, RequestSettings, Settings } from "../config/settings.js";

export interface LoadTarget {
  /** Base URL requests are sent to; the request path is appended. */
  url: string;
  /** Host header, when sending through a gateway. */
  host?: string;
}

/** What the engine sends to: the absolute request URL, and the headers with Host set for a gateway. */
export interface HttpRequestTarget {
  /** Absolute URL including the request path and query. */
  url: string;
  /** Request headers, with Host set when the target has a host (it replaces the one derived from the URL). */
  headers: Record<string, string>;
}

/** What the Ready wait learnt of a Service's addresses. */
export interface ServiceAddresses {
  /** status.url: the Service's external (or cluster-local) URL. */
  url: string;
  /** status.address.url: the cluster-local address every pod reaches without an ingress. */
  addressUrl?: string;
}

/**
 * The `url` input; else the `gateway` with the Service's Host header; else, from inside the cluster, the
 * cluster-local address (no ingress or public domain needed); else status.url (which a runner outside the
 * cluster can reach only with a real domain).
 */
export function chooseTarget(
  settings: Pick<Settings, "url" | "gateway">,
  service: ServiceAddresses,
  from: LoadFrom,
): LoadTarget {
  if (settings.url) return { url: settings.url };
  if (settings.gateway) {
    const gateway = /^https?:\/\//.test(settings.gateway) ? settings.gateway : `http://${settings.gateway}`;
    return { url: gateway, host: new URL(service.url).host };
  }
  if (from === "cluster" && service.addressUrl) return { url: service.addressUrl };
  return { url: service.url };
}

/** The target in one line, for logs: `http://gw (Host: hello.default.example.com)`. */
export function describeTarget(target: LoadTarget): string {
  return `${target.url}${target.host ? ` (Host: ${target.host})` : ""}`;
}

/**
 * Joins the request path onto the target URL. A root request path keeps the URL's own path and query
 * (`url: https://x/api?q=1`, path `/` → `/api?q=1`); otherwise the path is appended to the URL's path
 * (`http://gw/prefix` + `/items?id=2` → `/prefix/items?id=2`).
 */
export function requestFor(
  target: LoadTarget,
  request: Pick<RequestSettings, "path" | "headers">,
): HttpRequestTarget {
  const { url, host } = target;
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(
      `load target: "${url}" is not an absolute URL (expected e.g. http://hello.default.example.com)`,
    );
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new Error(`load target: "${url}" must use http or https`);
  }
  const path = request.path;
  const requestPath = path === "" ? "/" : path.startsWith("/") ? path : `/${path}`;
  if (requestPath !== "/") {
    const prefix = base.pathname.replace(/\/+$/, "");
    const [pathname, query] = splitQuery(requestPath);
    base.pathname = prefix + pathname;
    base.search = query;
  }
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (host !== undefined && name.toLowerCase() === "host") continue;
    merged[name] = value;
  }
  if (host !== undefined) merged.host = host;
  return { url: base.toString(), headers: merged };
}

function splitQuery(path: string): [string, string] {
  const at = path.indexOf("?");
  return at < 0 ? [path, ""] : [path.slice(0, at), path.slice(at)];
}
