// Pods that cannot start, as event lists: which states count, the persistence window (a single ErrImagePull
// that the kubelet's retry clears does not fail), and how the failure is worded.
import { describe, expect, it } from "@jest/globals";
import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import {
  describePodProblem,
  initialPodProblemsState,
  podProblem,
  podProblemsStep,
  type PodProblem,
  type PodProblemsState,
} from "../../src/kube/pod-problems.js";
import type { Step, Wake, WatchEvent } from "../../src/kube/watch-until.js";

const WINDOW = 30_000;

function waiting(name: string, reason: string, message = "", uid = name): V1Pod {
  const status: V1ContainerStatus = {
    name: "user-container",
    image: "x",
    imageID: "",
    ready: false,
    restartCount: 0,
    state: { waiting: { reason, message } },
  };
  return { metadata: { name, uid }, status: { phase: "Pending", containerStatuses: [status] } };
}
const running = (name: string): V1Pod => ({ metadata: { name, uid: name }, status: { phase: "Running" } });
const scheduled = (name: string, reason: string, message: string): V1Pod => ({
  metadata: { name, uid: name },
  status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason, message }] },
});

type Ev = WatchEvent<V1Pod> | Wake;
const mod = (now: number, object: V1Pod): Ev => ({ type: "MODIFIED", object, now });
const wake = (now: number): Ev => ({ type: "WAKE", now });

function run(events: Ev[]) {
  let state: PodProblemsState = initialPodProblemsState;
  let last: Step<PodProblemsState, never, PodProblem> | undefined;
  for (const event of events) {
    last = podProblemsStep(state, event, WINDOW);
    state = last.state;
    if ("fail" in last) break;
  }
  return {
    state,
    fail: last && "fail" in last ? last.fail : undefined,
    wakeAt: last && "wakeAt" in last ? last.wakeAt : undefined,
  };
}

describe("what keeps a pod from starting", () => {
  it.each([
    "ErrImagePull",
    "ImagePullBackOff",
    "CrashLoopBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
  ])("a container waiting with %s", (reason) => {
    expect(podProblem(waiting("p", reason, "why"))).toEqual({
      pod: "p",
      container: "user-container",
      reason,
      message: "why",
    });
  });

  it("a pod no node can take (PodScheduled=False, Unschedulable)", () => {
    expect(
      podProblem(scheduled("p", "Unschedulable", "0/3 nodes are available: 3 Insufficient cpu.")),
    ).toEqual({
      pod: "p",
      reason: "Unschedulable",
      message: "0/3 nodes are available: 3 Insufficient cpu.",
    });
  });

  it("not a pod on its way: ContainerCreating, PodInitializing, other scheduling reasons, a pod being deleted", () => {
    expect(podProblem(waiting("p", "ContainerCreating"))).toBeUndefined();
    expect(podProblem(waiting("p", "PodInitializing"))).toBeUndefined();
    expect(podProblem(scheduled("p", "SchedulingGated", "gated"))).toBeUndefined();
    const leaving = waiting("p", "ErrImagePull");
    leaving.metadata = { ...leaving.metadata, deletionTimestamp: new Date(0) };
    expect(podProblem(leaving)).toBeUndefined();
    expect(podProblem(running("p"))).toBeUndefined();
  });

  it("an init container that cannot pull counts too", () => {
    const pod: V1Pod = {
      metadata: { name: "p" },
      status: {
        initContainerStatuses: [
          {
            name: "init",
            image: "i",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: "ErrImagePull" } },
          },
        ],
      },
    };
    expect(podProblem(pod)).toMatchObject({ container: "init", reason: "ErrImagePull" });
  });
});

describe("the persistence window", () => {
  it("fails once a problem has lasted the window, not before", () => {
    const early = run([mod(1000, waiting("p", "ErrImagePull", "timeout")), wake(30_999)]);
    expect(early.fail).toBeUndefined();
    expect(early.wakeAt).toBe(31_000);
    const late = run([mod(1000, waiting("p", "ErrImagePull", "timeout")), wake(31_000)]);
    expect(late.fail).toEqual({
      pod: "p",
      container: "user-container",
      reason: "ErrImagePull",
      message: "timeout",
      since: 1000,
    });
  });

  it("a single ErrImagePull that the kubelet's retry clears does not fail", () => {
    const r = run([
      mod(0, waiting("p", "ErrImagePull", "registry blip")),
      mod(2000, waiting("p", "ImagePullBackOff", "Back-off pulling image")),
      mod(14_000, running("p")),
      wake(30_000),
    ]);
    expect(r.fail).toBeUndefined();
    expect(r.wakeAt).toBeUndefined();
    expect(r.state.problems.size).toBe(0);
  });

  it("ErrImagePull and ImagePullBackOff alternating are one problem, timed from the first", () => {
    const r = run([
      mod(0, waiting("p", "ErrImagePull")),
      mod(2000, waiting("p", "ImagePullBackOff")),
      mod(12_000, waiting("p", "ErrImagePull")),
      mod(14_000, waiting("p", "ImagePullBackOff", "Back-off pulling image")),
      wake(30_000),
    ]);
    expect(r.fail).toMatchObject({ reason: "ImagePullBackOff", message: "Back-off pulling image", since: 0 });
  });

  it("a deleted pod takes its problem with it", () => {
    const r = run([
      mod(0, waiting("p", "ErrImagePull")),
      { type: "DELETED", object: waiting("p", "ErrImagePull"), now: 5 },
      wake(30_000),
    ]);
    expect(r.fail).toBeUndefined();
  });

  it("a re-list keeps when a listed pod's problem began and forgets pods no longer listed", () => {
    const r = run([
      mod(0, waiting("a", "ErrImagePull")),
      mod(100, waiting("b", "ErrImagePull")),
      { type: "SYNC", items: [waiting("b", "ImagePullBackOff")], now: 20_000 },
    ]);
    expect([...r.state.problems.values()].map((p) => [p.pod, p.since])).toEqual([["b", 100]]);
    expect(r.wakeAt).toBe(30_100);
  });

  it("with several stuck pods, the one stuck longest is reported", () => {
    const r = run([
      mod(0, scheduled("a", "Unschedulable", "no nodes")),
      mod(5000, waiting("b", "ErrImagePull")),
      wake(30_000),
    ]);
    expect(r.fail?.pod).toBe("a");
  });
});

describe("the failure's wording", () => {
  it('is "pod P (container C): Reason: message", without the container for a pod not scheduled', () => {
    expect(
      describePodProblem({
        pod: "p",
        container: "user-container",
        reason: "ErrImagePull",
        message: "m",
        since: 0,
      }),
    ).toBe("pod p (container user-container): ErrImagePull: m");
    expect(describePodProblem({ pod: "p", reason: "Unschedulable", message: "", since: 0 })).toBe(
      "pod p: Unschedulable",
    );
  });
});
