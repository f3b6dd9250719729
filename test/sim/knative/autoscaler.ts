// The KPA at work for every revision with a Deployment: every bucket (1 s, scaled) it scrapes the pods'
// queue-proxy concurrency plus what waits in the activator into the stable and panic windows; every tick (2 s,
// scaled), or at once when the activator holds a request for a revision without pods, it runs the decider and
// the PodAutoscaler reconcile, scales the Deployment, and puts the activator in or out of the request path.
// With the ASK profile, scaling to zero keeps a reserve pod instead (see ask.ts).
import type { K8sObject } from "../store.js";
import {
  AUTOSCALER_DEFAULTS,
  AUTOSCALING,
  HPA_CLASS,
  resolveAutoscaling,
  type AutoscalingSpec,
} from "./autoscaler-config.js";
import { ReserveInstances } from "./ask.js";
import { clusterAutoscaling } from "./cluster-config.js";
import { parseCpu } from "./cpu.js";
import { ROUTING_STATE_LABEL } from "./configuration-controller.js";
import { RES, scaled, type SimContext, type TemplateSpec } from "./context.js";
import type { Kubelet } from "./kubelet.js";
import { SIM_ANNOTATION, parseTunables } from "./images.js";
import { Decider, MetricWindow, PodAutoscaler, deciderSpec, type ScaleResult } from "./kpa.js";
import { deploymentName } from "./names.js";
import { publishPa } from "./pa-object.js";

/** What the revision controller reads from the PodAutoscaler (its status). */
export interface PaStatus {
  ready: { status: "True" | "False" | "Unknown"; reason: string; message: string };
  scaleTargetInitialized: boolean;
  serviceName: string;
  actualScale: number;
  desiredScale: number;
}

/** One decision, for tests and explanations. */
export interface Decision extends ScaleResult {
  at: number;
  want: number;
  mode: "Proxy" | "Serve";
  replicas: number;
}

class RevisionScaler {
  spec: AutoscalingSpec;
  /** The revision as last ensured: its PodAutoscaler object is named, labelled and owned after it. */
  rev!: K8sObject;
  decider: Decider;
  pa: PodAutoscaler;
  stable: MetricWindow;
  panic: MetricWindow;
  desired = -1;
  ebc = -1;
  lastResult: ScaleResult | undefined;
  readonly timers: NodeJS.Timeout[] = [];
  requeue: NodeJS.Timeout | undefined;
  readonly decisions: Decision[] = [];
  /** HPA class: CPU utilization target (%) and the pods' CPU request (cores), last sync, recommendations. */
  hpa = {
    targetPct: 80,
    requestCores: undefined as number | undefined,
    lastSync: -Infinity,
    recs: [] as { at: number; n: number }[],
  };

  constructor(
    readonly namespace: string,
    readonly name: string,
    spec: AutoscalingSpec,
    ctx: SimContext,
    reachable: boolean,
    readyPods: number,
  ) {
    const now = Date.now();
    this.spec = spec;
    this.decider = new Decider(deciderSpec(spec, ctx.timeScale, reachable), readyPods, now);
    this.pa = new PodAutoscaler(bounds(spec), timings(ctx, spec), now);
    const bucket = scaled(ctx, AUTOSCALER_DEFAULTS.bucketMs);
    this.stable = new MetricWindow(scaled(ctx, spec.stableWindowMs), bucket);
    this.panic = new MetricWindow(scaled(ctx, spec.panicWindowMs), bucket);
  }
}

function bounds(spec: AutoscalingSpec) {
  const hpa = spec.class === HPA_CLASS;
  return {
    // An HPA never goes below one pod (minReplicas defaults to 1, hpa/resources/hpa.go MakeHPA).
    minScale: hpa ? Math.max(1, spec.minScale) : spec.minScale,
    maxScale: spec.maxScale,
    initialScale: spec.initialScale,
    enableScaleToZero: hpa ? false : spec.enableScaleToZero,
  };
}

/** kube-controller-manager's HPA loop (pkg/controller/podautoscaler/horizontal.go and its defaults). */
export const HPA = {
  syncPeriodMs: 15_000,
  tolerance: 0.1,
  downscaleStabilizationMs: 300_000,
  /** Default scale-up policies: 100 % or 4 pods per 15 s, whichever is more. */
  scaleUpPods: 4,
  /** autoscaling/v2 defaulting: no metrics → 80 % average CPU utilization. */
  defaultCpuUtilization: 80,
} as const;

