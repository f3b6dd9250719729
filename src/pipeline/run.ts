// The gate, phase by phase: connect, flip PrivateZone, deploy, wait for Ready, (cold start), load (from the
// runner, or from worker pods in the cluster) while watching pods, judge, clean up. The entry points (action
// main, CLI) only adapt inputs and outputs to it.
import type { Settings } from "../config/settings.js";
import { autoscalingOf } from "../kube/autoscaling.js";
import { checkReachable, openCluster, type Cluster } from "../kube/cluster.js";
import { randomUUID } from "node:crypto";
import { applyService, createNamespace, type RunLease } from "../kube/deploy.js";
import { ClusterError } from "../kube/errors.js";
import { trackPods, type PodTracker } from "../kube/pods.js";
import { setPrivateZone } from "../kube/private-zone.js";
import { waitForReady, type ReadyService } from "../kube/ready.js";
import { runClusterLoad } from "../load/cluster/index.js";
import { measureFirstRequest, runLoad } from "../load/index.js";
import {
  RESULTS_SCHEMA,
  RESULTS_SCHEMA_VERSION,
  type ColdStartSummary,
  type LoadSummary,
  type PodSummary,
  type ResultsDocument,
} from "../results.js";
import { evaluateThresholds, unmeasuredRun } from "../verdict/evaluate.js";
import { compareToBaseline } from "../verdict/regression.js";
import { runCleanup } from "./cleanup.js";
import type { Log } from "./log.js";
import type { CleanupPlan, StateStore } from "./state.js";
import { resolveClusterTarget, resolveTarget, type LoadTarget } from "./target.js";
import { TOOL } from "./tool.js";

export interface GateContext {
  log: Log;
  state: StateStore;
  /** Aborted on SIGINT/SIGTERM: the run stops its current phase and cleans up. */
  signal: AbortSignal;
  github?: ResultsDocument["context"];
}

export interface GateOutcome {
  doc: ResultsDocument;
  /** "gate": thresholds or regression failed; "cluster": the run could not finish (deploy, Ready, cluster). */
  failure?: "gate" | "cluster";
}

