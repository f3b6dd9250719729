// The kubelet of the simulator's one node: runs every pod as a PodServer on 127.0.0.1, writes the pod status a
// real kubelet would (Pending → Running → Ready after the startup time; CrashLoopBackOff with the last
// termination for a crashing image; Running but never Ready for one that fails its probe), and terminates
// deleted pods gracefully: out of the endpoints at once, Terminating while the queue-proxy drains (upstream's
// 30 s drain sleep, scaled), then gone. It also keeps each revision's routable pods in the gateway. Pods of a
// batch/v1 Job are left to the Job controller (test/sim/jobs), which runs them as processes.
import type { K8sObject, Store } from "../store.js";
import { RES, scaled, type SimContext } from "./context.js";
import { recordEvent } from "./events.js";
import { classifyImage, parseTunables, type ImageBehaviour } from "./images.js";
import { NODE_NAME, unschedulableMessage } from "./capacity.js";
import { parseCpu } from "./cpu.js";
import { ANNOTATION, LABEL } from "./names.js";
import { PodServer } from "./pod-server.js";
import { rfc3339 } from "./status.js";

/** pkg/queue/sharedmain drainSleepDuration. */
export const DRAIN_SLEEP_MS = 30_000;
/**
 * Kubelet's back-offs, for crash loops and image pulls alike: 10 s doubling to 5 min
 * (pkg/kubelet/kubelet.go backOffPeriod, MaxContainerBackOff; the image manager's flowcontrol.Backoff).
 */
export const BACKOFF_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
/** How soon after a failed pull the pod worker syncs again and reports the back-off (status update resync). */
const PULL_RESYNC_MS = 1_000;

type Phase = "pending" | "running" | "ready" | "crashed" | "terminating";
type ContainerState =
  "creating" | "running" | "ready" | "crashloop" | "draining" | "pull-error" | "pull-backoff";

interface ContainerLike {
  name?: string;
  image?: string;
  env?: { name: string; value?: string }[];
}

export const RESERVE_LABEL = LABEL.reserve;

export function isReservePod(pod: K8sObject): boolean {
  return pod.metadata.labels?.[RESERVE_LABEL] === "true";
}

class PodRuntime {
  phase: Phase = "pending";
  server: PodServer | undefined;
  readonly timers = new Set<NodeJS.Timeout>();
  restarts = 0;
  /** Failed image pulls so far (the image back-off doubles with each). */
  pullFailures = 0;
  /** Container logs, for GET pods/<name>/log. */
  readonly logs = new Map<string, string[]>();
  lastTermination: Record<string, unknown> | undefined;
  startedAt = "";
  readonly behaviour: ImageBehaviour;
  readonly startupMs: number;
  readonly containers: ContainerLike[];

