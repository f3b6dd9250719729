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

type Problem = Extract<WorkersState, { kind: "failed" }>;

/**
 * Where the workers are: all done, one failed or cannot start, or still on their way. When several workers
 * have problems, the cause comes first: a failed or stuck worker before pods deleted because of it (a failed
 * Job deletes its other pods), and both before workers that merely have not started yet.
 */
export function judgeWorkers(pods: Iterable<V1Pod>, options: JudgeOptions): WorkersState {
  const byIndex = podsByIndex(pods);
  const problems: { rank: number; problem: Problem }[] = [];
  let running = 0;
  let succeeded = 0;
  for (let index = 0; index < options.workers; index++) {
    const pod = byIndex.get(index);
    const name = `worker ${index}`;
    const late = options.now >= options.startDeadline;
    if (!pod) {
      if (late) {
        const message =
          `${name} never started: the Job has no pod for it; see \`kubectl describe job ${options.job} ` +
          `-n ${options.namespace}\` (a quota or an admission policy may refuse its pods)`;
        problems.push({ rank: 2, problem: { kind: "failed", index, message } });
      }
      continue;
    }
    const podName = pod.metadata?.name ?? "?";
    const phase = pod.status?.phase;
    const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
    if (phase === "Succeeded") succeeded++;
    else if (phase === "Failed") {
      const message = `${name} (pod ${podName}) failed: ${failure(pod)}`;
      problems.push({ rank: 0, problem: { kind: "failed", index, pod, message } });
    } else if (waiting?.reason && STUCK_REASONS.has(waiting.reason)) {
      const message = `${name} never started: pod ${podName}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`;
      problems.push({ rank: 0, problem: { kind: "failed", index, pod, message } });
    } else if (pod.metadata?.deletionTimestamp) {
      const message = `${name} (pod ${podName}) was deleted before it finished`;
      problems.push({ rank: 1, problem: { kind: "failed", index, pod, message } });
    } else if (phase === "Running") running++;
    else if (late) {
      const message = `${name} never started: pod ${podName} is ${pending(pod)}`;
      problems.push({ rank: 2, problem: { kind: "failed", index, pod, message } });
    }
  }
  if (problems.length > 0) return problems.reduce((a, b) => (b.rank < a.rank ? b : a)).problem;
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
