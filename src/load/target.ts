// Where load goes: a full URL (the Service's status.url or the `url` input), or a gateway base URL plus the
// Service's Host header (Knative routes on Host, so a gateway address alone reaches nothing).

export interface Target {
  /** Absolute URL including the request path and query. */
  url: string;
  /** Request headers, with Host set when a host was given (it replaces the one derived from the URL). */
  headers: Record<string, string>;
}

/**
 * Joins the request path onto the target URL. A root request path keeps the URL's own path and query
 * (`url: https://x/api?q=1`, path `/` → `/api?q=1`); otherwise the path is appended to the URL's path
 * (`http://gw/prefix` + `/items?id=2` → `/prefix/items?id=2`).
 */
export function resolveTarget(
  url: string,
  path: string,
  headers: Record<string, string>,
  host?: string,
): Target {
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
  const requestPath = path === "" ? "/" : path.startsWith("/") ? path : `/${path}`;
  if (requestPath !== "/") {
    const prefix = base.pathname.replace(/\/+$/, "");
    const [pathname, query] = splitQuery(requestPath);
    base.pathname = prefix + pathname;
    base.search = query;
  }
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
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
