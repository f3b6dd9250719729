// Pods of a Knative Service that cannot start: an image that cannot be pulled, a container config that cannot be
// created, a crash loop, or a pod no node can take. Knative itself reports a waiting container only once the
// Deployment's progress deadline (600 s by default) has passed (serving pkg/reconciler/revision/
// reconcile_resources.go, reconcileDeployment: `status.State.Waiting` is surfaced only when
// hasDeploymentTimedOut), so without this the Ready wait would sit until ready-timeout. A pure decision over the
// pods' watch events, for the Ready wait.
import type { V1Pod } from "@kubernetes/client-node";
import type { Step, Wake, WatchEvent } from "./watch-until.js";

/** Container waiting reasons that mean the container cannot start without someone changing something. */
export const STUCK_WAITING_REASONS: ReadonlySet<string> = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
]);

/**
 * How long a pod's problem must last before the wait fails on it. An ErrImagePull can be a registry blip: the
 * kubelet retries the pull after its first image back-off of 10 s (kubelet's backOffPeriod), and the pod keeps
 * the ImagePullBackOff reason until that retry's pull has finished. 30 s covers the back-off and a retry pull of
 * a sizeable image, and is still far below Knative's own 600 s and any sensible ready-timeout. kn's 2 s error
 * window would fail such a blip, so it is not reused here.
 */
export const POD_PROBLEM_WINDOW_MS = 30_000;

export interface PodProblem {
  pod: string;
  /** The waiting container; absent for a pod that is not scheduled. */
  container?: string;
  reason: string;
  message: string;
  /** Epoch ms when the problem was first seen (the same problem or another: it has not started since). */
  since: number;
}

export interface PodProblemsState {
  /** Pods with a problem now, by uid (name when there is none). */
  problems: ReadonlyMap<string, PodProblem>;
}

export const initialPodProblemsState: PodProblemsState = { problems: new Map() };

/** What keeps this pod from starting, if anything. A pod being deleted is no longer ours to judge. */
export function podProblem(pod: V1Pod): Omit<PodProblem, "since"> | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const name = pod.metadata?.name ?? "?";
  const unschedulable = pod.status?.conditions?.find(
    (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
  );
  if (unschedulable) return { pod: name, reason: "Unschedulable", message: unschedulable.message ?? "" };
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && STUCK_WAITING_REASONS.has(waiting.reason)) {
      return { pod: name, container: status.name, reason: waiting.reason, message: waiting.message ?? "" };
    }
  }
  return undefined;
}

/** Fails once some pod's problem has lasted `windowMs`; otherwise asks to be woken when the first would have. */
export function podProblemsStep(
  state: PodProblemsState,
  event: WatchEvent<V1Pod> | Wake,
  windowMs: number,
): Step<PodProblemsState, never, PodProblem> {
  const next: PodProblemsState = { problems: problemsAfter(state.problems, event) };
  const oldest = [...next.problems.values()].reduce<PodProblem | undefined>(
    (a, b) => (a && a.since <= b.since ? a : b),
    undefined,
  );
  if (!oldest) return { state: next };
  if (event.now >= oldest.since + windowMs) return { state: next, fail: oldest };
  return { state: next, wakeAt: oldest.since + windowMs };
}

/** When the problems' window ends, if any: for combining with other decisions' wakes. */
export function podProblemsWake(state: PodProblemsState, windowMs: number): number | undefined {
  const since = [...state.problems.values()].map((p) => p.since);
  return since.length ? Math.min(...since) + windowMs : undefined;
}

function problemsAfter(
  problems: ReadonlyMap<string, PodProblem>,
  event: WatchEvent<V1Pod> | Wake,
): ReadonlyMap<string, PodProblem> {
  if (event.type === "WAKE") return problems;
  const next = new Map(event.type === "SYNC" ? [] : problems);
  const pods = event.type === "SYNC" ? event.items : [event.object];
  for (const pod of pods) {
    const key = pod.metadata?.uid ?? pod.metadata?.name ?? "";
    const problem = event.type === "DELETED" ? undefined : podProblem(pod);
    // ErrImagePull and ImagePullBackOff alternate while the kubelet retries: one problem, since the first.
    if (problem) next.set(key, { ...problem, since: problems.get(key)?.since ?? event.now });
    else next.delete(key);
  }
  return next;
}

/** "pod P (container C): Reason: message" as the failure names it. */
export function describePodProblem(problem: PodProblem): string {
  const where = problem.container
    ? `pod ${problem.pod} (container ${problem.container})`
    : `pod ${problem.pod}`;
  return `${where}: ${problem.reason}${problem.message ? `: ${problem.message}` : ""}`;
}
