// The simulator's Job controller and the kubelet for Job pods, after upstream's pkg/controller/job and the
// kubelet's pod lifecycle, for batch/v1 Jobs in NonIndexed and Indexed completion mode:
// - pods `<job>-<index>-<random>` (Indexed; `<job>-<random>` otherwise) with the Job's labels
//   (`batch.kubernetes.io/job-name`, `controller-uid`, `batch.kubernetes.io/job-completion-index`), the index
//   annotation, JOB_COMPLETION_INDEX in every container's environment, hostname `<job>-<index>`, and an
//   owner reference to the Job (so deleting the Job removes them);
// - up to `parallelism` pods at once until `completions` succeeded (each index once when Indexed);
//   `backoffLimit` failed pods fail the Job (BackoffLimitExceeded), `activeDeadlineSeconds` too
//   (DeadlineExceeded); either way the active pods are deleted; conditions SuccessCriteriaMet/FailureTarget
//   then Complete/Failed, status active/ready/succeeded/failed/completedIndexes/startTime/completionTime;
// - `ttlSecondsAfterFinished` deletes a finished Job; `suspend` creates no pods.
// Each pod's one container runs as a local `node` process (see pod-process.ts): Pending while its ConfigMap
// or Secret volumes do not exist yet (as the kubelet's mount retries), ErrImagePull/ImagePullBackOff for an
// image under the reserved `.invalid` domain, Running, then Succeeded or Failed with the exit code (and the log
// tail as termination message under FallbackToLogsOnError). Simplified: one node (`sim-node`), no pod
// failure policy, no backoffLimitPerIndex, no successPolicy, no tracking finalizers, and a deleted pod's
// process is stopped with a short grace period.
import type { ChangeEvent, K8sObject, OwnerReference, Store } from "../store.js";
import { ContainerProcess, StartError, type ContainerSpec, type VolumeFiles } from "./pod-process.js";

const JOBS = "batch/jobs";
const PODS = "/pods";
const CONFIGMAPS = "/configmaps";
const SECRETS = "/secrets";
const INDEX_KEY = "batch.kubernetes.io/job-completion-index";
const NODE_NAME = "sim-node";
/** Kubelet's termination message limits for FallbackToLogsOnError: the last 80 lines, at most 2048 bytes. */
const TERMINATION_LOG_LINES = 80;
const TERMINATION_LOG_BYTES = 2048;
/** How long a deleted pod's process gets after SIGTERM. */
const STOP_GRACE_MS = 1000;
/** From scheduling to the container start (sandbox, cached image). */
const CONTAINER_START_MS = 100;
/** The image pull failure turns into a back-off after this. */
const PULL_BACKOFF_MS = 500;

export interface JobControllerOptions {
  /**
   * Address (`host:port`) that cluster-local names (`*.svc.cluster.local`, `*.svc`) of any port reach from
   * Job pods: the simulator's gateway. Without it those names do not resolve.
   */
  clusterAddress?: string;
  /** Multiplies the controller's delays (container start, ttlSecondsAfterFinished, activeDeadlineSeconds). */
  timeScale?: number;
  log?: (line: string) => void;
}

export interface JobController {
  /** A Job pod's container log (its first container by default), or undefined for a pod it does not run. */
  logs(namespace: string, name: string, container?: string): string | undefined;
  /** Fault knob: kills a Job pod's process with a signal (as the OOM killer or a node failure would). */
  kill(namespace: string, name: string, signal?: NodeJS.Signals): boolean;
  /** Stops every process and timer. */
  stop(): Promise<void>;
}

interface JobSpec {
  completions?: number;
  parallelism?: number;
  completionMode?: "Indexed" | "NonIndexed";
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  template: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: PodSpec;
  };
}

interface PodSpec {
  containers: (ContainerSpec & { terminationMessagePolicy?: string })[];
  volumes?: {
    name: string;
    configMap?: { name: string; optional?: boolean };
    secret?: { secretName: string };
    emptyDir?: object;
  }[];
  restartPolicy?: string;
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
  [key: string]: unknown;
}

interface Condition {
  type: string;
  status: "True" | "False";
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active?: number;
  ready?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  completedIndexes?: string;
  conditions?: Condition[];
  uncountedTerminatedPods?: object;
}

interface RunningPod {
  namespace: string;
  name: string;
  uid: string;
  container: string;
  process?: ContainerProcess;
  /** The log of a container that has finished (the process is gone), or of one that never ran. */
  log: string;
  timers: Set<NodeJS.Timeout>;
  stopped: boolean;
}

