// Knative Serving in the simulator: the controllers (Service, Configuration, Route, Revision), the parts of
// Kubernetes they need (Deployment/ReplicaSet controllers, a kubelet), the KPA and the data plane (gateway,
// activator, pods), all driven by the store's change feed through per-kind work queues.
import type { ChangeEvent, K8sObject, Store } from "../store.js";
import { eciProfile } from "./ask.js";
import { NodeNoise, type NoiseOptions } from "./noise.js";
import { DEFAULT_DELAYS, REALISTIC_DELAYS, type Delays } from "./delays.js";
import { DEFAULT_NODE_CAPACITY, nodeObject, syncQuotaStatus } from "./capacity.js";
import { ClusterConfig, KNATIVE_NAMESPACE, knativeConfigMaps } from "./cluster-config.js";
import { Autoscaler } from "./autoscaler.js";
import { reconcileConfiguration } from "./configuration-controller.js";
import { RES, type Profile, type SimContext } from "./context.js";
import { Gateway } from "./gateway.js";
import { Kubelet } from "./kubelet.js";
import { LABEL } from "./names.js";
import { reconcileRevision } from "./revision-controller.js";
import { reconcileRoute } from "./route-controller.js";
import { reconcileService } from "./service-controller.js";
import { WorkloadControllers } from "./workloads.js";
import { WorkQueue } from "./workqueue.js";

export interface KnativeOptions {
  store: Store;
  timeScale?: number;
  /** Route domain; default Knative's "svc.cluster.local". */
  domain?: string;
  profile?: Profile;
  /** Gateway port (0 = random). */
  gatewayPort?: number;
  /** Start-up and ingress delays; unset fields come from the profile (realistic) or the fast defaults. */
  delays?: Partial<Delays>;
  /** Cluster-side noise: random seeded episodes slowing every pod of the node (noise.ts). */
  noise?: NoiseOptions;
  /** Pods the node holds (default 110, kubelet's --max-pods). */
  nodeCapacity?: number;
  /** Default client-to-cluster latency the gateway adds (ms); the network-latency annotation overrides. */
  networkLatencyMs?: number;
  log?: (line: string) => void;
}

type QueueName = "service" | "configuration" | "route" | "revision" | "deployment" | "replicaset";

export class Knative {
  readonly gateway: Gateway;
  readonly kubelet: Kubelet;
  readonly autoscaler: Autoscaler;
  /** The node's noise, when configured. */
  readonly noise: NodeNoise | undefined;
  readonly ctx: SimContext;
  private readonly queues: Record<QueueName, WorkQueue>;
  private readonly unsubscribe: () => void;
  gatewayUrl = "";
  /** The cluster-local gateway (in-cluster clients: Job pods reach cluster-local names here). */
  internalGatewayUrl = "";

  private constructor(opts: KnativeOptions) {
    const log = opts.log ?? (() => {});
    this.gateway = new Gateway(opts.networkLatencyMs ?? 0);
    this.ctx = {
      store: opts.store,
      gateway: this.gateway,
      timeScale: opts.timeScale ?? 1,
      domain: opts.domain ?? "svc.cluster.local",
      profile: opts.profile ?? "default",
      config: new ClusterConfig(opts.store, log),
      nodeCapacity: opts.nodeCapacity ?? DEFAULT_NODE_CAPACITY,
      delays: {
        ...(opts.profile === "realistic" ? REALISTIC_DELAYS : DEFAULT_DELAYS),
        ...Object.fromEntries(Object.entries(opts.delays ?? {}).filter(([, v]) => v !== undefined)),
      },
      log,
    };
    const ctx = this.ctx;
    this.kubelet = new Kubelet(ctx);
    this.noise = opts.noise ? new NodeNoise(opts.noise) : undefined;
    const noise = this.noise;
    if (noise) this.kubelet.slowdown = () => noise.slowdown();
    this.autoscaler = new Autoscaler(ctx, this.kubelet, (ns, rev) =>
      this.queues.revision.add(`${ns}/${rev}`),
    );
    this.kubelet.onEndpointsChanged = (ns, rev) => {
      this.autoscaler.endpointsChanged(ns, rev);
      this.queues.revision.add(`${ns}/${rev}`);
    };
    const workloads = new WorkloadControllers(ctx, (_q, key, ms) => this.queues.deployment.addAfter(key, ms));
    const onError = (name: string, key: string, err: unknown) =>
      log(`${name} ${key}: ${err instanceof Error ? err.message : String(err)}`);
    this.queues = {
      service: new WorkQueue("service", (k) => reconcileService(ctx, k), onError),
      configuration: new WorkQueue("configuration", (k) => reconcileConfiguration(ctx, k), onError),
      route: new WorkQueue("route", (k) => reconcileRoute(ctx, k), onError),
      revision: new WorkQueue(
        "revision",
        (k) => reconcileRevision(ctx, { autoscaler: (rev) => this.autoscaler.ensure(rev) }, k),
        onError,
      ),
      deployment: new WorkQueue("deployment", (k) => workloads.reconcileDeployment(k), onError),
      replicaset: new WorkQueue("replicaset", (k) => workloads.reconcileReplicaSet(k), onError),
    };
    this.unsubscribe = opts.store.subscribe((e) => this.route(e));
  }

