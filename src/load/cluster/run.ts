// The load phase run from inside the cluster: create the Job and its ConfigMap, watch its pods until every
// worker finished (or one failed, or never started), read each worker's result from its pod log, merge them
// exactly, and always delete what was created. Bounded: the run ends at the common start + warm-up + duration
// + one request timeout + a grace period, whatever the workers do.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { LoadSettings, RequestSettings } from "../../config/settings.js";
import type { Cluster } from "../../kube/cluster.js";
import { CancelledError, ClusterError, describeApiError } from "../../kube/errors.js";
import { withRetries } from "../../kube/retry.js";
import { watchUntil } from "../../kube/watch-until.js";
import type { LoadSummary } from "../../results.js";
import { loadHistogramLibrary } from "../histogram.js";
import { describeTarget, type LoadTarget } from "../target.js";
import { deleteClusterLoad } from "./cleanup.js";
import {
  mergeWorkerResults,
  parseWorkerLog,
  WorkerResultError,
  type ClusterWorkerSummary,
  type WorkerReport,
} from "./merge.js";
import {
  checkWorkers,
  clusterLoadNames,
  DEFAULT_START_DELAY_MS,
  DEFAULT_WORKER_IMAGE,
  LOAD_RUN_LABEL,
  loadConfigMap,
  loadJob,
  WORKER_CONTAINER,
  type ClusterLoadNames,
  type ClusterLoadSpec,
} from "./plan.js";
import { judgeWorkers } from "./workers.js";
import {
  initialWorkersState,
  workersStep,
  type WorkersFailure,
  type WorkersWaitRules,
  type WorkersWaitState,
} from "./workers-wait.js";

/** The target as seen from inside the cluster (e.g. the Service's status.address.url), or a gateway base URL. */
export interface ClusterLoadOptions extends LoadTarget {
  cluster: Cluster;
  /** Where the Job runs: usually the Knative Service's namespace. */
  namespace: string;
  request: RequestSettings;
  load: LoadSettings;
  workers: number;
  /** The workers' image; any image with `node` 18+ on its PATH. Default node:24-alpine. */
  image?: string;
  /** How far ahead of the Job's creation the common start lies (pod scheduling, image pull). Default 15 s. */
  startDelayMs?: number;
  /** The Knative Service under test, for the Job's name and labels. */
  service?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Called with the names before anything is created, so the cleanup plan can hold them first. */
  onNames?: (names: ClusterLoadNames) => void;
  /** How often a progress line is logged; 5 s unless set. */
  progressIntervalMs?: number;
  /** Appended to each progress line, e.g. the Service's pod counts. */
  progressExtra?: () => string;
  /** Workers also report every latency they measured (for tests). */
  samples?: boolean;
}

export interface ClusterLoadResult {
  summary: LoadSummary;
  workers: ClusterWorkerSummary[];
  names: ClusterLoadNames;
  /** The raw reports, for tests and audits. */
  reports: WorkerReport[];
}

/** Workers must be running this long after the common start, or the run fails as "never started". */
const START_GRACE_MS = 3000;
/** After the last worker should have finished: time to exit, be marked Succeeded and be seen by the watch. */
const FINISH_GRACE_MS = 30_000;
const PROGRESS_INTERVAL_MS = 5000;
const LOG_TAIL_LINES = 20;

/** The worker script shipped in the ConfigMap (ncc copies the file next to the bundle). */
export function workerScript(): string {
  return readFileSync(new URL("./worker.mjs", import.meta.url), "utf8");
}

/** A 5-character suffix from the alphabet of Kubernetes' generateName (no vowels, no look-alikes). */
function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join("");
}