  constructor(
    readonly namespace: string,
    readonly name: string,
    readonly uid: string,
    readonly revision: string | undefined,
    readonly reserve: boolean,
    pod: K8sObject,
    timeScale: number,
  ) {
    this.containers = ((pod.spec as { containers?: ContainerLike[] } | undefined)?.containers ??
      []) as ContainerLike[];
    const annotations = pod.metadata.annotations ?? {};
    this.behaviour = classifyImage(this.containers[0]?.image ?? "", annotations);
    this.startupMs = parseTunables(annotations).tunables.startupTimeMs * timeScale;
  }

  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  log(container: string, line: string): void {
    const d = new Date();
    const stamp = d.toISOString().slice(0, 19).replace("T", " ").replace(/-/g, "/");
    const lines = this.logs.get(container) ?? [];
    lines.push(`${stamp} ${line}`);
    if (lines.length > 1000) lines.shift();
    this.logs.set(container, lines);
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** A pod a batch/v1 Job controls: the Job controller (test/sim/jobs) runs it as a process, not this kubelet. */
export function isJobPod(pod: K8sObject): boolean {
  return (
    pod.metadata.ownerReferences?.some(
      (r) => r.controller && r.kind === "Job" && r.apiVersion === "batch/v1",
    ) ?? false
  );
}

export class Kubelet {
  private readonly pods = new Map<string, PodRuntime>();
  /** Pods the scheduler could not place (node full), in arrival order: retried when a pod leaves. */
  private readonly unschedulable = new Set<string>();
  /** Images the node has pulled (image pull delay knob): later pods of the same image start without a pull. */
  private readonly images = new Set<string>();
  private stopped = false;

  constructor(private readonly ctx: SimContext) {
    ctx.store.setDeleteHook(RES.pod, (pod) =>
      this.pods.has(podKey(pod)) && !this.stopped ? "deferred" : undefined,
    );
  }

  private get store(): Store {
    return this.ctx.store;
  }

  /** Reacts to a pod change from the store. */
  observe(type: "ADDED" | "MODIFIED" | "DELETED", pod: K8sObject): void {
    if (this.stopped || isJobPod(pod)) return;
    const key = podKey(pod);
    const rt = this.pods.get(key);
    if (type === "DELETED") {
      this.unschedulable.delete(key);
      if (rt) void this.forget(rt);
      return;
    }
    if (!rt && !pod.metadata.deletionTimestamp) {
      this.schedule(pod);
      return;
    }
    if (rt && pod.metadata.deletionTimestamp && rt.phase !== "terminating") this.terminate(rt, pod);
  }

  /** Ready pods of a revision, serving and reserve, as the gateway should route to them. */
  endpoints(namespace: string, revision: string): { ready: PodServer[]; reserve: PodServer[] } {
    const ready: PodServer[] = [];
    const reserve: PodServer[] = [];
    for (const rt of this.pods.values()) {
      if (rt.namespace !== namespace || rt.revision !== revision || rt.phase !== "ready" || !rt.server)
        continue;
      (rt.reserve ? reserve : ready).push(rt.server);
    }
    return { ready, reserve };
  }

  /** Ready serving (non-reserve) pods of a revision: the KPA's ready pod count. */
  readyCount(namespace: string, revision: string): number {
    return this.endpoints(namespace, revision).ready.length;
  }

  /** A container's log (the user container by default), as `kubectl logs` shows it. */
  logs(namespace: string, name: string, container?: string): string {
    const rt = this.pods.get(`${namespace}/${name}`);
    if (!rt) return "";
    const lines = rt.logs.get(container ?? rt.containers[0]?.name ?? "user-container") ?? [];
    return lines.map((l) => l + "\n").join("");
  }

  /** Fault knob: the pod dies at once (no drain); its ReplicaSet replaces it. */
  kill(namespace: string, name: string): boolean {
    const pod = this.store.get(RES.pod, namespace, name);
    if (!pod) return false;
    this.store.delete(RES.pod, namespace, name, { gracePeriodSeconds: 0 });
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.store.setDeleteHook(RES.pod, undefined);
    const all = [...this.pods.values()];
    this.pods.clear();
    await Promise.all(
      all.map(async (rt) => {
        rt.clearTimers();
        await rt.server?.close();
      }),
    );
  }

  /**
   * The scheduler's part: place the pod on the node if it has room for one more pod (every pod the kubelet
   * holds counts, Terminating ones too, until they are gone), else PodScheduled=False `Unschedulable` and a
   * FailedScheduling event, once per pod; it is retried when a pod leaves the node.
   */
  private schedule(pod: K8sObject): void {
    const key = podKey(pod);
    if (this.pods.size >= this.ctx.nodeCapacity) {
      if (this.unschedulable.has(key)) return;
      this.unschedulable.add(key);
      const message = unschedulableMessage(1);
      const now = rfc3339(new Date());
      this.store.update(
        RES.pod,
        {
          ...pod,
          status: {
            phase: "Pending",
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message,
                lastProbeTime: null,
                lastTransitionTime: now,
              },
            ],
            qosClass: "Burstable",
          },
        },
        { subresource: "status" },
      );
      recordEvent(this.store, "default-scheduler", pod, "Warning", "FailedScheduling", message);
      return;
    }
    this.unschedulable.delete(key);
    this.start(pod);
  }

  /** A pod left the node: the scheduler retries the unschedulable pods, oldest first. */
  private retryUnschedulable(): void {
    for (const key of [...this.unschedulable]) {
      if (this.pods.size >= this.ctx.nodeCapacity || this.stopped) return;
      const [ns, name] = key.split("/");
      const pod = this.store.get(RES.pod, ns, name);
      if (!pod || pod.metadata.deletionTimestamp) {
        this.unschedulable.delete(key);
        continue;
      }
      this.schedule(pod);
    }
  }

