// The load Job's pods as the action sees them through its watch: which worker each pod is, whether every worker
// started and finished, and, when one did not, a message that says why in Kubernetes' own words. Pure.
import type { V1Pod } from "@kubernetes/client-node";

/** Set by the Job controller on every pod of an Indexed Job (annotation always, label since Kubernetes 1.28). */
export const COMPLETION_INDEX_KEY = "batch.kubernetes.io/job-completion-index";

/** Container waiting reasons after which the container will not start without someone changing something. */
const STUCK_REASONS = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
  "CrashLoopBackOff",
]);

export function workerIndex(pod: V1Pod): number | undefined {
  const raw =
    pod.metadata?.annotations?.[COMPLETION_INDEX_KEY] ?? pod.metadata?.labels?.[COMPLETION_INDEX_KEY];
  const index = Number(raw);
  return raw !== undefined && Number.isInteger(index) && index >= 0 ? index : undefined;
}

export type WorkersState =
  | { kind: "waiting"; running: number }
  | { kind: "done"; pods: V1Pod[] }
  | { kind: "failed"; index: number; pod?: V1Pod; message: string };

export interface JudgeOptions {
  workers: number;
  now: number;
  /** After this (epoch ms) every worker must be running or finished. */
  startDeadline: number;
  job: string;
  namespace: string;
}

/** The newest pod of each index (a pod replaced after a failure would be newer). */
export function podsByIndex(pods: Iterable<V1Pod>): Map<number, V1Pod> {
  const byIndex = new Map<number, V1Pod>();
  for (const pod of pods) {
    const index = workerIndex(pod);
    if (index === undefined) continue;
    const current = byIndex.get(index);
    if (!current || created(pod) >= created(current)) byIndex.set(index, pod);
  }
  return byIndex;
}

const created = (pod: V1Pod): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();

/** Where the workers are: all done, one failed or cannot start, or still on their way. */
export function judgeWorkers(pods: Iterable<V1Pod>, options: JudgeOptions): WorkersState {
  const byIndex = podsByIndex(pods);
  let running = 0;
  let succeeded = 0;
  for (let index = 0; index < options.workers; index++) {
    const pod = byIndex.get(index);
    const name = `worker ${index}`;
    if (!pod) {
      if (options.now < options.startDeadline) continue;
      return {
        kind: "failed",
        index,
        message:
          `${name} never started: the Job has no pod for it; see \`kubectl describe job ${options.job} ` +
          `-n ${options.namespace}\` (a quota or an admission policy may refuse its pods)`,
      };
    }
    const podName = pod.metadata?.name ?? "?";
    const phase = pod.status?.phase;
    if (phase === "Succeeded") {
      succeeded++;
      continue;
    }
    if (phase === "Failed")
      return { kind: "failed", index, pod, message: `${name} (pod ${podName}) failed: ${failure(pod)}` };
    if (pod.metadata?.deletionTimestamp) {
      return {
        kind: "failed",
        index,
        pod,
        message: `${name} (pod ${podName}) was deleted before it finished`,
      };
    }
    const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
    if (waiting?.reason && STUCK_REASONS.has(waiting.reason)) {
      return {
        kind: "failed",
        index,
        pod,
        message: `${name} never started: pod ${podName}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`,
      };
    }
    if (phase === "Running") {
      running++;
      continue;
    }
    if (options.now >= options.startDeadline) {
      return {
        kind: "failed",
        index,
        pod,
        message: `${name} never started: pod ${podName} is ${pending(pod)}`,
      };
    }
  }
  if (succeeded === options.workers) {
    return { kind: "done", pods: Array.from({ length: options.workers }, (_, i) => byIndex.get(i) as V1Pod) };
  }
  return { kind: "waiting", running };
}

function failure(pod: V1Pod): string {
  const terminated = pod.status?.containerStatuses?.find((c) => c.state?.terminated)?.state?.terminated;
  if (terminated) {
    const message = terminated.message?.trim();
    return `${terminated.reason ?? "terminated"} (exit code ${terminated.exitCode})${message ? `: ${message}` : ""}`;
  }
  const { reason, message } = pod.status ?? {};
  return [reason, message].filter(Boolean).join(": ") || "pod failed";
}

function pending(pod: V1Pod): string {
  const unschedulable = pod.status?.conditions?.find(
    (c) => c.type === "PodScheduled" && c.status === "False",
  );
  if (unschedulable) {
    return `not scheduled (${unschedulable.reason ?? "Unschedulable"}${unschedulable.message ? `: ${unschedulable.message}` : ""})`;
  }
  const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
  if (waiting?.reason)
    return `still ${pod.status?.phase ?? "Pending"} (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""})`;
  return `still ${pod.status?.phase ?? "Pending"} after the common start time; raise the start delay if pods start slowly here`;
}