export async function runGate(settings: Settings, ctx: GateContext): Promise<GateOutcome> {
  const { log } = ctx;
  const startedAt = new Date();
  const doc = emptyDocument(settings, startedAt, ctx.github);
  const lease = runLease(settings, startedAt);
  const plan: CleanupPlan = {
    namespace: settings.namespace,
    service: settings.serviceName,
    teardown: settings.teardown,
    deleteService: false,
    deleteNamespace: false,
    runId: lease.id,
    done: false,
  };
  let cluster: Cluster | undefined;
  let pods: PodTracker | undefined;
  try {
    cluster = await log.group("Connect to the cluster", async () => {
      const c = await openCluster(settings.kubeconfig);
      const version = await checkReachable(c);
      log.info(`API server ${c.server} (Kubernetes ${version})`);
      return c;
    });
    const connected = cluster;
    ctx.state.save(plan);

    if (settings.privateZone !== "keep") {
      await log.group("PrivateZone", async () => {
        const change = await setPrivateZone(connected, settings.privateZone === "enable", {
          // Saved before the write: a run killed while it is in flight must still restore the flag.
          beforeWrite: (pending) => {
            plan.privateZone = pending;
            ctx.state.save(plan);
          },
        });
        // A conflict re-read may find the flag already as wanted: then there is nothing of ours to restore.
        plan.privateZone = change;
        ctx.state.save(plan);
        if (change) {
          log.info(
            `enablePrivateZone: "${change.previous ?? "(unset)"}" -> "${change.applied}" (restored at cleanup)`,
          );
        } else {
          log.info(`enablePrivateZone already "${settings.privateZone === "enable"}"; nothing to change`);
        }
      });
    }

    const ready = await log.group(`Deploy ${settings.namespace}/${settings.serviceName}`, async () => {
      if (settings.createNamespace) {
        plan.deleteNamespace = await createNamespace(connected, settings.namespace);
        ctx.state.save(plan);
        log.info(
          plan.deleteNamespace
            ? `created namespace ${settings.namespace}`
            : `namespace ${settings.namespace} exists`,
        );
      }
      // ready-seconds counts from the request that deploys, as a user timing `kubectl apply` + wait would.
      const deployedAt = Date.now();
      const applied = await applyService(connected, settings.manifest, {
        updateExisting: settings.updateExisting,
        lease,
        beforeWrite: (owned) => {
          plan.deleteService = owned;
          ctx.state.save(plan);
        },
      });
      log.info(
        `${applied.created ? "created" : "updated"} service (generation ${applied.service.metadata.generation})`,
      );
      pods = trackPods(connected, settings.namespace, settings.serviceName, { log: log.info });
      log.info(`waiting up to ${Math.round(settings.readyTimeoutMs / 1000)} s for Ready`);
      return waitForReady(connected, {
        namespace: settings.namespace,
        name: settings.serviceName,
        timeoutMs: settings.readyTimeoutMs,
        since: deployedAt,
        signal: ctx.signal,
        log: log.info,
      });
    });
    doc.service = { ...doc.service, ...serviceFacts(ready), created: plan.deleteService };
    log.info(`Ready in ${doc.service.readySeconds.toFixed(1)} s: ${ready.url} (revision ${ready.revision})`);

    const target = resolveTarget(settings, ready.url);
    const tracker = pods as unknown as PodTracker;
    if (settings.coldStart) {
      // From the runner even with load-from: cluster: one request, timed where the gate runs.
      doc.coldStart = await log.group("Cold start", () => measureColdStart(settings, target, tracker, ctx));
    }
    const podCounts = () => {
      const c = tracker.counts();
      return `pods ${c.serving}${c.reserve ? ` (+${c.reserve} reserve)` : ""}`;
    };
    if (settings.loadFrom === "cluster") {
      const inCluster = resolveClusterTarget(settings, ready.url, addressUrl(ready));
      doc.load = await log.group(`Load: ${describeLoad(settings, inCluster)}`, async () => {
        const result = await runClusterLoad({
          cluster: connected,
          namespace: settings.namespace,
          url: inCluster.url,
          host: inCluster.host,
          request: settings.request,
          load: settings.load,
          workers: settings.loadWorkers,
          image: settings.loadWorkerImage,
          startDelayMs: settings.loadStartDelayMs,
          service: settings.serviceName,
          signal: ctx.signal,
          log: log.info,
          onNames: (names) => {
            plan.clusterLoad = names;
            ctx.state.save(plan);
          },
          progressExtra: podCounts,
        });
        return { ...result.summary, workers: result.workers };
      });
    } else {
      doc.load = await log.group(`Load: ${describeLoad(settings, target)}`, () =>
        runLoad({
          url: target.url,
          host: target.host,
          request: settings.request,
          load: settings.load,
          signal: ctx.signal,
          log: log.info,
          progressExtra: podCounts,
        }),
      );
    }
    if (ctx.signal.aborted) throw new ClusterError("cancelled during the load test");
    pods = undefined;
    tracker.stop();
    // Without the pod watch the counts would be zeros that pass `pods.max` rules on no data.
    const podFailure = tracker.failure();
    if (podFailure) throw new ClusterError(podFailure);
    doc.pods = podSummary(tracker, settings);

    judge(doc, settings);
    plan.passed = doc.passed;
    return { doc, failure: doc.passed ? undefined : "gate" };
  } catch (error) {
    doc.error = error instanceof Error ? error.message : String(error);
    doc.passed = false;
    if (error instanceof ClusterError || cluster) return { doc, failure: "cluster" };
    throw error;
  } finally {
    pods?.stop();
    doc.finishedAt = new Date().toISOString();
    if (cluster) {
      const connected = cluster;
      await log.group("Clean up", () => runCleanup(connected, plan, ctx.state, log));
    }
  }
}

/** Scale-from-zero: wait (bounded) until no pod serves, then time one request through the activator. */
async function measureColdStart(
  settings: Settings,
  target: LoadTarget,
  pods: PodTracker,
  ctx: GateContext,
): Promise<ColdStartSummary> {
  const waitStarted = Date.now();
  ctx.log.info(
    `waiting up to ${Math.round(settings.coldStartTimeoutMs / 1000)} s for the revision to scale to zero`,
  );
  const atZero = await pods.waitFor(
    (c) => c.serving === 0 && c.pending === 0 && c.terminating === 0,
    settings.coldStartTimeoutMs,
    ctx.signal,
  );
  if (!atZero) {
    if (ctx.signal.aborted) throw new ClusterError("cancelled while waiting for scale to zero");
    throw new ClusterError(
      `cold-start: the revision did not scale to zero within ${Math.round(settings.coldStartTimeoutMs / 1000)} s ` +
        "(cold-start-timeout); check autoscaling.knative.dev/min-scale and the scale-to-zero grace period",
    );
  }
  const scaleToZeroWaitMs = Date.now() - waitStarted;
  const first = await measureFirstRequest({
    url: target.url,
    host: target.host,
    request: settings.request,
    signal: ctx.signal,
  });
  const readyAt = pods.firstServingReadyAfter(first.sentAt);
  const summary: ColdStartSummary = {
    firstResponseMs: first.firstResponseMs,
    podReadyMs: readyAt === undefined ? undefined : readyAt - first.sentAt,
    status: first.status,
    scaleToZeroWaitMs,
    ...(first.unanswered ? { unanswered: first.unanswered } : {}),
  };
  if (first.unanswered) ctx.log.info(`no answer to the cold-start request: ${first.unanswered}`);
  else
    ctx.log.info(
      `first response after ${summary.firstResponseMs.toFixed(0)} ms (HTTP ${summary.status})` +
        (summary.podReadyMs === undefined ? "" : `; a pod was Ready after ${summary.podReadyMs} ms`),
    );
  return summary;
}