  private start(pod: K8sObject): void {
    const rt = new PodRuntime(
      pod.metadata.namespace as string,
      pod.metadata.name as string,
      pod.metadata.uid as string,
      pod.metadata.labels?.[LABEL.revision],
      isReservePod(pod),
      pod,
      this.ctx.timeScale,
    );
    this.pods.set(podKey(pod), rt);
    const scheduling = scaled(this.ctx, this.ctx.delays.schedulingMs);
    if (scheduling > 0) rt.after(scheduling, () => this.bind(rt));
    else this.bind(rt);
  }

  /** The scheduler binds the pod (spec.nodeName); the kubelet pulls the image if the node lacks it, then starts. */
  private bind(rt: PodRuntime): void {
    const pod = this.store.get(RES.pod, rt.namespace, rt.name);
    if (!pod || rt.phase === "terminating" || this.stopped) return;
    this.store.update(RES.pod, { ...pod, spec: { ...(pod.spec as object), nodeName: NODE_NAME } });
    this.writeStatus(rt, {
      phase: "Pending",
      conditions: [cond("PodScheduled", "True")],
      containers: "creating",
    });
    recordEvent(
      this.store,
      "default-scheduler",
      pod,
      "Normal",
      "Scheduled",
      `Successfully assigned ${rt.namespace}/${rt.name} to ${NODE_NAME}`,
    );
    const d = this.ctx.delays;
    const containerStart = scaled(this.ctx, d.containerStartMs);
    if (rt.behaviour.lifecycle === "pull-backoff") {
      rt.after(containerStart, () => this.pullFailed(rt));
      return;
    }
    const image = rt.containers[0]?.image ?? "";
    const pullMs = scaled(this.ctx, d.imagePullMs);
    if (pullMs <= 0) {
      rt.after(containerStart, () => void this.run(rt));
      return;
    }
    if (this.images.has(image)) {
      // shouldPullImage: IfNotPresent and present on the node.
      recordEvent(
        this.store,
        "kubelet",
        pod,
        "Normal",
        "Pulled",
        `Container image "${image}" already present on machine`,
      );
      rt.after(containerStart, () => void this.run(rt));
      return;
    }
    recordEvent(this.store, "kubelet", pod, "Normal", "Pulling", `Pulling image "${image}"`);
    const started = performance.now();
    rt.after(pullMs, () => {
      this.images.add(image);
      const p = this.store.get(RES.pod, rt.namespace, rt.name);
      if (p) {
        const secs = ((performance.now() - started) / 1000).toFixed(3);
        recordEvent(
          this.store,
          "kubelet",
          p,
          "Normal",
          "Pulled",
          `Successfully pulled image "${image}" in ${secs}s`,
        );
      }
      rt.after(containerStart, () => void this.run(rt));
    });
  }

