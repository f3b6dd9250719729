// The other two waits' decisions as event lists: the cluster load's workers (workersStep, over the Job's pod
// events) and PodTracker.waitFor (countsStep, over the tracker's count changes).
import { describe, expect, it } from "@jest/globals";
import type { V1Pod } from "@kubernetes/client-node";
import { countsStep, type PodCounts } from "../../src/kube/pods.js";
import type { Step, Wake, WatchEvent } from "../../src/kube/watch-until.js";
import {
  initialWorkersState,
  workersStep,
  type WorkersFailure,
  type WorkersWaitState,
} from "../../src/load/cluster/workers-wait.js";

const rules = { workers: 2, startDeadline: 5000, endBy: 60_000, job: "kpg-load-x", namespace: "perf" };
const pod = (index: number, status: V1Pod["status"]): V1Pod => ({
  metadata: {
    name: `kpg-load-x-${index}-abcde`,
    annotations: { "batch.kubernetes.io/job-completion-index": String(index) },
    creationTimestamp: new Date(0),
  },
  status,
});
type Ev = WatchEvent<V1Pod> | Wake;
const at = (now: number, type: "ADDED" | "MODIFIED" | "DELETED", object: V1Pod): Ev => ({
  type,
  object,
  now,
});

function decide(events: Ev[]) {
  let state: WorkersWaitState = initialWorkersState;
  let last: Step<WorkersWaitState, V1Pod[], WorkersFailure> | undefined;
  for (const event of events) {
    last = workersStep(state, event, rules);
    state = last.state;
    if ("done" in last || "fail" in last) break;
  }
  return {
    state,
    done: last && "done" in last ? last.done : undefined,
    fail: last && "fail" in last ? last.fail : undefined,
    wakeAt: last && !("done" in last) && !("fail" in last) ? last.wakeAt : undefined,
  };
}

describe("the cluster workers' wait", () => {
  it("is done when every worker succeeded, with the pods in index order", () => {
    const r = decide([
      { type: "SYNC", items: [pod(1, { phase: "Running" })], now: 1000 },
      at(2000, "ADDED", pod(0, { phase: "Running" })),
      at(9000, "MODIFIED", pod(1, { phase: "Succeeded" })),
      at(9100, "MODIFIED", pod(0, { phase: "Succeeded" })),
    ]);
    expect(r.done?.map((p) => p.metadata?.name)).toEqual(["kpg-load-x-0-abcde", "kpg-load-x-1-abcde"]);
  });

  it("asks to be woken at the start deadline, then at the end", () => {
    expect(decide([{ type: "SYNC", items: [], now: 1000 }]).wakeAt).toBe(5000);
    const running = [pod(0, { phase: "Running" }), pod(1, { phase: "Running" })];
    expect(decide([{ type: "SYNC", items: running, now: 6000 }]).wakeAt).toBe(60_000);
  });

  it("a worker with no pod at the start deadline never started (even before any list arrived)", () => {
    const r = decide([{ type: "WAKE", now: 5000 }]);
    expect(r.fail).toMatchObject({
      kind: "worker",
      message: expect.stringMatching(/^worker 0 never started/),
    });
  });

  it("a failed worker fails the wait with the pod, for its log", () => {
    const failed = pod(1, { phase: "Failed", reason: "Evicted", message: "low on memory" });
    const r = decide([
      { type: "SYNC", items: [pod(0, { phase: "Running" })], now: 1000 },
      at(7000, "MODIFIED", failed),
    ]);
    expect(r.fail).toEqual({
      kind: "worker",
      pod: failed,
      message: "worker 1 (pod kpg-load-x-1-abcde) failed: Evicted: low on memory",
    });
  });

  it("a worker pod deleted before it finished is reported as deleted; a succeeded one may go", () => {
    const running = [pod(0, { phase: "Running" }), pod(1, { phase: "Running" })];
    const deleted = decide([{ type: "SYNC", items: running, now: 6000 }, at(7000, "DELETED", running[1])]);
    expect(deleted.fail).toMatchObject({
      message: "worker 1 (pod kpg-load-x-1-abcde) was deleted before it finished",
    });
    const done = pod(1, { phase: "Succeeded" });
    const gone = decide([
      { type: "SYNC", items: [running[0], done], now: 6000 },
      at(7000, "DELETED", done),
      at(8000, "MODIFIED", pod(0, { phase: "Succeeded" })),
    ]);
    expect(gone.done).toHaveLength(2);
  });

  it("workers still running at endBy fail as unfinished", () => {
    const running = [pod(0, { phase: "Running" }), pod(1, { phase: "Succeeded" })];
    const r = decide([
      { type: "SYNC", items: running, now: 6000 },
      { type: "WAKE", now: 60_000 },
    ]);
    expect(r.fail).toEqual({ kind: "unfinished" });
    expect(r.state.pods.size).toBe(2);
  });

  it("a re-list replaces the pods it had", () => {
    const r = decide([
      { type: "SYNC", items: [pod(0, { phase: "Running" })], now: 1000 },
      { type: "SYNC", items: [pod(1, { phase: "Running" })], now: 2000 },
    ]);
    expect([...r.state.pods.keys()]).toEqual(["kpg-load-x-1-abcde"]);
  });
});

describe("PodTracker.waitFor's decision", () => {
  const counts = (serving: number): PodCounts => ({ serving, reserve: 0, terminating: 0, pending: 0 });
  const atZero = (c: PodCounts) => c.serving === 0;

  it("is true once the counts satisfy the predicate, and waits before", () => {
    expect(countsStep(atZero, { type: "CHANGED", counts: counts(2) })).toEqual({ state: undefined });
    expect(countsStep(atZero, { type: "CHANGED", counts: counts(0) })).toEqual({
      state: undefined,
      done: true,
    });
  });

  it("is false when the pods cannot be watched (the counts are unknown, not zero)", () => {
    expect(countsStep(atZero, { type: "CHANGED", counts: counts(0), refused: "forbidden" })).toEqual({
      state: undefined,
      done: false,
    });
  });
});
