// The cluster load's wait as a decision over the watch events of the Job's pods: done when every worker
// succeeded, failed when one fails or never starts (judgeWorkers), or when the workers have not finished by
// `endBy`. Pure: run.ts's waitForWorkers drives it with watchUntil and adds the failed worker's log.
import type { V1Pod } from "@kubernetes/client-node";
import type { Step, Wake, WatchEvent } from "../../kube/watch-until.js";
import { judgeWorkers } from "./workers.js";

export interface WorkersWaitRules {
  workers: number;
  /** After this (epoch ms) every worker must be running or finished. */
  startDeadline: number;
  /** After this (epoch ms) the run fails if the workers have not all finished. */
  endBy: number;
  job: string;
  namespace: string;
}

export interface WorkersWaitState {
  /** The Job's pods by name, as last seen. */
  pods: ReadonlyMap<string, V1Pod>;
}

export type WorkersFailure = { kind: "worker"; pod?: V1Pod; message: string } | { kind: "unfinished" };

export const initialWorkersState: WorkersWaitState = { pods: new Map() };

export function workersStep(
  state: WorkersWaitState,
  event: WatchEvent<V1Pod> | Wake,
  rules: WorkersWaitRules,
): Step<WorkersWaitState, V1Pod[], WorkersFailure> {
  const next = { pods: podsAfter(state.pods, event) };
  const judged = judgeWorkers(next.pods.values(), { ...rules, now: event.now });
  if (judged.kind === "done") return { state: next, done: judged.pods };
  // The first failure is the one to report: what follows (the Job deleting its other pods) is its effect.
  if (judged.kind === "failed") {
    return { state: next, fail: { kind: "worker", pod: judged.pod, message: judged.message } };
  }
  if (event.now >= rules.endBy) return { state: next, fail: { kind: "unfinished" } };
  // Judged again at the start deadline (workers not running by then fail) and at the end.
  return { state: next, wakeAt: event.now < rules.startDeadline ? rules.startDeadline : rules.endBy };
}

function podsAfter(pods: ReadonlyMap<string, V1Pod>, event: WatchEvent<V1Pod> | Wake): Map<string, V1Pod> {
  if (event.type === "SYNC") return new Map(event.items.map((pod) => [pod.metadata?.name ?? "", pod]));
  const next = new Map(pods);
  if (event.type === "WAKE") return next;
  const pod = event.object;
  const name = pod.metadata?.name ?? "";
  if (event.type !== "DELETED") next.set(name, pod);
  else if (pod.status?.phase !== "Succeeded") {
    // A worker pod gone before it finished (evicted, drained, deleted by hand) keeps its last state, marked
    // as deleted, so judging reports it.
    next.set(name, {
      ...pod,
      metadata: {
        ...pod.metadata,
        deletionTimestamp: pod.metadata?.deletionTimestamp ?? new Date(event.now),
      },
    });
  }
  return next;
}
