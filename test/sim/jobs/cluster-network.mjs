// Preloaded (`node --import`) into every process the simulator runs for a Job pod: it plays the cluster's DNS
// and Service routing for in-cluster names. A connection to a name ending in one of the cluster suffixes
// (`hello.default.svc.cluster.local:80`, `hello.default.svc`) goes to the address given in
// SIM_CLUSTER_NETWORK (the simulator's gateway), the way a Knative Service's cluster-local name reaches the
// ingress in a real cluster. The Host header is untouched, so the gateway still routes by it. Every other
// address connects as usual. The worker code itself never knows it runs in the simulator.
import net from "node:net";

const config = JSON.parse(process.env.SIM_CLUSTER_NETWORK ?? "{}");
const suffixes = (config.suffixes ?? [".svc.cluster.local", ".svc"]).map((s) => s.toLowerCase());
const [toHost, toPort] = String(config.to ?? "").split(/:(?=\d+$)/);

const inCluster = (host) => {
  const name = String(host ?? "")
    .toLowerCase()
    .replace(/\.$/, "");
  return suffixes.some((suffix) => name.endsWith(suffix));
};

/** The same arguments with the connection going to the cluster address: new objects, because http.Agent
 * keeps using the options it passed (its free-socket pool is keyed by their host and port). */
function rerouted(args) {
  if (Array.isArray(args[0])) {
    // Node's own callers pass [options, callback] marked as normalized by a symbol property: keep the marks.
    const normalized = Object.assign(
      [...args[0]],
      Object.fromEntries(Object.getOwnPropertySymbols(args[0]).map((s) => [s, args[0][s]])),
    );
    normalized[0] = { ...args[0][0], host: toHost, port: Number(toPort) };
    return [normalized, ...args.slice(1)];
  }
  if (typeof args[0] === "object")
    return [{ ...args[0], host: toHost, port: Number(toPort) }, ...args.slice(1)];
  return [Number(toPort), toHost, ...args.slice(2)];
}

if (toHost && toPort) {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    const options = Array.isArray(args[0]) ? args[0][0] : typeof args[0] === "object" ? args[0] : undefined;
    const host = options ? !options.path && options.host : typeof args[1] === "string" && args[1];
    return connect.apply(this, host && inCluster(host) ? rerouted(args) : args);
  };
}