  static async start(opts: KnativeOptions): Promise<Knative> {
    const k = new Knative(opts);
    k.gatewayUrl = await k.gateway.listen(opts.gatewayPort ?? 0);
    k.internalGatewayUrl = k.gateway.internalUrl;
    const { store } = k.ctx;
    for (const ns of ["knative-serving", ...(k.ctx.profile === "ask" ? ["kube-system"] : [])]) {
      if (!store.get(RES.namespace, undefined, ns)) store.create(RES.namespace, { metadata: { name: ns } });
    }
    if (!store.get("/nodes", undefined, "sim-node")) store.create("/nodes", nodeObject(k.ctx.nodeCapacity));
    for (const cm of knativeConfigMaps(k.ctx.domain)) {
      if (!store.get(RES.configMap, KNATIVE_NAMESPACE, cm.metadata.name as string))
        store.create(RES.configMap, cm);
    }
    if (k.ctx.profile === "ask" && !store.get(RES.configMap, "kube-system", "eci-profile")) {
      store.create(RES.configMap, eciProfile());
    }
    // Objects that existed before the controllers started are reconciled like new ones.
    for (const [res, queue] of [
      [RES.ksvc, "service"],
      [RES.configuration, "configuration"],
      [RES.route, "route"],
      [RES.revision, "revision"],
      [RES.deployment, "deployment"],
      [RES.replicaSet, "replicaset"],
    ] as const) {
      for (const o of store.list(res, undefined).items) k.queues[queue].add(keyOf(o));
    }
    return k;
  }

  /** Fault knob: a pod dies on the spot (connections reset, no drain); its ReplicaSet replaces it. */
  killPod(namespace: string, name: string): boolean {
    return this.kubelet.kill(namespace, name);
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    for (const q of Object.values(this.queues)) q.stop();
    this.autoscaler.stop();
    this.noise?.stop();
    await this.kubelet.stop();
    await this.gateway.close();
  }

  /** Maps one store change to the work queues that care (the informers' event handlers). */
  private route(e: ChangeEvent): void {
    const o = e.object;
    const key = keyOf(o);
    const ns = o.metadata.namespace as string;
    const q = this.queues;
    const owner = (kind: string) =>
      o.metadata.ownerReferences?.find((r) => r.controller && r.kind === kind)?.name;
    switch (e.res) {
      case RES.ksvc:
        q.service.add(key);
        break;
      case RES.configuration: {
        q.configuration.add(key);
        const svc = owner("Service") ?? o.metadata.labels?.[LABEL.service];
        if (svc) q.service.add(`${ns}/${svc}`);
        this.routesIn(ns);
        break;
      }
      case RES.route:
        q.route.add(key);
        if (e.type === "DELETED") this.gateway.setRoute(ns, o.metadata.name as string, [], []);
        if (owner("Service")) q.service.add(`${ns}/${owner("Service")}`);
        break;
      case RES.revision: {
        if (e.type === "DELETED") this.autoscaler.forget(ns, o.metadata.name as string);
        else q.revision.add(key);
        const config = o.metadata.labels?.[LABEL.configuration];
        if (config) q.configuration.add(`${ns}/${config}`);
        this.routesIn(ns);
        break;
      }
      case RES.deployment: {
        q.deployment.add(key);
        const rev = owner("Revision");
        if (rev) q.revision.add(`${ns}/${rev}`);
        break;
      }
      case RES.replicaSet: {
        q.replicaset.add(key);
        const d = owner("Deployment");
        if (d) q.deployment.add(`${ns}/${d}`);
        break;
      }
      case RES.configMap:
        // The config watcher: a change to Knative's configuration resyncs every revision (its PodAutoscaler
        // and Deployment) and every route (config-domain), as upstream's config stores trigger GlobalResync.
        if (ns === KNATIVE_NAMESPACE) {
          for (const r of this.ctx.store.list(RES.revision, undefined).items) q.revision.add(keyOf(r));
          for (const r of this.ctx.store.list(RES.route, undefined).items) q.route.add(keyOf(r));
        }
        break;
      case "/resourcequotas":
        // A new or raised quota: the ReplicaSet controllers retry their failed creates.
        for (const rs of this.ctx.store.list(RES.replicaSet, ns).items) q.replicaset.add(keyOf(rs));
        syncQuotaStatus(this.ctx.store, ns);
        break;
      case RES.pod: {
        this.kubelet.observe(e.type, o);
        if (e.type !== "MODIFIED") syncQuotaStatus(this.ctx.store, ns);
        const rs = owner("ReplicaSet");
        if (rs) q.replicaset.add(`${ns}/${rs}`);
        const rev = o.metadata.labels?.[LABEL.revision];
        if (rev) q.revision.add(`${ns}/${rev}`);
        break;
      }
    }
  }

  private routesIn(ns: string): void {
    for (const r of this.ctx.store.list(RES.route, ns).items) this.queues.route.add(keyOf(r));
  }
}

function keyOf(o: K8sObject): string {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}