const rfc3339 = (d: Date = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const keyOf = (o: K8sObject): string => `${o.metadata.namespace}/${o.metadata.name}`;

function controllerOf(o: K8sObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find(
    (r) => r.controller && r.kind === "Job" && r.apiVersion === "batch/v1",
  );
}

/** "0-2,4,6,7": the compressed index list upstream writes to status.completedIndexes. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    // Two neighbours are listed, not ranged: "0,1" (orderedIntervals.String in indexed_job_utils.go).
    parts.push(
      i === j ? String(sorted[i]) : `${sorted[i]}${sorted[j] === sorted[i] + 1 ? "," : "-"}${sorted[j]}`,
    );
    i = j + 1;
  }
  return parts.join(",");
}

export function startJobController(store: Store, options: JobControllerOptions = {}): JobController {
  const scale = options.timeScale ?? 1;
  const log = options.log ?? (() => {});
  const pods = new Map<string, RunningPod>();
  const jobTimers = new Map<string, NodeJS.Timeout[]>();
  /** Pods that wait for a volume source (ConfigMap or Secret) to exist. */
  const waitingForVolumes = new Set<string>();
  let stopped = false;
  let syncing = false;
  const pending = new Set<string>();

  const after = (rp: RunningPod, ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      rp.timers.delete(t);
      if (!rp.stopped && !stopped) fn();
    }, ms);
    rp.timers.add(t);
  };

  const writePodStatus = (rp: RunningPod, status: Record<string, unknown>) => {
    const pod = store.get(PODS, rp.namespace, rp.name);
    if (!pod || pod.metadata.uid !== rp.uid) return;
    store.update(
      PODS,
      { ...pod, status: { ...(pod.status as object), ...status } },
      { subresource: "status" },
    );
  };

  const containerStatus = (rp: RunningPod, image: string, state: object, ready = false) => ({
    containerStatuses: [
      { name: rp.container, image, imageID: "", ready, restartCount: 0, started: ready, state },
    ],
  });

  const podConditions = (ready: boolean, reason?: string) => {
    const now = rfc3339();
    const c = (type: string, status: boolean) => ({
      type,
      status: status ? "True" : "False",
      lastTransitionTime: now,
      ...(!status && reason ? { reason } : {}),
    });
    return [c("PodScheduled", true), c("Initialized", true), c("ContainersReady", ready), c("Ready", ready)];
  };

  /** The files of each volume, or the name of a source that does not exist (yet). */
  const resolveVolumes = (pod: K8sObject): Record<string, VolumeFiles> | { missing: string } => {
    const volumes: Record<string, VolumeFiles> = {};
    for (const v of (pod.spec as PodSpec).volumes ?? []) {
      if (v.configMap) {
        const cm = store.get(CONFIGMAPS, pod.metadata.namespace, v.configMap.name);
        if (!cm && !v.configMap.optional) return { missing: `configmap "${v.configMap.name}" not found` };
        volumes[v.name] = { ...((cm?.data as Record<string, string> | undefined) ?? {}) };
      } else if (v.secret) {
        const secret = store.get(SECRETS, pod.metadata.namespace, v.secret.secretName);
        if (!secret) return { missing: `secret "${v.secret.secretName}" not found` };
        const data = (secret.data as Record<string, string> | undefined) ?? {};
        volumes[v.name] = Object.fromEntries(
          Object.entries(data).map(([k, b64]) => [k, Buffer.from(b64, "base64").toString()]),
        );
      } else volumes[v.name] = {};
    }
    return volumes;
  };

  const envOf = (pod: K8sObject, container: ContainerSpec): Record<string, string> => {
    const field = (path: string): string => {
      const m = /^metadata\.(annotations|labels)\['(.+)'\]$/.exec(path);
      if (m) return pod.metadata[m[1] as "annotations" | "labels"]?.[m[2]] ?? "";
      if (path === "metadata.name") return pod.metadata.name ?? "";
      if (path === "metadata.namespace") return pod.metadata.namespace ?? "";
      if (path === "metadata.uid") return pod.metadata.uid ?? "";
      if (path === "spec.nodeName") return NODE_NAME;
      if (path === "status.podIP" || path === "status.hostIP") return "127.0.0.1";
      return "";
    };
    const env: Record<string, string> = {
      HOSTNAME: (pod.spec as PodSpec).hostname ?? pod.metadata.name ?? "",
    };
    for (const e of container.env ?? [])
      env[e.name] = e.value ?? (e.valueFrom?.fieldRef ? field(e.valueFrom.fieldRef.fieldPath) : "");
    return env;
  };

  /** The kubelet side: mount, pull, start, and report the exit. */
  const runPod = (pod: K8sObject) => {
    const spec = pod.spec as PodSpec;
    const container = spec.containers[0];
    const rp: RunningPod = {
      namespace: pod.metadata.namespace as string,
      name: pod.metadata.name as string,
      uid: pod.metadata.uid as string,
      container: container.name,
      log: "",
      timers: new Set(),
      stopped: false,
    };
    pods.set(keyOf(pod), rp);
    const image = container.image ?? "";
    const waiting = (reason: string, message?: string) =>
      writePodStatus(rp, {
        phase: "Pending",
        conditions: podConditions(false, "ContainersNotReady"),
        ...containerStatus(rp, image, { waiting: { reason, ...(message ? { message } : {}) } }),
      });
    writePodStatus(rp, {
      phase: "Pending",
      hostIP: "127.0.0.1",
      startTime: rfc3339(),
      conditions: podConditions(false, "ContainersNotReady"),
      ...containerStatus(rp, image, { waiting: { reason: "ContainerCreating" } }),
    });

    const start = () => {
      const current = store.get(PODS, rp.namespace, rp.name);
      if (!current || current.metadata.deletionTimestamp) return;
      const volumes = resolveVolumes(current);
      if ("missing" in volumes) {
        waitingForVolumes.add(keyOf(current));
        return;
      }
      waitingForVolumes.delete(keyOf(current));
      if (/^[^/]+\.invalid(:\d+)?\//.test(image)) {
        const message = `Failed to pull image "${image}": failed to resolve reference "${image}": not found`;
        waiting("ErrImagePull", message);
        after(rp, PULL_BACKOFF_MS * scale, () =>
          waiting("ImagePullBackOff", `Back-off pulling image "${image}"`),
        );
        return;
      }
      let proc: ContainerProcess;
      try {
        proc = ContainerProcess.start(container, volumes, envOf(current, container), options.clusterAddress);
      } catch (error) {
        if (!(error instanceof StartError)) throw error;
        rp.log = `${error.message}\n`;
        const now = rfc3339();
        const terminated = {
          exitCode: 128,
          reason: "StartError",
          message: error.message,
          startedAt: now,
          finishedAt: now,
        };
        writePodStatus(rp, {
          phase: "Failed",
          conditions: podConditions(false, "PodFailed"),
          ...containerStatus(rp, image, { terminated }),
        });
        return;
      }
      rp.process = proc;
      writePodStatus(rp, {
        phase: "Running",
        podIP: "127.0.0.1",
        podIPs: [{ ip: "127.0.0.1" }],
        conditions: podConditions(true),
        ...containerStatus(rp, image, { running: { startedAt: rfc3339(proc.startedAt) } }, true),
      });
      void proc.exited.then((exit) => {
        rp.log = proc.log;
        rp.process = undefined;
        if (rp.stopped || stopped) return;
        const failed = exit.exitCode !== 0;
        const fallback = failed && container.terminationMessagePolicy === "FallbackToLogsOnError";
        const terminated = {
          exitCode: exit.exitCode,
          reason: failed ? "Error" : "Completed",
          ...(fallback ? { message: logTail(proc.log) } : {}),
          startedAt: rfc3339(exit.startedAt),
          finishedAt: rfc3339(exit.finishedAt),
        };
        writePodStatus(rp, {
          phase: failed ? "Failed" : "Succeeded",
          conditions: podConditions(false, "PodCompleted"),
          ...containerStatus(rp, image, { terminated }),
        });
      });
    };
    after(rp, CONTAINER_START_MS * scale, start);
  };

  const stopPod = (key: string) => {
    const rp = pods.get(key);
    if (!rp || rp.stopped) return;
    rp.stopped = true;
    for (const t of rp.timers) clearTimeout(t);
    waitingForVolumes.delete(key);
    void rp.process?.stop(STOP_GRACE_MS);
  };

  // ---- the Job controller ----

  const clearJobTimers = (key: string) => {
    for (const t of jobTimers.get(key) ?? []) clearTimeout(t);
    jobTimers.delete(key);
  };

  const jobAfter = (key: string, ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      if (!stopped) fn();
    }, ms);
    jobTimers.set(key, [...(jobTimers.get(key) ?? []), t]);
  };

  const podsOf = (job: K8sObject): K8sObject[] =>
    store.list(PODS, job.metadata.namespace).items.filter((p) => controllerOf(p)?.uid === job.metadata.uid);

  const createPod = (job: K8sObject, index: number | undefined) => {
    const spec = job.spec as JobSpec;
    const name = job.metadata.name as string;
    const uid = job.metadata.uid as string;
    const indexed = index !== undefined;
    const template = spec.template;
    const labels: Record<string, string> = {
      ...template.metadata?.labels,
      "batch.kubernetes.io/controller-uid": uid,
      "batch.kubernetes.io/job-name": name,
      "controller-uid": uid,
      "job-name": name,
      ...(indexed ? { [INDEX_KEY]: String(index) } : {}),
    };
    const indexEnv = {
      name: "JOB_COMPLETION_INDEX",
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${INDEX_KEY}']` } },
    };
    const podSpec: PodSpec = {
      ...template.spec,
      nodeName: NODE_NAME,
      containers: template.spec.containers.map((c) =>
        indexed ? { ...c, env: [...(c.env ?? []), indexEnv] } : c,
      ),
      ...(indexed ? { hostname: `${name}-${index}` } : {}),
    };
    store.create(PODS, {
      metadata: {
        generateName: indexed ? `${name}-${index}-` : `${name}-`,
        namespace: job.metadata.namespace,
        labels,
        annotations: {
          ...template.metadata?.annotations,
          ...(indexed ? { [INDEX_KEY]: String(index) } : {}),
        },
        ownerReferences: [
          { apiVersion: "batch/v1", kind: "Job", name, uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: podSpec,
    });
  };

  const finish = (
    job: K8sObject,
    status: JobStatus,
    type: "Complete" | "Failed",
    reason: string,
    message: string,
  ) => {
    const now = rfc3339();
    const target = type === "Complete" ? "SuccessCriteriaMet" : "FailureTarget";
    status.conditions = [
      ...(status.conditions ?? []),
      { type: target, status: "True", reason, message, lastProbeTime: now, lastTransitionTime: now },
      { type, status: "True", reason, message, lastProbeTime: now, lastTransitionTime: now },
    ];
    if (type === "Complete") status.completionTime = now;
    const key = keyOf(job);
    clearJobTimers(key);
    const ttl = (job.spec as JobSpec).ttlSecondsAfterFinished;
    if (ttl !== undefined) {
      jobAfter(key, ttl * 1000 * scale, () => {
        const current = store.get(JOBS, job.metadata.namespace, job.metadata.name as string);
        if (current?.metadata.uid === job.metadata.uid) {
          store.delete(JOBS, job.metadata.namespace, job.metadata.name as string, {
            propagationPolicy: "Background",
          });
        }
      });
    }
  };

  const syncJob = (namespace: string, name: string) => {
    const job = store.get(JOBS, namespace, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const spec = job.spec as JobSpec;
    const status: JobStatus = { ...((job.status as JobStatus | undefined) ?? {}) };
    const finished = status.conditions?.some(
      (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    );
    if (finished || spec.suspend) return;

    const key = keyOf(job);
    const indexed = spec.completionMode === "Indexed";
    const completions = spec.completions ?? spec.parallelism ?? 1;
    const parallelism = spec.parallelism ?? 1;
    const owned = podsOf(job);
    const active = owned.filter((p) => !isTerminal(p) && !p.metadata.deletionTimestamp);
    const succeeded = owned.filter((p) => phaseOf(p) === "Succeeded");
    const failed = owned.filter((p) => phaseOf(p) === "Failed");
    const succeededIndexes = new Set(succeeded.map(indexOf).filter((i): i is number => i !== undefined));

    if (!status.startTime) {
      status.startTime = rfc3339();
      if (spec.activeDeadlineSeconds !== undefined) {
        jobAfter(key, spec.activeDeadlineSeconds * 1000 * scale, () => queueSync(namespace, name));
      }
    }
    status.active = active.length;
    status.ready = active.filter((p) => phaseOf(p) === "Running").length;
    status.succeeded = indexed ? succeededIndexes.size : succeeded.length;
    status.failed = failed.length;
    if (indexed) status.completedIndexes = formatIndexes(succeededIndexes);
    status.uncountedTerminatedPods = {};

    const terminateActive = () => {
      for (const p of active) store.delete(PODS, p.metadata.namespace, p.metadata.name as string);
      status.active = 0;
      status.ready = 0;
    };
    const deadline = spec.activeDeadlineSeconds;
    if (failed.length > (spec.backoffLimit ?? 6)) {
      terminateActive();
      finish(job, status, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    } else if (
      deadline !== undefined &&
      Date.now() - Date.parse(status.startTime) >= deadline * 1000 * scale
    ) {
      terminateActive();
      finish(job, status, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
    } else if (status.succeeded >= completions) {
      terminateActive();
      finish(job, status, "Complete", "CompletionsReached", "Reached expected number of succeeded pods");
    } else {
      const room = parallelism - active.length;
      if (indexed) {
        const busy = new Set(active.map(indexOf));
        const todo = Array.from({ length: completions }, (_, i) => i).filter(
          (i) => !succeededIndexes.has(i) && !busy.has(i),
        );
        for (const i of todo.slice(0, Math.max(0, room))) createPod(job, i);
        status.active = active.length + Math.min(todo.length, Math.max(0, room));
      } else {
        const want = Math.min(room, completions - succeeded.length - active.length);
        for (let i = 0; i < want; i++) createPod(job, undefined);
        status.active = active.length + Math.max(0, want);
      }
    }
    const fresh = store.get(JOBS, namespace, name);
    if (fresh && fresh.metadata.uid === job.metadata.uid) {
      store.update(JOBS, { ...fresh, status }, { subresource: "status" });
    }
  };

  /** Syncs run one at a time: a sync's own writes come back as events and queue another. */
  const queueSync = (namespace: string, name: string) => {
    pending.add(`${namespace}/${name}`);
    if (syncing) return;
    syncing = true;
    try {
      for (const next of pending) {
        pending.delete(next);
        const [ns, n] = next.split("/");
        try {
          syncJob(ns, n);
        } catch (error) {
          log(`job controller: sync ${next}: ${(error as Error).message}`);
        }
      }
    } finally {
      syncing = false;
    }
  };

  const onChange = (e: ChangeEvent) => {
    if (stopped) return;
    const o = e.object;
    if (e.res === JOBS) {
      if (e.type === "DELETED") clearJobTimers(keyOf(o));
      else queueSync(o.metadata.namespace as string, o.metadata.name as string);
      return;
    }
    if (e.res === PODS) {
      const owner = controllerOf(o);
      if (!owner) return;
      const key = keyOf(o);
      if (e.type === "DELETED" || o.metadata.deletionTimestamp) {
        stopPod(key);
        if (e.type === "DELETED") pods.delete(key);
      } else if (e.type === "ADDED" && !pods.has(key)) {
        runPod(o);
      }
      queueSync(o.metadata.namespace as string, owner.name);
      return;
    }
    if ((e.res === CONFIGMAPS || e.res === SECRETS) && e.type === "ADDED") {
      for (const key of [...waitingForVolumes]) {
        const rp = pods.get(key);
        if (rp && rp.namespace === o.metadata.namespace) after(rp, 0, () => retryStart(key));
      }
    }
  };

  /** A pod that waited for its volumes: start it again now that something appeared. */
  const retryStart = (key: string) => {
    const rp = pods.get(key);
    const pod = rp && store.get(PODS, rp.namespace, rp.name);
    if (!rp || !pod) return;
    pods.delete(key);
    for (const t of rp.timers) clearTimeout(t);
    runPod(pod);
  };

  const unsubscribe = store.subscribe(onChange);
  for (const job of store.list(JOBS, undefined).items)
    queueSync(job.metadata.namespace as string, job.metadata.name as string);

  return {
    logs(namespace, name, container) {
      const rp = pods.get(`${namespace}/${name}`);
      if (!rp || (container !== undefined && container !== rp.container)) return undefined;
      return rp.process?.log ?? rp.log;
    },
    kill(namespace, name, signal = "SIGKILL") {
      return pods.get(`${namespace}/${name}`)?.process?.kill(signal) ?? false;
    },
    async stop() {
      stopped = true;
      unsubscribe();
      for (const key of [...jobTimers.keys()]) clearJobTimers(key);
      const running = [...pods.values()];
      pods.clear();
      await Promise.all(
        running.map((rp) => {
          rp.stopped = true;
          for (const t of rp.timers) clearTimeout(t);
          return rp.process?.stop(STOP_GRACE_MS);
        }),
      );
    },
  };
}

function phaseOf(pod: K8sObject): string | undefined {
  return (pod.status as { phase?: string } | undefined)?.phase;
}

function isTerminal(pod: K8sObject): boolean {
  const phase = phaseOf(pod);
  return phase === "Succeeded" || phase === "Failed";
}

function indexOf(pod: K8sObject): number | undefined {
  const raw = pod.metadata.annotations?.[INDEX_KEY];
  return raw === undefined ? undefined : Number(raw);
}

function logTail(log: string): string {
  const lines = log.trimEnd().split("\n").slice(-TERMINATION_LOG_LINES).join("\n");
  return lines.length > TERMINATION_LOG_BYTES ? lines.slice(lines.length - TERMINATION_LOG_BYTES) : lines;
}