export async function runClusterLoad(options: ClusterLoadOptions): Promise<ClusterLoadResult> {
  const { cluster, namespace, load, request, workers, signal, log = () => {} } = options;
  const problem = checkWorkers(workers, load);
  if (problem) throw new ClusterError(problem);
  if (signal?.aborted) throw new CancelledError("cluster load: cancelled before it started");

  const names = clusterLoadNames(namespace, options.service, randomSuffix());
  options.onNames?.(names);
  const createdAt = Date.now();
  const spec: ClusterLoadSpec = {
    namespace,
    url: options.url,
    host: options.host,
    request,
    load,
    workers,
    image: options.image ?? DEFAULT_WORKER_IMAGE,
    startAt: createdAt + (options.startDelayMs ?? DEFAULT_START_DELAY_MS),
    service: options.service,
    samples: options.samples,
  };
  const measureFrom = spec.startAt + load.warmupMs;
  // The merge's histogram library (histogram.ts) loads while the workers start; a run that fails before the merge
  // never awaits it, so its failure must not go unhandled.
  const histograms = loadHistogramLibrary();
  histograms.catch(() => {});

  try {
    await createWorkers(cluster, spec, names);
    log(
      `[load] cluster: Job ${namespace}/${names.job}, ${workers} worker(s) on ${spec.image}, ` +
        `${load.connections} connections` +
        (load.rate ? `, ${load.rate} req/s` : "") +
        ` → ${describeTarget(options)}; ` +
        `common start in ${seconds(spec.startAt - Date.now())} s`,
    );
    const pods = await waitForWorkers(cluster, spec, names, options);
    const reports = await Promise.all(pods.map((pod, index) => readReport(cluster, names, pod, index)));
    const target: LoadTarget = options.host ? { url: options.url, host: options.host } : { url: options.url };
    await histograms;
    const merged = mergeWorkerResults(reports, { target, measureFrom });
    for (const w of merged.workers) {
      log(
        `[load] worker ${w.index} (${w.pod}${w.node ? ` on ${w.node}` : ""}): ${w.requests.toLocaleString("en-US")} req, ` +
          `${w.rps} rps, p99 ${w.latency.p99} ms, errors ${w.errors}` +
          (w.lateMs >= 100 ? `, started ${seconds(w.lateMs)} s late` : ""),
      );
    }
    checkLateness(merged.workers, spec, createdAt);
    return { ...merged, names, reports };
  } finally {
    try {
      const deleted = await deleteClusterLoad(cluster, names);
      if (deleted.job || deleted.configMap)
        log(`[load] cluster: deleted Job and ConfigMap ${namespace}/${names.job}`);
    } catch (error) {
      log(`[load] cluster: cleanup failed, the post step retries it: ${(error as Error).message}`);
    }
  }
}

async function createWorkers(
  cluster: Cluster,
  spec: ClusterLoadSpec,
  names: ClusterLoadNames,
): Promise<void> {
  let job: V1Job;
  try {
    // Creates are retried only on answers that say nothing was written (429, 5xx): a lost answer to a create
    // that did happen would come back as 409 on the retry.
    job = await withRetries(
      () =>
        cluster.objects.create(loadJob(spec, names, Date.now()) as V1Job & { metadata: { name: string } }),
      { transport: false },
    );
  } catch (error) {
    throw new ClusterError(
      `cluster load: cannot create Job ${names.namespace}/${names.job}: ${describeApiError(error)} ` +
        "(the action needs create on jobs.batch in this namespace)",
    );
  }
  const owner = { name: names.job, uid: job.metadata?.uid ?? "" };
  try {
    const body = loadConfigMap(spec, names, workerScript(), owner.uid ? owner : undefined);
    await withRetries(() => cluster.core.createNamespacedConfigMap({ namespace: names.namespace, body }), {
      transport: false,
    });
  } catch (error) {
    throw new ClusterError(
      `cluster load: cannot create ConfigMap ${names.namespace}/${names.configMap}: ${describeApiError(error)}`,
    );
  }
}

/** Watches the Job's pods until every worker succeeded; rejects when one fails, never starts, or time runs out. */
function waitForWorkers(
  cluster: Cluster,
  spec: ClusterLoadSpec,
  names: ClusterLoadNames,
  options: ClusterLoadOptions,
): Promise<V1Pod[]> {
  const { log = () => {} } = options;
  const rules: WorkersWaitRules = {
    workers: spec.workers,
    startDeadline: spec.startAt + START_GRACE_MS,
    endBy:
      spec.startAt + spec.load.warmupMs + spec.load.durationMs + spec.request.timeoutMs + FINISH_GRACE_MS,
    job: names.job,
    namespace: names.namespace,
  };
  const measureFrom = spec.startAt + spec.load.warmupMs;
  const total = (spec.load.warmupMs + spec.load.durationMs) / 1000;
  const progress = (state: WorkersWaitState) => {
    const judged = judgeWorkers(state.pods.values(), { ...rules, now: Date.now() });
    const running = judged.kind === "waiting" ? judged.running : 0;
    const elapsed = (Date.now() - spec.startAt) / 1000;
    const extra = options.progressExtra?.();
    const line =
      elapsed < 0
        ? `[load] cluster: ${running}/${spec.workers} workers running; start in ${seconds(-elapsed * 1000)} s`
        : `[load] cluster: ${Math.min(Math.round(elapsed), total)}s/${total}s  ${running}/${spec.workers} workers running`;
    log(extra ? `${line}  ${extra}` : line);
  };

  return watchUntil<V1Pod, WorkersWaitState, V1Pod[], WorkersFailure>(
    cluster,
    { apiVersion: "v1", kind: "Pod", plural: "pods", namespace: names.namespace },
    { labelSelector: `${LOAD_RUN_LABEL}=${names.job}` },
    {
      initial: initialWorkersState,
      step: (state, event) => workersStep(state, event, rules),
      // Judged at the start deadline even if the pods cannot be listed yet; the decision then wakes at endBy.
      wakeAt: rules.startDeadline,
      explain: async (failure, state) => {
        if (failure.kind === "worker") {
          const message = await describeFailure(cluster, names, failure.pod, failure.message);
          return new ClusterError(`cluster load: ${message}`);
        }
        return new ClusterError(
          `cluster load: ${spec.workers - countSucceeded(state.pods)} of ${spec.workers} workers had not finished ` +
            `${seconds(rules.endBy - measureFrom - spec.load.durationMs)} s after the load should have ended`,
        );
      },
      signal: options.signal,
      onAbort: () => ({ error: new CancelledError("cluster load: cancelled") }),
      every: { ms: options.progressIntervalMs ?? PROGRESS_INTERVAL_MS, run: progress },
      onRetry: (message) => log(`[load] cluster: ${message}`),
    },
  );
}