  /**
   * The image manager's failed pull (pkg/kubelet/images/image_manager.go EnsureImageExists): events Pulling
   * and Failed, the container waiting ErrImagePull with the runtime's error; at the next sync, while the
   * back-off runs, ImagePullBackOff `Back-off pulling image "<image>"`; then another attempt. The back-off is
   * 10 s doubling to 300 s. The queue-proxy starts (SyncPod starts each container independently) but never
   * gets ready, as the user container does not answer it; the phase stays Pending.
   */
  private pullFailed(rt: PodRuntime): void {
    if (rt.phase === "terminating" || this.stopped) return;
    const pod = this.store.get(RES.pod, rt.namespace, rt.name);
    if (!pod) return;
    const image = rt.containers[0]?.image ?? "";
    const error = pullError(image);
    rt.pullFailures++;
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_MS * 2 ** (rt.pullFailures - 1));
    recordEvent(this.store, "kubelet", pod, "Normal", "Pulling", `Pulling image "${image}"`);
    recordEvent(this.store, "kubelet", pod, "Warning", "Failed", `Failed to pull image "${image}": ${error}`);
    recordEvent(this.store, "kubelet", pod, "Warning", "Failed", "Error: ErrImagePull");
    this.writeStatus(rt, { phase: "Pending", containers: "pull-error", waitingMessage: error });
    rt.after(scaled(this.ctx, Math.min(PULL_RESYNC_MS, backoff)), () => {
      const p = this.store.get(RES.pod, rt.namespace, rt.name);
      if (!p || rt.phase === "terminating") return;
      const message = `Back-off pulling image "${image}"`;
      recordEvent(this.store, "kubelet", p, "Normal", "BackOff", message);
      recordEvent(this.store, "kubelet", p, "Warning", "Failed", "Error: ImagePullBackOff");
      this.writeStatus(rt, { phase: "Pending", containers: "pull-backoff", waitingMessage: message });
    });
    rt.after(scaled(this.ctx, backoff), () => this.pullFailed(rt));
  }

  /** Starts (or restarts) the containers: listen, Running, then Ready or a crash after the startup time. */
  private async run(rt: PodRuntime): Promise<void> {
    if (rt.phase === "terminating" || this.stopped) return;
    const pod = this.store.get(RES.pod, rt.namespace, rt.name);
    if (!pod) return;
    if (!rt.server) {
      const env = Object.fromEntries((rt.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? ""]));
      const qp = Object.fromEntries(
        (rt.containers.find((c) => c.name === "queue-proxy")?.env ?? []).map((e) => [e.name, e.value ?? ""]),
      );
      const server = new PodServer({
        name: rt.name,
        namespace: rt.namespace,
        revision: rt.revision ?? "",
        app: rt.behaviour.app,
        tunables: parseTunables(pod.metadata.annotations).tunables,
        containerConcurrency: Number(qp.CONTAINER_CONCURRENCY ?? 0) || 0,
        // The sim's responses start when they end, so a response-start timeout bounds the whole request too.
        timeoutMs:
          Math.min(
            Number(qp.REVISION_TIMEOUT_SECONDS ?? 300) || 300,
            Number(qp.REVISION_RESPONSE_START_TIMEOUT_SECONDS ?? 0) || Infinity,
          ) * 1000,
        cpuCores: containerCpu(rt.containers[0]),
        // The node's noise, times the ASK reserve pod's lower speed (reserve-slowdown annotation).
        slowdown: (() => {
          const reserveFactor = rt.reserve
            ? parseTunables(pod.metadata.annotations).tunables.reserveSlowdown
            : 1;
          return () => this.slowdown() * reserveFactor;
        })(),
        env,
      });
      const port = await server.listen();
      if (this.stopped || (rt.phase as Phase) === "terminating" || !this.pods.has(podKey(pod))) {
        await server.close();
        return;
      }
      rt.server = server;
      const fresh = this.store.get(RES.pod, rt.namespace, rt.name);
      if (!fresh) return;
      this.store.update(RES.pod, {
        ...fresh,
        metadata: {
          ...fresh.metadata,
          annotations: { ...(fresh.metadata.annotations ?? {}), [ANNOTATION.podPort]: String(port) },
        },
      });
    }
    rt.phase = "running";
    rt.startedAt = rfc3339(new Date());
    const user = rt.containers[0]?.name ?? "user-container";
    const app = rt.behaviour.app === "hello" ? "helloworld" : "echo";
    rt.log(user, `${app}: starting server...`);
    rt.log(
      "queue-proxy",
      `{"severity":"INFO","message":"Starting queue-proxy","knative.dev/pod":"${rt.name}"}`,
    );
    this.writeStatus(rt, { phase: "Running", containers: "running" });
    recordEvent(
      this.store,
      "kubelet",
      pod,
      "Normal",
      "Started",
      `Started container ${rt.containers[0]?.name ?? "user-container"}`,
    );
    if (rt.behaviour.lifecycle === "never-ready") return;
    // Readiness is seen at the first probe tick (every readinessProbePeriodMs from the start) after the app is up.
    const period = scaled(this.ctx, this.ctx.delays.readinessProbePeriodMs);
    const readyAfter = period > 0 ? Math.ceil(rt.startupMs / period) * period : rt.startupMs;
    rt.after(readyAfter, () => {
      if (rt.phase !== "running") return;
      if (rt.behaviour.lifecycle === "crash") this.crash(rt);
      else {
        rt.phase = "ready";
        rt.log(
          rt.containers[0]?.name ?? "user-container",
          `${rt.behaviour.app === "hello" ? "helloworld" : "echo"}: listening on port ${userPortOf(rt)}`,
        );
        this.writeStatus(rt, { phase: "Running", containers: "ready" });
        this.syncEndpoints(rt);
      }
    });
  }

  private crash(rt: PodRuntime): void {
    rt.phase = "crashed";
    rt.log(rt.containers[0]?.name ?? "user-container", rt.behaviour.exitMessage);
    rt.restarts++;
    const finishedAt = rfc3339(new Date());
    rt.lastTermination = {
      terminated: {
        exitCode: rt.behaviour.exitCode,
        reason: rt.behaviour.exitCode === 0 ? "Completed" : "Error",
        message: rt.behaviour.exitMessage,
        startedAt: rt.startedAt,
        finishedAt,
        containerID: containerID(rt.uid, rt.restarts),
      },
    };
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_MS * 2 ** (rt.restarts - 1));
    this.writeStatus(rt, { phase: "Running", containers: "crashloop", backoffMs: backoff });
    const pod = this.store.get(RES.pod, rt.namespace, rt.name);
    if (pod) {
      recordEvent(
        this.store,
        "kubelet",
        pod,
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${rt.containers[0]?.name ?? "user-container"} in pod ${rt.name}_${rt.namespace}(${rt.uid})`,
      );
    }
    rt.after(scaled(this.ctx, backoff), () => void this.run(rt));
  }

  private terminate(rt: PodRuntime, pod: K8sObject): void {
    const wasReady = rt.phase === "ready";
    rt.phase = "terminating";
    rt.clearTimers();
    this.syncEndpoints(rt);
    this.writeStatus(rt, { phase: "Running", containers: wasReady || rt.server ? "draining" : "creating" });
    recordEvent(
      this.store,
      "kubelet",
      pod,
      "Normal",
      "Killing",
      `Stopping container ${rt.containers[0]?.name ?? "user-container"}`,
    );
    const graceMs = ((pod.metadata.deletionGracePeriodSeconds as number | undefined) ?? 30) * 1000;
    // The queue-proxy sleeps so that routers stop sending, then waits for in-flight requests; the grace period caps both.
    const drain = wasReady ? Math.min(scaled(this.ctx, DRAIN_SLEEP_MS), scaled(this.ctx, graceMs)) : 0;
    const deadline = Date.now() + Math.max(drain, scaled(this.ctx, graceMs));
    const finish = () => {
      if ((rt.server?.inFlight ?? 0) > 0 && Date.now() < deadline) {
        rt.after(20, finish);
        return;
      }
      void this.forget(rt).then(() => this.store.finishDelete(RES.pod, rt.namespace, rt.name));
    };
    rt.after(drain, finish);
  }

  private async forget(rt: PodRuntime): Promise<void> {
    const key = `${rt.namespace}/${rt.name}`;
    if (this.pods.get(key) !== rt) return;
    this.pods.delete(key);
    queueMicrotask(() => this.retryUnschedulable());
    rt.phase = "terminating";
    rt.clearTimers();
    this.syncEndpoints(rt);
    await rt.server?.close();
  }

  private syncEndpoints(rt: PodRuntime): void {
    if (!rt.revision) return;
    const dp = this.ctx.gateway.findRevision(rt.namespace, rt.revision);
    if (!dp) return;
    const { ready, reserve } = this.endpoints(rt.namespace, rt.revision);
    dp.setEndpoints(ready, reserve);
    this.onEndpointsChanged(rt.namespace, rt.revision);
  }

  /** Set by the simulator: the node's current slowdown factor (noise.ts); 1 = none. */
  slowdown: () => number = () => 1;

  /** Set by the simulator: endpoints of a revision changed (the autoscaler and revision controller care). */
  onEndpointsChanged: (namespace: string, revision: string) => void = () => {};

  private writeStatus(
    rt: PodRuntime,
    s: {
      phase: string;
      conditions?: Record<string, unknown>[];
      containers: ContainerState;
      backoffMs?: number;
      /** The user container's waiting message (image pull states). */
      waitingMessage?: string;
    },
  ): void {
    const pod = this.store.get(RES.pod, rt.namespace, rt.name);
    if (!pod || this.stopped) return;
    const now = rfc3339(new Date());
    const old = (pod.status ?? {}) as {
      conditions?: { type: string; status: string; lastTransitionTime?: string }[];
      startTime?: string;
    };
    const ready = s.containers === "ready";
    const pulling = s.containers === "pull-error" || s.containers === "pull-backoff";
    const started = s.containers !== "creating";
    const userName = rt.containers[0]?.name ?? "user-container";
    // The user container has no probe of its own (Knative moves it to the queue-proxy), so it is ready once
    // running; the queue-proxy is ready only when the app answers and the pod is not draining.
    const userReady = ready || s.containers === "running" || s.containers === "draining";
    // An image that cannot be pulled: the user container waits, so the pod has no IP-bound app yet.
    const unready = [...(userReady ? [] : [userName]), ...(ready ? [] : ["queue-proxy"])];
    const notReady = `containers with unready status: [${unready.join(" ")}]`;
    const conditions = s.conditions ?? [
      cond("PodReadyToStartContainers", "True"),
      cond("Initialized", "True"),
      ready ? cond("Ready", "True") : cond("Ready", "False", "ContainersNotReady", notReady),
      ready
        ? cond("ContainersReady", "True")
        : cond("ContainersReady", "False", "ContainersNotReady", notReady),
      cond("PodScheduled", "True"),
    ];
    for (const c of conditions) {
      const before = old.conditions?.find((o) => o.type === c.type);
      c.lastTransitionTime = before && before.status === c.status ? before.lastTransitionTime : now;
    }
    const images = rt.containers.map((c) => c.image ?? "");
    const containerStatuses = rt.containers.map((c, i) => {
      const isUser = i === 0;
      const base: Record<string, unknown> = {
        name: c.name,
        image: images[i],
        imageID: `${(images[i] ?? "").split(":")[0]}@sha256:${"0".repeat(64)}`,
        restartCount: isUser ? rt.restarts : 0,
        started: started && !(isUser && (s.containers === "crashloop" || pulling)),
        ready: isUser ? userReady : ready,
      };
      if (!started) base.state = { waiting: { reason: "ContainerCreating" } };
      else if (isUser && pulling) {
        base.state = {
          waiting: {
            reason: s.containers === "pull-error" ? "ErrImagePull" : "ImagePullBackOff",
            message: s.waitingMessage ?? "",
          },
        };
        base.imageID = "";
      } else if (isUser && s.containers === "crashloop") {
        base.state = {
          waiting: {
            reason: "CrashLoopBackOff",
            message: `back-off ${Math.round((s.backoffMs ?? BACKOFF_MS) / 1000)}s restarting failed container=${c.name} pod=${rt.name}_${rt.namespace}(${rt.uid})`,
          },
        };
      } else base.state = { running: { startedAt: rt.startedAt || now } };
      if (isUser && rt.lastTermination) base.lastState = rt.lastTermination;
      if (started && !(isUser && pulling))
        base.containerID = containerID(rt.uid, isUser ? rt.restarts : 1000 + i);
      return base;
    });
    const status: Record<string, unknown> = {
      phase: s.phase,
      conditions,
      hostIP: "127.0.0.1",
      hostIPs: [{ ip: "127.0.0.1" }],
      startTime: old.startTime ?? now,
      containerStatuses,
      qosClass: "Burstable",
    };
    if (started) {
      status.podIP = "127.0.0.1";
      status.podIPs = [{ ip: "127.0.0.1" }];
    }
    this.store.update(RES.pod, { ...pod, status }, { subresource: "status" });
  }
}

/**
 * What containerd answers when the node cannot pull an image whose digest the Knative controller could
 * resolve: typically the node lacks the registry credentials the controller had (or a rate limit applies).
 */
export function pullError(image: string): string {
  const [name, tag = "latest"] = splitTag(image);
  const slash = name.indexOf("/");
  const host = slash > 0 ? name.slice(0, slash) : "registry-1.docker.io";
  const path = slash > 0 ? name.slice(slash + 1) : `library/${name}`;
  return (
    `rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference ` +
    `"${image}": unexpected status from HEAD request to https://${host}/v2/${path}/manifests/${tag}: 401 Unauthorized`
  );
}

function splitTag(image: string): [string, string | undefined] {
  const noDigest = image.split("@")[0];
  const colon = noDigest.lastIndexOf(":");
  return colon > noDigest.lastIndexOf("/")
    ? [noDigest.slice(0, colon), noDigest.slice(colon + 1)]
    : [noDigest, undefined];
}

/** The CPU a container may use: its limit, else its request (a busy node gives no more); unset = unlimited. */
export function containerCpu(c: ContainerLike | undefined): number | undefined {
  const r = (c as { resources?: { limits?: { cpu?: unknown }; requests?: { cpu?: unknown } } } | undefined)
    ?.resources;
  return parseCpu(r?.limits?.cpu) ?? parseCpu(r?.requests?.cpu);
}

function userPortOf(rt: PodRuntime): string {
  return rt.containers[0]?.env?.find((e) => e.name === "PORT")?.value ?? "8080";
}

function podKey(pod: K8sObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

function cond(type: string, status: string, reason?: string, message?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { type, status };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function containerID(uid: string, n: number): string {
  return `containerd://${(uid.replace(/-/g, "") + n.toString(16).padStart(8, "0")).slice(-64).padStart(64, "0")}`;
}
