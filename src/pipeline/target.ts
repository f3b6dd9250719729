// Where the load goes: the `url` input, else through the `gateway` with the service's Host header, else
// straight at status.url (which a runner outside the cluster can reach only with a real domain), or, for load
// from inside the cluster, the Service's cluster-local address.
import type { Settings } from "../config/settings.js";

export interface LoadTarget {
  /** Base URL requests are sent to; the request path is appended by the load engine. */
  url: string;
  /** Host header, when sending through a gateway. */
  host?: string;
}

export function resolveTarget(settings: Pick<Settings, "url" | "gateway">, statusUrl: string): LoadTarget {
  if (settings.url) return { url: settings.url };
  if (settings.gateway) {
    const gateway = /^https?:\/\//.test(settings.gateway) ? settings.gateway : `http://${settings.gateway}`;
    return { url: gateway, host: new URL(statusUrl).host };
  }
  return { url: statusUrl };
}

/**
 * Where load from inside the cluster goes: `url` or `gateway` as for the runner, else the Service's cluster-local
 * address (status.address.url), which every pod reaches without an ingress or a public domain. Without an
 * address (an older Knative), status.url.
 */
export function resolveClusterTarget(
  settings: Pick<Settings, "url" | "gateway">,
  statusUrl: string,
  addressUrl: string | undefined,
): LoadTarget {
  if (settings.url || settings.gateway || !addressUrl) return resolveTarget(settings, statusUrl);
  return { url: addressUrl };
}