/**
 * A worker whose measured phase began well after the common start did not load the target with the others:
 * the merged figures would not describe N workers, so the run fails. Lateness absorbed by the warm-up is fine.
 */
function checkLateness(workers: ClusterWorkerSummary[], spec: ClusterLoadSpec, createdAt: number): void {
  const tolerance = lateToleranceMs(spec.load.durationMs);
  const late = workers.filter((w) => w.lateMs > tolerance);
  if (late.length === 0) return;
  const worst = late.reduce((a, b) => (b.lateMs > a.lateMs ? b : a));
  throw new ClusterError(
    `cluster load: ${late.length} of ${workers.length} workers started late, worker ${worst.index} ` +
      `(pod ${worst.pod}) by ${seconds(worst.lateMs)} s (tolerance ${seconds(tolerance)} s): their pods took longer ` +
      `than the start delay of ${seconds(spec.startAt - createdAt)} s to start; raise the start delay, add a ` +
      `warm-up, or pre-pull ${spec.image} on the nodes`,
  );
}

/** How late a worker may start its measured phase: 1 s, or 5% of a longer duration. */
export function lateToleranceMs(durationMs: number): number {
  return Math.max(1000, durationMs * 0.05);
}

function countSucceeded(pods: ReadonlyMap<string, V1Pod>): number {
  return [...pods.values()].filter((p) => p.status?.phase === "Succeeded").length;
}

/** Adds the failed worker's last log lines, when the log can be read, to the judge's message. */
async function describeFailure(
  cluster: Cluster,
  names: ClusterLoadNames,
  pod: V1Pod | undefined,
  message: string,
): Promise<string> {
  const terminated = pod?.status?.containerStatuses?.some((c) => c.state?.terminated);
  if (!pod?.metadata?.name || !terminated) return message;
  try {
    const name = pod.metadata.name;
    const tail = await withRetries(() =>
      cluster.core.readNamespacedPodLog({
        name,
        namespace: names.namespace,
        container: WORKER_CONTAINER,
        tailLines: LOG_TAIL_LINES,
      }),
    );
    // Not every API server honours tailLines.
    const lines = tail.trim().split("\n").slice(-LOG_TAIL_LINES).join("\n");
    return lines && !message.includes(lines)
      ? `${message}\n--- last lines of its log ---\n${lines}`
      : message;
  } catch {
    return message;
  }
}

async function readReport(
  cluster: Cluster,
  names: ClusterLoadNames,
  pod: V1Pod,
  index: number,
): Promise<WorkerReport> {
  const name = pod.metadata?.name ?? "";
  let log: string;
  try {
    log = await withRetries(() =>
      cluster.core.readNamespacedPodLog({ name, namespace: names.namespace, container: WORKER_CONTAINER }),
    );
  } catch (error) {
    throw new ClusterError(
      `cluster load: cannot read the log of worker ${index} (pod ${name}): ${describeApiError(error)} ` +
        "(the action needs get on pods/log)",
    );
  }
  try {
    return { result: parseWorkerLog(log, index), pod: name, node: pod.spec?.nodeName };
  } catch (error) {
    if (!(error instanceof WorkerResultError)) throw error;
    const tail = log.trim().split("\n").slice(-5).join("\n");
    throw new ClusterError(
      `cluster load: worker ${index} (pod ${name}) succeeded but ${error.message}${tail ? `:\n${tail}` : ""}`,
    );
  }
}

const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);