function judge(doc: ResultsDocument, settings: Settings): void {
  doc.thresholds = evaluateThresholds(settings.thresholds, doc);
  if (settings.baselineDocument) {
    doc.regression = {
      baselineFile: settings.baseline ?? "",
      baselineStartedAt: settings.baselineDocument.startedAt,
      verdicts: compareToBaseline(doc, settings.baselineDocument, settings.maxRegression),
    };
  }
  doc.passed =
    doc.thresholds.every((v) => v.passed) &&
    (doc.regression?.verdicts.every((v) => v.passed) ?? true) &&
    !unmeasuredRun(doc);
}

// Past the lease a Service left by a run that died without cleanup can be taken over by the next run.
const LEASE_MARGIN_MS = 5 * 60 * 1000;

/** This run's claim on its Service: long enough for every phase at its configured bound. */
function runLease(settings: Settings, startedAt: Date): RunLease {
  const phases =
    settings.readyTimeoutMs +
    (settings.coldStart ? settings.coldStartTimeoutMs : 0) +
    settings.load.warmupMs +
    settings.load.durationMs;
  return { id: randomUUID(), until: new Date(startedAt.getTime() + phases + LEASE_MARGIN_MS) };
}

function podSummary(tracker: PodTracker, settings: Settings): PodSummary {
  const timeline = tracker.timeline();
  const last = timeline[timeline.length - 1];
  return {
    max: {
      serving: Math.max(0, ...timeline.map((s) => s.serving)),
      reserve: Math.max(0, ...timeline.map((s) => s.reserve)),
    },
    final: { serving: last?.serving ?? 0, reserve: last?.reserve ?? 0 },
    timeline,
    autoscaling: autoscalingOf(settings.manifest),
  };
}

function serviceFacts(
  ready: ReadyService,
): Pick<ResultsDocument["service"], "url" | "revision" | "generation" | "readySeconds"> {
  return {
    url: ready.url,
    revision: ready.revision,
    generation: ready.generation,
    readySeconds: ready.readyMs / 1000,
  };
}

/** The Service's cluster-local address (status.address.url), where pods in the cluster reach it. */
function addressUrl(ready: ReadyService): string | undefined {
  const address = ready.service.status?.address as { url?: unknown } | undefined;
  return typeof address?.url === "string" && address.url !== "" ? address.url : undefined;
}

function describeLoad(settings: Settings, target: LoadTarget): string {
  const { load } = settings;
  const shape = load.rate ? `${load.rate} req/s` : "closed loop";
  const origin =
    settings.loadFrom === "cluster"
      ? `from ${settings.loadWorkers} worker pod${settings.loadWorkers === 1 ? "" : "s"} in the cluster, `
      : "";
  return `${origin}${load.connections} connections, ${load.durationMs / 1000} s, ${shape} -> ${target.url}${target.host ? ` (Host: ${target.host})` : ""}`;
}

function emptyDocument(
  settings: Settings,
  startedAt: Date,
  github: ResultsDocument["context"],
): ResultsDocument {
  return {
    schema: RESULTS_SCHEMA,
    version: RESULTS_SCHEMA_VERSION,
    tool: TOOL,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    passed: false,
    settings: {
      serviceFile: settings.serviceFile,
      connections: settings.load.connections,
      durationSeconds: settings.load.durationMs / 1000,
      rate: settings.load.rate ?? null,
      requests: settings.load.requests ?? null,
      warmupSeconds: settings.load.warmupMs / 1000,
      method: settings.request.method,
      path: settings.request.path,
      coldStart: settings.coldStart,
      thresholds: settings.thresholds.map((r) => r.source),
      maxRegression: settings.maxRegression.map((r) => `${r.metric}: ${r.percent}%`),
      privateZone: settings.privateZone,
      teardown: settings.teardown,
      loadFrom: settings.loadFrom,
      loadWorkers: settings.loadWorkers,
    },
    context: github,
    service: {
      name: settings.serviceName,
      namespace: settings.namespace,
      url: "",
      revision: "",
      generation: 0,
      readySeconds: 0,
      created: false,
      image: settings.image ?? String(settings.manifest.spec.template.spec.containers[0]?.image ?? ""),
    },
    load: null as LoadSummary | null,
    pods: null,
    coldStart: null,
    thresholds: [],
    regression: null,
    error: null,
  };
}
