// What the cluster load creates, as plain objects: a ConfigMap holding the worker script and its config, and an
// Indexed Job whose N pods run it on a stock Node image. Pure; run.ts sends them to the API server.
//
// Kubernetes is the whole distributed engine: the Job creates one pod per index (JOB_COMPLETION_INDEX picks the
// worker's share), backoffLimit 0 fails the Job at the first failed worker, activeDeadlineSeconds bounds it
// if the action disappears, and ttlSecondsAfterFinished plus the ConfigMap's owner reference to the Job remove
// everything a while after it finished even when no cleanup ever runs.
import type { V1ConfigMap, V1Job } from "@kubernetes/client-node";
import type { LoadSettings, RequestSettings } from "../../config/settings.js";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../../kube/knative.js";
import { gracePeriodMs } from "../grace.js";
import { requestFor } from "../target.js";
import type { WorkerConfig, WorkerShare } from "./protocol.js";

export { checkWorkers, DEFAULT_START_DELAY_MS, DEFAULT_WORKER_IMAGE } from "../../worker-limits.js";

/** Where the ConfigMap is mounted in the worker container. */
export const WORKER_DIR = "/etc/knative-perf-gate";
export const WORKER_SCRIPT_KEY = "worker.mjs";
export const WORKER_CONFIG_KEY = "config.json";
export const WORKER_CONTAINER = "worker";
/** On the Job's pod template: selects the workers of one run. */
export const LOAD_RUN_LABEL = "knative-perf-gate.dev/load-run";
/** The Job and its pods disappear this long after the Job finished, if nobody deleted them. */
const TTL_AFTER_FINISHED_SECONDS = 600;
/** activeDeadlineSeconds beyond start delay, warm-up, duration and one request timeout. */
const DEADLINE_MARGIN_SECONDS = 120;
/** Node's image runs as root by default; its `node` user has this uid (as in the official image). */
const NODE_USER_ID = 1000;

export interface ClusterLoadNames {
  namespace: string;
  /** The Job; its pods are `<job>-<index>-<random>`. */
  job: string;
  configMap: string;
}

export interface ClusterLoadSpec {
  namespace: string;
  /** Target URL in the cluster, or a gateway base URL when `host` is set. */
  url: string;
  host?: string;
  request: RequestSettings;
  load: LoadSettings;
  workers: number;
  image: string;
  /** The common start time, epoch ms. */
  startAt: number;
  /** The Knative Service under test, for names and labels. */
  service?: string;
  /** Passed to the workers: report every latency too (tests). */
  samples?: boolean;
}

/** Splits an integer as evenly as possible: the first `total % parts` shares get one more. */
function splitEvenly(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

/** Each worker's connections, rate and request cap; they add up to the settings. */
export function splitLoad(load: LoadSettings, workers: number): WorkerShare[] {
  let firstConnection = 0;
  return Array.from({ length: workers }, (_, i) => {
    const share: WorkerShare = { connections: splitEvenly(load.connections, workers, i), firstConnection };
    firstConnection += share.connections;
    // A worker's rate follows its share of the connections, so every connection keeps the same pace.
    if (load.rate !== undefined) share.rate = (load.rate * share.connections) / load.connections;
    if (load.requests !== undefined) share.requests = splitEvenly(load.requests, workers, i);
    return share;
  });
}

/** DNS-label names for one run: `kpg-load-<service>-<suffix>`; the Job name leaves room for `-<index>`. */
export function clusterLoadNames(
  namespace: string,
  service: string | undefined,
  suffix: string,
): ClusterLoadNames {
  const base = `kpg-load-${(service ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "")
    .slice(0, 30)}`
    .replace(/-+$/, "")
    .replace(/-{2,}/g, "-");
  const job = `${base}-${suffix}`;
  return { namespace, job, configMap: job };
}

export function workerConfig(spec: ClusterLoadSpec): WorkerConfig {
  const { request, load } = spec;
  const target = requestFor(spec, request);
  return {
    url: target.url,
    method: request.method,
    headers: target.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    timeoutMs: request.timeoutMs,
    graceMs: gracePeriodMs(request.timeoutMs),
    startAt: spec.startAt,
    warmupMs: load.warmupMs,
    durationMs: load.durationMs,
    ...(load.rate !== undefined ? { rate: load.rate } : {}),
    connections: load.connections,
    shares: splitLoad(load, spec.workers),
    ...(spec.samples ? { samples: true } : {}),
  };
}

function labels(names: ClusterLoadNames, service: string | undefined): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    "app.kubernetes.io/component": "load-worker",
    [LOAD_RUN_LABEL]: names.job,
    ...(service ? { "serving.knative.dev/service-under-test": service } : {}),
  };
}

/** The Job's activeDeadlineSeconds: the whole run, measured from its creation, plus a margin. */
export function jobDeadlineSeconds(spec: ClusterLoadSpec, createdAt: number): number {
  const runMs = spec.startAt - createdAt + spec.load.warmupMs + spec.load.durationMs + spec.request.timeoutMs;
  return Math.ceil(Math.max(0, runMs) / 1000) + DEADLINE_MARGIN_SECONDS;
}

export function loadJob(spec: ClusterLoadSpec, names: ClusterLoadNames, createdAt: number): V1Job {
  const podLabels = labels(names, spec.service);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: names.job, namespace: names.namespace, labels: podLabels },
    spec: {
      completionMode: "Indexed",
      completions: spec.workers,
      parallelism: spec.workers,
      backoffLimit: 0,
      activeDeadlineSeconds: jobDeadlineSeconds(spec, createdAt),
      ttlSecondsAfterFinished: TTL_AFTER_FINISHED_SECONDS,
      template: {
        metadata: { labels: podLabels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // Spread the workers over nodes where possible: one node's network and CPU would cap them all.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: { [LOAD_RUN_LABEL]: names.job } },
            },
          ],
          // Meets the "restricted" Pod Security Standard, so namespaces that enforce it accept the workers.
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NODE_USER_ID,
            runAsGroup: NODE_USER_ID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: WORKER_CONTAINER,
              image: spec.image,
              command: ["node", `${WORKER_DIR}/${WORKER_SCRIPT_KEY}`],
              // A worker that crashes leaves its last log lines in the pod status for the error message.
              terminationMessagePolicy: "FallbackToLogsOnError",
              resources: { requests: { cpu: "500m", memory: "128Mi" }, limits: { memory: "512Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [{ name: "worker", mountPath: WORKER_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: "worker", configMap: { name: names.configMap } }],
        },
      },
    },
  };
}

/** The ConfigMap, owned by the Job (created first) so that deleting the Job removes it too. */
export function loadConfigMap(
  spec: ClusterLoadSpec,
  names: ClusterLoadNames,
  script: string,
  owner?: { name: string; uid: string },
): V1ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: names.configMap,
      namespace: names.namespace,
      labels: labels(names, spec.service),
      ...(owner
        ? { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: owner.name, uid: owner.uid }] }
        : {}),
    },
    data: {
      [WORKER_SCRIPT_KEY]: script,
      [WORKER_CONFIG_KEY]: `${JSON.stringify(workerConfig(spec), null, 2)}\n`,
    },
  };
}