function timings(ctx: SimContext, spec: AutoscalingSpec) {
  return {
    stableWindowMs: scaled(ctx, spec.stableWindowMs),
    scaleToZeroGracePeriodMs: scaled(ctx, spec.scaleToZeroGracePeriodMs),
    scaleToZeroPodRetentionMs: scaled(ctx, spec.scaleToZeroPodRetentionMs),
    activationTimeoutMs: scaled(ctx, spec.progressDeadlineMs + AUTOSCALER_DEFAULTS.activationTimeoutBufferMs),
  };
}

export class Autoscaler {
  private readonly scalers = new Map<string, RevisionScaler>();
  private readonly reserve: ReserveInstances;

  constructor(
    private readonly ctx: SimContext,
    private readonly kubelet: Kubelet,
    /** The PodAutoscaler status of a revision changed: reconcile the revision. */
    private readonly onStatusChange: (namespace: string, revision: string) => void,
  ) {
    this.reserve = new ReserveInstances(ctx);
  }

  /** Creates or updates the autoscaler of a revision that has a Deployment; returns its status. */
  ensure(rev: K8sObject): PaStatus | undefined {
    const ns = rev.metadata.namespace as string;
    const name = rev.metadata.name as string;
    const key = `${ns}/${name}`;
    if (!this.ctx.store.get(RES.deployment, ns, deploymentName(name))) return undefined;
    const spec = (rev.spec ?? {}) as TemplateSpec;
    const as = resolveAutoscaling(
      rev.metadata.annotations,
      spec.containerConcurrency ?? 0,
      clusterAutoscaling(this.ctx.config),
    );
    const reachable = rev.metadata.labels?.[ROUTING_STATE_LABEL] !== "reserve";
    const dp = this.ctx.gateway.revision(ns, name);
    dp.containerConcurrency = spec.containerConcurrency ?? 0;
    dp.timeoutMs = Math.min(spec.timeoutSeconds ?? 300, spec.responseStartTimeoutSeconds || Infinity) * 1000;
    dp.networkLatencyMs =
      rev.metadata.annotations?.[SIM_ANNOTATION.networkLatency] !== undefined
        ? parseTunables(rev.metadata.annotations).tunables.networkLatencyMs
        : this.ctx.gateway.defaultNetworkLatencyMs;
    if (this.ctx.profile === "ask" && as.class !== HPA_CLASS) this.reserve.ensureService(rev);
    let s = this.scalers.get(key);
    if (!s) {
      s = new RevisionScaler(ns, name, as, this.ctx, reachable, this.kubelet.readyCount(ns, name));
      this.scalers.set(key, s);
      this.start(s);
      dp.onDemand = () => this.poke(key);
      const eps = this.kubelet.endpoints(ns, name);
      dp.setEndpoints(eps.ready, eps.reserve);
    } else {
      s.decider.spec = deciderSpec(as, this.ctx.timeScale, reachable);
      s.pa.bounds = bounds(as);
      s.pa.timings = timings(this.ctx, as);
      // A new window length (annotation or config-autoscaler stable-window): upstream resizes the buckets
      // keeping their data (bucketing.go ResizeWindow); here the window starts empty again.
      const bucket = scaled(this.ctx, AUTOSCALER_DEFAULTS.bucketMs);
      if (s.stable.windowMs !== scaled(this.ctx, as.stableWindowMs))
        s.stable = new MetricWindow(scaled(this.ctx, as.stableWindowMs), bucket);
      if (s.panic.windowMs !== scaled(this.ctx, as.panicWindowMs))
        s.panic = new MetricWindow(scaled(this.ctx, as.panicWindowMs), bucket);
      s.spec = as;
    }
    // For the HPA class, `target` is the CPU utilization percentage (MakeHPA), default 80 %.
    const t = Number(rev.metadata.annotations?.[AUTOSCALING.target]);
    s.hpa.targetPct = Number.isFinite(t) && t > 0 ? Math.ceil(t) : HPA.defaultCpuUtilization;
    s.rev = rev;
    s.hpa.requestCores = parseCpu(
      (spec.containers?.[0] as { resources?: { requests?: { cpu?: unknown } } } | undefined)?.resources
        ?.requests?.cpu,
    );
    this.publish(s);
    return this.status(s);
  }

