// Waits for a Knative Service to become Ready with a watch, the way knative/client's `kn service wait` does:
// read first, watch from there, fail fast on Ready=False unless it recovers within an error window, and on
// timeout say which conditions were still pending. The Service's pods (the pod tracker's watch when the caller
// has one, else a watch of its own) fail the wait early when a pod cannot start (pod-problems.ts), which Knative
// itself reports only after its progress deadline.
import type { V1Pod } from "@kubernetes/client-node";
import type { Cluster } from "./cluster.js";
import { CancelledError, ClusterError, describeApiError } from "./errors.js";
import {
  failingConditions,
  isObserved,
  type KnativeObject,
  LABEL_SERVICE,
  SERVING_API_VERSION,
  serviceReadiness,
} from "./knative.js";
import {
  describePodProblem,
  initialPodProblemsState,
  POD_PROBLEM_WINDOW_MS,
  type PodProblem,
  podProblemsStep,
  podProblemsWake,
  type PodProblemsState,
} from "./pod-problems.js";
import { withRetries } from "./retry.js";
import {
  mapSource,
  mergeSources,
  until,
  watchSource,
  type Source,
  type Step,
  type Wake,
  type WatchEvent,
} from "./watch-until.js";

export interface ReadyOptions {
  namespace: string;
  name: string;
  timeoutMs: number;
  /** Epoch ms that readyMs counts from: when the deploy was sent (default: when the wait starts). */
  since?: number;
  /** How long Ready=False may last before it counts as a failure (kn's --wait-window, 2 s by default). */
  errorWindowMs?: number;
  /** Also watch the Service's pods and fail early when one cannot start (default true). */
  watchPods?: boolean;
  /**
   * The Service's pods from a watch the caller already runs (the pod tracker's `events`), instead of a list and
   * watch of the wait's own.
   */
  pods?: Source<WatchEvent<V1Pod>>;
  /** How long a pod may fail to start before the wait fails on it (POD_PROBLEM_WINDOW_MS by default). */
  podProblemWindowMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface ReadyService {
  service: KnativeObject;
  /** status.url */
  url: string;
  /** status.address.url: the cluster-local address, where pods in the cluster reach the Service. */
  addressUrl?: string;
  revision: string;
  generation: number;
  readyMs: number;
}

export const DEFAULT_ERROR_WINDOW_MS = 2000;

export interface ReadyState {
  /** The latest Service seen, observed or not: on timeout it says what was still pending. */
  last?: KnativeObject;
  /**
   * Ready=False on an observed generation: since when (the error window's start), and the latest such Service
   * with its failing reason and message (serviceReadiness: the sub-condition that names the cause).
   */
  failing?: { since: number; service: KnativeObject; reason: string; message: string };
  /** Condition lines already reported, so that each is reported once. */
  reported: readonly string[];
}

export type ReadyFailure =
  | { kind: "failed"; service: KnativeObject; reason: string; message: string }
  | { kind: "deleted" }
  | { kind: "pod"; problem: PodProblem };

export interface ReadyRules {
  /** Epoch ms that readyMs counts from. */
  since: number;
  errorWindowMs: number;
}

export const initialReadyState: ReadyState = { reported: [] };

/**
 * The Ready decision as kn's wait makes it (pkg/wait/wait_for_ready.go, waitForReadyCondition), over the
 * Service's watch events. Pure. An event whose generation the controller has not observed says nothing about
 * the new spec: it is skipped (it neither reports nor touches the error window). Ready=True is done;
 * Ready=False starts the error window and fails when it has lasted `errorWindowMs` (rollouts can blip to False
 * and recover); anything else cancels the window. DELETED fails.
 */
export function readyStep(
  state: ReadyState,
  event: WatchEvent<KnativeObject> | Wake,
  rules: ReadyRules,
): Step<ReadyState, ReadyService, ReadyFailure> {
  if (event.type === "WAKE") return windowCheck(state, event.now, rules);
  if (event.type === "DELETED") return { state, fail: { kind: "deleted" } };
  const svc = event.type === "SYNC" ? event.items[0] : event.object;
  if (!svc) return windowCheck(state, event.now, rules);
  if (!isObserved(svc)) return windowCheck({ ...state, last: svc }, event.now, rules);

  const report = conditionLines(svc).filter((line) => !state.reported.includes(line));
  const seen: ReadyState = { ...state, last: svc, reported: [...state.reported, ...report] };
  const readiness = serviceReadiness(svc);
  if (readiness.state === "ready") {
    return {
      state: { ...seen, failing: undefined },
      report,
      done: {
        service: svc,
        url: svc.status?.url ?? "",
        addressUrl: addressUrlOf(svc),
        revision: svc.status?.latestReadyRevisionName ?? "",
        generation: svc.metadata.generation ?? 0,
        readyMs: event.now - rules.since,
      },
    };
  }
  if (readiness.state === "failed") {
    const { reason, message } = readiness;
    const failing = { since: state.failing?.since ?? event.now, service: svc, reason, message };
    return { ...windowCheck({ ...seen, failing }, event.now, rules), report };
  }
  return { state: { ...seen, failing: undefined }, report };
}

/** Fails once Ready=False has lasted the error window; otherwise asks to be woken when it would have. */
function windowCheck(
  state: ReadyState,
  now: number,
  rules: ReadyRules,
): Step<ReadyState, ReadyService, ReadyFailure> {
  if (!state.failing) return { state };
  const end = state.failing.since + rules.errorWindowMs;
  if (now < end) return { state, wakeAt: end };
  const { service, reason, message } = state.failing;
  return { state, fail: { kind: "failed", service, reason, message } };
}

/** Each condition as one line, e.g. "Ready=False RevisionFailed: message", as it is reported. */
export function conditionLines(svc: KnativeObject): string[] {
  return (svc.status?.conditions ?? []).map(
    (c) => `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ""}${c.message ? `: ${c.message}` : ""}`,
  );
}

/** When the error window ends, if one is open. */
export function readyWake(state: ReadyState, rules: ReadyRules): number | undefined {
  return state.failing ? state.failing.since + rules.errorWindowMs : undefined;
}

/** The Ready wait's events: the Service's watch and its pods' watch. */
export type ReadyEvent =
  { from: "service"; event: WatchEvent<KnativeObject> } | { from: "pods"; event: WatchEvent<V1Pod> };

export interface ReadyWaitState {
  service: ReadyState;
  pods: PodProblemsState;
}

export const initialReadyWaitState: ReadyWaitState = {
  service: initialReadyState,
  pods: initialPodProblemsState,
};

export interface ReadyWaitRules extends ReadyRules {
  podProblemWindowMs: number;
}

/**
 * The Ready decision (readyStep) with the pods' (podProblemsStep): Ready=True is done whatever a pod says;
 * otherwise a pod that has not been able to start for the pods' window fails the wait early. Pure.
 */
export function readyWaitStep(
  state: ReadyWaitState,
  event: ReadyEvent | Wake,
  rules: ReadyWaitRules,
): Step<ReadyWaitState, ReadyService, ReadyFailure> {
  const wake = "type" in event ? event : undefined;
  const serviceEvent = wake ?? ("from" in event && event.from === "service" ? event.event : undefined);
  const podsEvent = wake ?? ("from" in event && event.from === "pods" ? event.event : undefined);
  let service: ReadyState = state.service;
  let report: string[] | undefined;
  if (serviceEvent) {
    const step = readyStep(state.service, serviceEvent, rules);
    if ("done" in step || "fail" in step) return { ...step, state: { ...state, service: step.state } };
    service = step.state;
    report = step.report;
  }
  let pods: PodProblemsState = state.pods;
  if (podsEvent) {
    const step = podProblemsStep(state.pods, podsEvent, rules.podProblemWindowMs);
    if ("fail" in step)
      return { state: { service, pods: step.state }, report, fail: { kind: "pod", problem: step.fail } };
    pods = step.state;
  }
  const wakes = [readyWake(service, rules), podProblemsWake(pods, rules.podProblemWindowMs)].filter(
    (t): t is number => t !== undefined,
  );
  return { state: { service, pods }, report, wakeAt: wakes.length ? Math.min(...wakes) : undefined };
}

/** What the timeout says was still pending, with any pod that cannot start. */
export function pendingOnTimeout(
  state: ReadyState,
  pods: PodProblemsState = initialPodProblemsState,
): string {
  const readiness = state.last ? serviceReadiness(state.last) : undefined;
  const pending = readiness?.state === "pending" ? readiness.pending : ["the service was never observed"];
  return [...pending, ...[...pods.problems.values()].map(describePodProblem)].join("; ");
}

export function waitForReady(cluster: Cluster, options: ReadyOptions): Promise<ReadyService> {
  const rules: ReadyWaitRules = {
    since: options.since ?? Date.now(),
    errorWindowMs: options.errorWindowMs ?? DEFAULT_ERROR_WINDOW_MS,
    podProblemWindowMs: options.podProblemWindowMs ?? POD_PROBLEM_WINDOW_MS,
  };
  const log = options.log ?? (() => {});
  const { name, namespace } = options;
  const services = mapSource(
    watchSource<KnativeObject>(
      cluster,
      { apiVersion: SERVING_API_VERSION, kind: "Service", plural: "services", namespace },
      { fieldSelector: `metadata.name=${name}` },
      {
        onRetry: log,
        onRefused: (message) => new ClusterError(`cannot wait for service ${name} to be Ready: ${message}`),
      },
    ),
    (event): ReadyEvent => ({ from: "service", event }),
  );
  const pods = mapSource(
    options.pods ??
      watchSource<V1Pod>(
        cluster,
        { apiVersion: "v1", kind: "Pod", plural: "pods", namespace },
        { labelSelector: `${LABEL_SERVICE}=${name}` },
        {
          onRetry: log,
          // Without the pods the wait is as it was before this watch: a stuck pod shows at ready-timeout.
          onRefused: (message) => {
            log(
              `cannot watch the pods of ${name} (${message}): a pod that cannot start shows only at ready-timeout`,
            );
            return undefined;
          },
        },
      ),
    (event): ReadyEvent => ({ from: "pods", event }),
  );
  return until<ReadyEvent, ReadyWaitState, ReadyService, ReadyFailure>(
    options.watchPods === false ? services : mergeSources(services, pods),
    {
      initial: initialReadyWaitState,
      step: (state, event) => readyWaitStep(state, event, rules),
      report: (line) => log(`  ${line}`),
      explain: async (failure) => {
        if (failure.kind === "deleted")
          return new ClusterError(`service ${name} was deleted while waiting for Ready`);
        if (failure.kind === "pod") {
          const { problem } = failure;
          const lasted = Math.round((Date.now() - problem.since) / 1000);
          return new ClusterError(
            `service ${name} cannot become Ready: ${describePodProblem(problem)} (for ${lasted} s)`,
            problem.reason,
          );
        }
        const message = await describeFailure(cluster, namespace, failure.service, failure, log);
        return new ClusterError(message, failure.reason);
      },
      timeoutMs: options.timeoutMs,
      onTimeout: (state) => ({
        error: new ClusterError(
          `service ${name} was not Ready after ${Math.round(options.timeoutMs / 1000)} s (ready-timeout); still pending: ${pendingOnTimeout(state.service, state.pods)}`,
          "Timeout",
        ),
      }),
      signal: options.signal,
      onAbort: () => ({ error: new CancelledError("cancelled while waiting for Ready") }),
    },
  );
}

/** "Reason: message", plus the failing conditions of the latest revision, which name the real cause. */
async function describeFailure(
  cluster: Cluster,
  namespace: string,
  svc: KnativeObject,
  failure: { reason: string; message: string },
  log: (line: string) => void = () => {},
): Promise<string> {
  const name = svc.metadata.name ?? "";
  let text = `service ${name} failed: ${failure.reason}: ${failure.message}`;
  const revision = svc.status?.latestCreatedRevisionName;
  if (!revision) return text;
  try {
    // Like every single read, ridden through an API server blip (retry.ts) rather than losing the real cause.
    const rev = await withRetries(
      () =>
        cluster.objects.read<KnativeObject & { apiVersion: string; kind: string }>({
          apiVersion: SERVING_API_VERSION,
          kind: "Revision",
          metadata: { name: revision, namespace },
        }),
      {
        onRetry: (error, delayMs) =>
          log(`reading revision ${revision}: ${describeApiError(error)}; retrying in ${delayMs} ms`),
      },
    );
    const lines = failingConditions(rev);
    if (lines.length) text += `\nrevision ${revision}: ${lines.join("; ")}`;
  } catch (error) {
    text += `\n(revision ${revision} could not be read: ${describeApiError(error)})`;
  }
  return text;
}

function addressUrlOf(svc: KnativeObject): string | undefined {
  const address = svc.status?.address as { url?: unknown } | undefined;
  return typeof address?.url === "string" && address.url !== "" ? address.url : undefined;
}
