// The ingress gateway (Kourier/Istio's role): one HTTP port on 127.0.0.1 that routes by Host header to a
// Knative Route's traffic targets. The route controller programs the host table once a route has traffic;
// an unknown host is a 404, as Envoy answers with no matching virtual host.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { RevisionDataPlane, reply } from "./activator.js";

export interface TrafficTarget {
  revision: string;
  percent: number;
}

export interface HostEntry {
  namespace: string;
  route: string;
  targets: TrafficTarget[];
  /** Served by the external gateway too (the route's external host); else only by the internal one. */
  external: boolean;
}

export class Gateway {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
  private readonly server: http.Server;
  /** The cluster-local gateway (kourier-internal): every route's cluster-local names, for in-cluster clients. */
  private readonly internal: http.Server;
  internalPort = 0;
  private readonly sockets = new Set<Socket>();
  private readonly hosts = new Map<string, HostEntry>();
  private readonly revisions = new Map<string, RevisionDataPlane>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** When each route first asked for its ingress (the ingress delay knob). */
  private readonly ingressSince = new Map<string, number>();
  port = 0;

  constructor(readonly defaultNetworkLatencyMs = 0) {
    this.server = http.createServer((req, res) => this.handle(req, res, true));
    this.internal = http.createServer((req, res) => this.handle(req, res, false));
    for (const server of [this.server, this.internal]) {
      server.keepAliveTimeout = 60_000;
      server.on("connection", (s: Socket) => {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
      });
    }
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      this.internal.once("error", reject);
      this.internal.listen(0, "127.0.0.1", () => resolve());
    });
    this.internalPort = (this.internal.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  /** http://127.0.0.1:<port> of the cluster-local gateway. */
  get internalUrl(): string {
    return `http://127.0.0.1:${this.internalPort}`;
  }

  /** The data plane of a revision, created on first use. */
  revision(namespace: string, name: string): RevisionDataPlane {
    const key = `${namespace}/${name}`;
    let r = this.revisions.get(key);
    if (!r) {
      r = new RevisionDataPlane(namespace, name, this.agent);
      r.networkLatencyMs = this.defaultNetworkLatencyMs;
      this.revisions.set(key, r);
    }
    return r;
  }

  findRevision(namespace: string, name: string): RevisionDataPlane | undefined {
    return this.revisions.get(`${namespace}/${name}`);
  }

  removeRevision(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.revisions.get(key)?.stop();
    this.revisions.delete(key);
  }

  /**
   * How long a route still waits for its load balancer (ms, 0 = ready): `delayMs` from the first time the route
   * asked, unless its hosts are already served.
   */
  ingressWait(namespace: string, route: string, delayMs: number): number {
    if (delayMs <= 0) return 0;
    for (const e of this.hosts.values()) if (e.namespace === namespace && e.route === route) return 0;
    const key = `${namespace}/${route}`;
    const since = this.ingressSince.get(key) ?? Date.now();
    this.ingressSince.set(key, since);
    return Math.max(0, since + delayMs - Date.now());
  }

  /**
   * Programs (or with no targets, removes) the hosts of a route; `externalHosts` are also served by the
   * external gateway (none for a cluster-local route).
   */
  setRoute(
    namespace: string,
    route: string,
    hosts: string[],
    targets: TrafficTarget[],
    externalHosts: string[] = hosts,
  ): void {
    for (const [h, e] of [...this.hosts])
      if (e.namespace === namespace && e.route === route) this.hosts.delete(h);
    if (targets.length === 0) {
      this.ingressSince.delete(`${namespace}/${route}`);
      return;
    }
    const ext = new Set(externalHosts.map((h) => h.toLowerCase()));
    for (const h of hosts)
      this.hosts.set(h.toLowerCase(), { namespace, route, targets, external: ext.has(h.toLowerCase()) });
  }

  lookup(host: string): HostEntry | undefined {
    return this.hosts.get(host.toLowerCase().replace(/:\d+$/, ""));
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const r of this.revisions.values()) r.stop();
    this.revisions.clear();
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    this.agent.destroy();
    this.internal.closeAllConnections();
    await Promise.all(
      [this.server, this.internal].map((sv) => new Promise<void>((resolve) => sv.close(() => resolve()))),
    );
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, external: boolean): void {
    const host = req.headers.host ?? "";
    const found = this.lookup(host);
    // The external gateway has virtual hosts only for external hosts: cluster-local names and cluster-local
    // routes are unknown to it, as to Kourier's external listener.
    const entry = found && (found.external || !external) ? found : undefined;
    if (!entry) {
      reply(res, 404, `no Knative route for host "${host}"\n`);
      return;
    }
    const revName = pickTarget(entry.targets);
    const rev = revName ? this.findRevision(entry.namespace, revName) : undefined;
    if (!rev) {
      reply(res, 503, `revision of route ${entry.namespace}/${entry.route} is not available\n`);
      return;
    }
    if (rev.networkLatencyMs <= 0) {
      rev.dispatch(req, res);
      return;
    }
    // The client's distance from the cluster: time on the wire that no pod counts as concurrency.
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      rev.dispatch(req, res);
    }, rev.networkLatencyMs);
    this.timers.add(timer);
  }
}

/** Weighted choice among traffic targets by percent. */
export function pickTarget(targets: TrafficTarget[], random = Math.random()): string | undefined {
  const total = targets.reduce((s, t) => s + t.percent, 0);
  if (total <= 0) return targets[0]?.revision;
  let x = random * total;
  for (const t of targets) {
    x -= t.percent;
    if (x < 0) return t.revision;
  }
  return targets[targets.length - 1]?.revision;
}