  /** Writes the revision's PodAutoscaler object (pa-object.ts) with the status the reconciler now has. */
  private publish(s: RevisionScaler): void {
    publishPa(this.ctx, s.rev, this.status(s), {
      containerConcurrency: this.ctx.gateway.findRevision(s.namespace, s.name)?.containerConcurrency ?? 0,
      reachable: s.decider.spec.reachable,
      class: s.spec.class,
    });
  }

  /** The decisions taken for a revision so far (newest last), for tests and the README's figures. */
  decisions(namespace: string, revision: string): Decision[] {
    return [...(this.scalers.get(`${namespace}/${revision}`)?.decisions ?? [])];
  }

  /** The autoscaling spec a revision is scaled with now (annotations over config-autoscaler over defaults). */
  spec(namespace: string, revision: string): AutoscalingSpec | undefined {
    return this.scalers.get(`${namespace}/${revision}`)?.spec;
  }

  forget(namespace: string, revision: string): void {
    const key = `${namespace}/${revision}`;
    const s = this.scalers.get(key);
    if (!s) return;
    this.stopScaler(s);
    this.scalers.delete(key);
    this.ctx.gateway.removeRevision(namespace, revision);
  }

  /** A revision's pods changed readiness: a scale-from-zero or reserve hand-over may proceed now. */
  endpointsChanged(namespace: string, revision: string): void {
    const s = this.scalers.get(`${namespace}/${revision}`);
    if (s) this.tick(s);
  }

  stop(): void {
    for (const s of this.scalers.values()) this.stopScaler(s);
    this.scalers.clear();
  }

  private stopScaler(s: RevisionScaler): void {
    for (const t of s.timers) clearInterval(t);
    s.timers.length = 0;
    if (s.requeue) clearTimeout(s.requeue);
  }

  private start(s: RevisionScaler): void {
    s.timers.push(setInterval(() => this.scrape(s), scaled(this.ctx, AUTOSCALER_DEFAULTS.bucketMs)));
    s.timers.push(setInterval(() => this.tick(s), scaled(this.ctx, AUTOSCALER_DEFAULTS.tickIntervalMs)));
  }

  /** One scrape: the queue-proxies' average concurrency (or request rate) plus the activator's buffer. */
  private scrape(s: RevisionScaler): void {
    const now = Date.now();
    const dp = this.ctx.gateway.findRevision(s.namespace, s.name);
    const { ready, reserve } = this.kubelet.endpoints(s.namespace, s.name);
    const pods = [...ready, ...reserve];
    let concurrency = 0;
    let requests = 0;
    for (const p of pods) {
      const st = p.sample();
      concurrency += st.concurrency;
      requests += st.requests;
    }
    const act = dp?.sample() ?? { concurrency: 0, requests: 0 };
    concurrency += act.concurrency;
    // Requests the activator forwarded were also counted by the pods; only its buffered ones are extra.
    const value =
      s.spec.metric === "rps"
        ? requests / (scaled(this.ctx, AUTOSCALER_DEFAULTS.bucketMs) / 1000)
        : concurrency;
    // An empty target is not scraped (collector.go): with no pods and no traffic there is no data point.
    if (pods.length === 0 && value === 0) return;
    s.stable.record(now, value);
    s.panic.record(now, value);
  }

  /** The activator holds a request for a revision without pods: record it and decide now (multiscaler Poke). */
  private poke(key: string): void {
    const s = this.scalers.get(key);
    if (!s) return;
    const dp = this.ctx.gateway.findRevision(s.namespace, s.name);
    const now = Date.now();
    const buffered = dp?.bufferedCount ?? 1;
    s.stable.record(now, buffered);
    s.panic.record(now, buffered);
    this.tick(s);
  }

  private tick(s: RevisionScaler): void {
    const { store } = this.ctx;
    const now = Date.now();
    const dname = deploymentName(s.name);
    const deployment = store.get(RES.deployment, s.namespace, dname);
    if (!deployment) return;
    const readyPods = this.kubelet.readyCount(s.namespace, s.name);
    if (s.spec.class === HPA_CLASS) {
      this.hpaSync(s, now, readyPods, (deployment.spec as { replicas?: number }).replicas ?? 1);
    } else if (!s.stable.isEmpty(now)) {
      const r = s.decider.scale(now, readyPods, s.stable.average(now), s.panic.average(now));
      s.desired = r.desired;
      s.ebc = r.excessBurstCapacity;
      s.lastResult = r;
    }
    const before = JSON.stringify(this.status(s));
    const current = (deployment.spec as { replicas?: number }).replicas ?? 1;
    const out = s.pa.reconcile({
      now,
      desired: s.desired,
      excessBurstCapacity: s.ebc,
      readyPods,
      currentReplicas: current,
      reachable: s.decider.spec.reachable,
    });
    let replicas = current;
    let apply = out.applyReplicas;
    if (this.ctx.profile === "ask")
      apply = this.reserve.adjust(s.namespace, s.name, current, apply, readyPods, s.pa.bounds.minScale);
    if (apply !== undefined && apply !== current) {
      store.update(RES.deployment, {
        ...deployment,
        spec: { ...(deployment.spec as object), replicas: apply },
      });
      replicas = apply;
    }
    const dp = this.ctx.gateway.findRevision(s.namespace, s.name);
    if (dp) dp.mode = out.mode;
    if (s.lastResult) {
      s.decisions.push({ ...s.lastResult, at: now, want: out.want, mode: out.mode, replicas });
      if (s.decisions.length > 2000) s.decisions.splice(0, s.decisions.length - 2000);
    }
    if (out.requeueAt !== undefined) {
      if (s.requeue) clearTimeout(s.requeue);
      s.requeue = setTimeout(() => this.tick(s), Math.max(0, out.requeueAt - now) + 1);
    }
    if (JSON.stringify(this.status(s)) !== before) this.onStatusChange(s.namespace, s.name);
    this.publish(s);
  }

  /**
   * The HPA's loop for an hpa.autoscaling.knative.dev revision (the KPA stays out of it, and the activator too:
   * hpa.go keeps the SKS in Serve mode): every 15 s (scaled), average CPU utilization of the ready pods
   * against the target; desired = ceil(ready × utilization / target) outside a 10 % tolerance; up by at most
   * max(100 %, 4 pods); down only to the highest recommendation of the last 5 min (scaled). Without a CPU
   * request the HPA cannot compute utilization and keeps the replica count.
   */
  private hpaSync(s: RevisionScaler, now: number, ready: number, current: number): void {
    s.ebc = 0;
    if (now - s.hpa.lastSync < scaled(this.ctx, HPA.syncPeriodMs) && s.desired >= 0) return;
    s.hpa.lastSync = now;
    const pods = this.kubelet.endpoints(s.namespace, s.name).ready;
    const request = s.hpa.requestCores;
    let desired = Math.max(current, 1);
    let utilization = 0;
    if (request && pods.length > 0) {
      const usage = pods.reduce((sum, p) => sum + p.cpu.sampleUsage(), 0) / pods.length;
      utilization = (usage / request) * 100;
      const ratio = utilization / s.hpa.targetPct;
      if (Math.abs(ratio - 1) > HPA.tolerance) desired = Math.ceil(ready * ratio);
      else desired = current;
      desired = Math.min(desired, Math.max(2 * current, current + HPA.scaleUpPods));
      const window = scaled(this.ctx, HPA.downscaleStabilizationMs);
      s.hpa.recs = s.hpa.recs.filter((r) => now - r.at < window);
      s.hpa.recs.push({ at: now, n: desired });
      if (desired < current) desired = Math.min(current, Math.max(...s.hpa.recs.map((r) => r.n)));
    }
    s.desired = Math.max(1, desired);
    s.lastResult = {
      desired: s.desired,
      excessBurstCapacity: 0,
      panicking: false,
      observedStable: utilization,
      observedPanic: utilization,
      readyPods: ready,
    };
  }

  private status(s: RevisionScaler): PaStatus {
    const pa = s.pa;
    const ready: PaStatus["ready"] =
      pa.active === "Active"
        ? { status: "True", reason: "", message: "" }
        : pa.active === "Inactive"
          ? { status: "False", reason: pa.activeReason, message: pa.activeMessage }
          : { status: "Unknown", reason: pa.activeReason, message: pa.activeMessage };
    return {
      ready,
      scaleTargetInitialized: pa.scaleTargetInitialized,
      serviceName: s.name,
      actualScale: this.kubelet.readyCount(s.namespace, s.name),
      desiredScale: pa.want,
    };
  }
}
