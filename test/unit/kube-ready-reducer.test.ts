// The Ready decision as event lists, the way knative/client tests its wait with a fake watch
// (pkg/wait/wait_for_ready_test.go: peNormal, peWrongGeneration, peTimeout, peReadyFalseWithinErrorWindow,
// errorTest), plus waitForReady over a fake Cluster for what lies around the decision (the Revision read with
// retries, the messages of timeout, refusal and cancellation).
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import type { V1Pod } from "@kubernetes/client-node";
import type { Cluster } from "../../src/kube/cluster.js";
import { trackPods } from "../../src/kube/pods.js";
import { CancelledError, ClusterError } from "../../src/kube/errors.js";
import type { Condition, KnativeObject } from "../../src/kube/knative.js";
import {
  initialReadyState,
  initialReadyWaitState,
  readyStep,
  readyWaitStep,
  waitForReady,
  type ReadyEvent,
  type ReadyFailure,
  type ReadyService,
  type ReadyState,
  type ReadyWaitState,
} from "../../src/kube/ready.js";
import type { Step, Wake, WatchEvent } from "../../src/kube/watch-until.js";

type Status = Condition["status"];

/** kn's CreateTestServiceWithConditions: Ready and RoutesReady, with a reason and message, generation/observed. */
function service(
  ready: Status,
  routes: Status,
  reason = "",
  message = "",
  generation = 1,
  observed = generation,
): KnativeObject {
  const cond = (type: string, status: Status): Condition => ({
    type,
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  });
  return {
    metadata: { name: "test-service", generation },
    status: {
      observedGeneration: observed,
      conditions: [cond("Ready", ready), cond("RoutesReady", routes)],
      url: "http://test-service.ns.example.com",
      latestCreatedRevisionName: "test-service-00001",
      latestReadyRevisionName: ready === "True" ? "test-service-00001" : undefined,
    },
  };
}

const rules = { since: 0, errorWindowMs: 2000 };
type Ev = WatchEvent<KnativeObject> | Wake;
const at = (now: number, type: "ADDED" | "MODIFIED" | "DELETED", object: KnativeObject): Ev => ({
  type,
  object,
  now,
});
const sync = (now: number, ...items: KnativeObject[]): Ev => ({ type: "SYNC", items, now });
const wake = (now: number): Wake => ({ type: "WAKE", now });

/** Feeds the events in order until a decision; returns it, the lines reported and the last wakeAt asked for. */
function decide(events: Ev[]) {
  let state: ReadyState = initialReadyState;
  const reported: string[] = [];
  let last: Step<ReadyState, ReadyService, ReadyFailure> | undefined;
  let consumed = 0;
  for (const event of events) {
    last = readyStep(state, event, rules);
    consumed++;
    state = last.state;
    reported.push(...(last.report ?? []));
    if ("done" in last || "fail" in last) break;
  }
  const outcome = !last ? "none" : "done" in last ? "done" : "fail" in last ? "fail" : "wait";
  return {
    outcome,
    consumed,
    state,
    reported,
    done: last && "done" in last ? last.done : undefined,
    fail: last && "fail" in last ? last.fail : undefined,
    wakeAt: last && !("done" in last) && !("fail" in last) ? last.wakeAt : undefined,
  };
}

describe("the Ready decision over event lists (kn's wait)", () => {
  it("peNormal: Unknown, Unknown, then Ready=True is done, each new condition line reported once", () => {
    const r = decide([
      at(10, "ADDED", service("Unknown", "Unknown", "", "msg1")),
      at(20, "MODIFIED", service("Unknown", "Unknown", "", "msg1")),
      at(30, "MODIFIED", service("Unknown", "True", "", "msg2")),
      at(40, "MODIFIED", service("True", "True")),
    ]);
    expect(r.outcome).toBe("done");
    expect(r.done).toMatchObject({
      url: "http://test-service.ns.example.com",
      revision: "test-service-00001",
      generation: 1,
      readyMs: 40,
    });
    expect(r.reported).toEqual([
      "Ready=Unknown: msg1",
      "RoutesReady=Unknown: msg1",
      "Ready=Unknown: msg2",
      "RoutesReady=True: msg2",
      "Ready=True",
      "RoutesReady=True",
    ]);
  });

  it("reads first: a Service already Ready in the list is done at once", () => {
    const r = decide([sync(5, service("True", "True"))]);
    expect(r.outcome).toBe("done");
    expect(r.done?.readyMs).toBe(5);
  });

  it("an empty list waits (the Service may not be in a lagging list yet)", () => {
    expect(decide([sync(5)])).toMatchObject({ outcome: "wait", wakeAt: undefined });
  });

  it("peWrongGeneration: Ready=True for a generation not yet observed is not done, nor reported", () => {
    const r = decide([
      at(10, "MODIFIED", service("Unknown", "Unknown", "", "msg1")),
      at(20, "MODIFIED", service("True", "True", "", "", 2, 1)),
    ]);
    expect(r.outcome).toBe("wait");
    expect(r.reported).toEqual(["Ready=Unknown: msg1", "RoutesReady=Unknown: msg1"]);
    // What the timeout would say is still pending names the generation.
    expect(r.state.last?.metadata.generation).toBe(2);
  });

  it("peReadyFalseWithinErrorWindow: False, then True within the window, is done", () => {
    const r = decide([
      at(0, "MODIFIED", service("False", "False", "RouteNotReady", "msg1")),
      at(1500, "MODIFIED", service("True", "True", "RouteReady")),
    ]);
    expect(r.outcome).toBe("done");
  });

  it("errorTest: Ready=False that lasts the window fails with its reason and message", () => {
    const first = decide([
      at(100, "MODIFIED", service("Unknown", "Unknown", "", "msg1")),
      at(200, "MODIFIED", service("False", "True", "FakeError", "Test Error")),
    ]);
    expect(first).toMatchObject({ outcome: "wait", wakeAt: 2200 });
    const r = decide([
      at(100, "MODIFIED", service("Unknown", "Unknown", "", "msg1")),
      at(200, "MODIFIED", service("False", "True", "FakeError", "Test Error")),
      wake(2199),
      wake(2200),
    ]);
    expect(r.outcome).toBe("fail");
    expect(r.consumed).toBe(4);
    expect(r.fail).toMatchObject({ kind: "failed", reason: "FakeError", message: "Test Error" });
  });

  it("the window starts at the first False: a second False does not restart it", () => {
    const r = decide([
      at(0, "MODIFIED", service("False", "False", "A", "first")),
      at(1000, "MODIFIED", service("False", "False", "B", "second")),
    ]);
    expect(r.wakeAt).toBe(2000);
    const failed = decide([
      at(0, "MODIFIED", service("False", "False", "A", "first")),
      at(1000, "MODIFIED", service("False", "False", "B", "second")),
      wake(2000),
    ]);
    // The failure is the latest False seen.
    expect(failed.fail).toMatchObject({ reason: "B", message: "second" });
  });

  it("a False event that arrives after the window has run out fails at once", () => {
    const r = decide([
      at(0, "MODIFIED", service("False", "False", "A", "first")),
      at(2500, "MODIFIED", service("False", "False", "A", "still")),
    ]);
    expect(r.outcome).toBe("fail");
  });

  it("Unknown cancels the window: the wake that follows fails nothing", () => {
    const r = decide([
      at(0, "MODIFIED", service("False", "False", "A", "blip")),
      at(500, "MODIFIED", service("Unknown", "Unknown", "Deploying")),
      wake(2000),
    ]);
    expect(r).toMatchObject({ outcome: "wait", wakeAt: undefined });
    expect(r.state.failing).toBeUndefined();
  });

  it("an event for an unobserved generation does not clear the window (kn skips it)", () => {
    const r = decide([
      at(0, "MODIFIED", service("False", "False", "RevisionFailed", "boom")),
      at(500, "MODIFIED", service("Unknown", "Unknown", "", "", 2, 1)),
      wake(2000),
    ]);
    expect(r.outcome).toBe("fail");
    expect(r.fail).toMatchObject({ reason: "RevisionFailed", message: "boom" });
  });

  it("with a zero window, Ready=False fails on the event itself", () => {
    const step = readyStep(initialReadyState, at(0, "MODIFIED", service("False", "False", "X", "y")), {
      since: 0,
      errorWindowMs: 0,
    });
    expect("fail" in step && step.fail).toMatchObject({ kind: "failed", reason: "X", message: "y" });
  });

  it("DELETED fails", () => {
    const r = decide([
      at(0, "MODIFIED", service("Unknown", "Unknown")),
      at(10, "DELETED", service("Unknown", "Unknown")),
    ]);
    expect(r.fail).toEqual({ kind: "deleted" });
  });

  it("repeated conditions are not reported again", () => {
    const r = decide([
      at(0, "MODIFIED", service("Unknown", "Unknown", "", "msg1")),
      at(10, "MODIFIED", service("Unknown", "Unknown", "", "msg1")),
      sync(20, service("Unknown", "Unknown", "", "msg1")),
    ]);
    expect(r.reported).toHaveLength(2);
  });
});

/**
 * A Cluster whose Service and Pod lists the test sets, whose watches the test drives (by plural), and whose
 * Revision read can fail.
 */
function fakeCluster(
  options: {
    listed?: KnativeObject[];
    pods?: V1Pod[];
    revision?: KnativeObject;
    readFailures?: unknown[];
  } = {},
) {
  type OnEvent = (type: string, object: unknown) => void;
  const watches: Record<string, { send: OnEvent; aborted: boolean }[]> = { services: [], pods: [] };
  const readFailures = [...(options.readFailures ?? [])];
  let reads = 0;
  const lists: string[] = [];
  const cluster = {
    objects: {
      list: (_apiVersion: string, kind: string) =>
        lists.push(kind) &&
        Promise.resolve({
          items: kind === "Pod" ? (options.pods ?? []) : (options.listed ?? []),
          metadata: { resourceVersion: "1" },
        }),
      read: () => {
        reads++;
        const failure = readFailures.shift();
        return failure ? Promise.reject(failure) : Promise.resolve(options.revision);
      },
    },
    watch: {
      watch: (path: string, _params: unknown, send: OnEvent, done: (e: unknown) => void) => {
        const controller = new AbortController();
        const entry = { send, aborted: false };
        controller.signal.addEventListener("abort", () => {
          entry.aborted = true;
          done(Object.assign(new Error("aborted"), { name: "AbortError" }));
        });
        watches[path.endsWith("/pods") ? "pods" : "services"].push(entry);
        return Promise.resolve(controller);
      },
    },
  } as unknown as Cluster;
  const all = () => [...watches.services, ...watches.pods];
  return { cluster, watches, all, reads: () => reads, lists: () => lists };
}

function track<T>(promise: Promise<T>) {
  const status: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(status, { settled: true, value }),
    (error: unknown) => Object.assign(status, { settled: true, error }),
  );
  return status;
}

describe("waitForReady around the decision", () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const options = { namespace: "ns", name: "test-service", timeoutMs: 60_000, since: 1_000_000 };
  const failed: KnativeObject = {
    metadata: { name: "test-service", generation: 1 },
    status: {
      observedGeneration: 1,
      latestCreatedRevisionName: "test-service-00001",
      conditions: [
        {
          type: "ConfigurationsReady",
          status: "False",
          reason: "RevisionFailed",
          message: "Revision failed",
        },
        { type: "Ready", status: "False", reason: "RevisionMissing", message: "no ready Revision" },
      ],
    },
  };
  const revision: KnativeObject = {
    metadata: { name: "test-service-00001" },
    status: {
      conditions: [{ type: "ContainerHealthy", status: "False", reason: "ExitCode3", message: "panic" }],
    },
  };

  it("fails after the window with the failing sub-condition and the Revision's conditions, read through a 503", async () => {
    const unavailable = Object.assign(new Error("unavailable"), { code: 503 });
    const fake = fakeCluster({ listed: [failed], revision, readFailures: [unavailable] });
    const lines: string[] = [];
    const status = track(waitForReady(fake.cluster, { ...options, log: (l) => lines.push(l) }));
    await jest.advanceTimersByTimeAsync(1999);
    expect(status.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1 + 250);
    expect(status.error).toBeInstanceOf(ClusterError);
    expect((status.error as ClusterError).message).toBe(
      "service test-service failed: RevisionFailed: Revision failed\n" +
        "revision test-service-00001: ContainerHealthy: ExitCode3: panic",
    );
    expect((status.error as ClusterError).reason).toBe("RevisionFailed");
    expect(fake.reads()).toBe(2);
    expect(lines).toContain("  Ready=False RevisionMissing: no ready Revision");
    expect(lines.some((l) => l.startsWith("reading revision test-service-00001: HTTP 503"))).toBe(true);
    expect(fake.all().every((w) => w.aborted)).toBe(true);
  });

  it("a Service already Ready in the first list resolves, with no timer left behind", async () => {
    const ready = { ...service("True", "True"), metadata: { name: "test-service", generation: 1 } };
    const fake = fakeCluster({ listed: [ready] });
    const result = await waitForReady(fake.cluster, options);
    expect(result.revision).toBe("test-service-00001");
    expect(jest.getTimerCount()).toBe(0);
  });

  it("times out naming what is still pending", async () => {
    const fake = fakeCluster({ listed: [service("Unknown", "Unknown", "Deploying", "waiting")] });
    const status = track(waitForReady(fake.cluster, { ...options, timeoutMs: 3000 }));
    await jest.advanceTimersByTimeAsync(3000);
    expect((status.error as Error).message).toBe(
      "service test-service was not Ready after 3 s (ready-timeout); still pending: " +
        "Ready=Unknown (Deploying: waiting); RoutesReady=Unknown (Deploying: waiting)",
    );
    expect((status.error as ClusterError).reason).toBe("Timeout");
  });

  it("a deleted Service fails the wait", async () => {
    const fake = fakeCluster({ listed: [service("Unknown", "Unknown")] });
    const status = track(waitForReady(fake.cluster, options));
    await jest.advanceTimersByTimeAsync(0);
    fake.watches.services[0].send("DELETED", service("Unknown", "Unknown"));
    await jest.advanceTimersByTimeAsync(0);
    expect((status.error as Error).message).toBe("service test-service was deleted while waiting for Ready");
  });

  it("cancellation rejects with a CancelledError and stops the watch", async () => {
    const fake = fakeCluster({ listed: [service("Unknown", "Unknown")] });
    const abort = new AbortController();
    const status = track(waitForReady(fake.cluster, { ...options, signal: abort.signal }));
    await jest.advanceTimersByTimeAsync(0);
    abort.abort();
    await jest.advanceTimersByTimeAsync(0);
    expect(status.error).toBeInstanceOf(CancelledError);
    expect((status.error as Error).message).toBe("cancelled while waiting for Ready");
    expect(fake.all().map((w) => w.aborted)).toEqual([true, true]);
    expect(jest.getTimerCount()).toBe(0);
  });
});

/** A pod of the Service whose container waits with `reason`, or that no node can take. */
function stuckPod(name: string, reason: string, message = "", uid = name): V1Pod {
  if (reason === "Unschedulable") {
    return {
      metadata: { name, uid },
      status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason, message }] },
    };
  }
  return {
    metadata: { name, uid },
    status: {
      phase: "Pending",
      containerStatuses: [
        {
          name: "user-container",
          image: "x",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason, message } },
        },
      ],
    },
  };
}

describe("the Ready wait with the pods' decision", () => {
  const waitRules = { ...rules, podProblemWindowMs: 30_000 };
  const svcEvent = (now: number, object: KnativeObject): ReadyEvent => ({
    from: "service",
    event: { type: "MODIFIED", object, now },
  });
  const podEvent = (now: number, object: V1Pod): ReadyEvent => ({
    from: "pods",
    event: { type: "MODIFIED", object, now },
  });

  function run(events: (ReadyEvent | Wake)[]) {
    let state: ReadyWaitState = initialReadyWaitState;
    let last: Step<ReadyWaitState, ReadyService, ReadyFailure> | undefined;
    for (const event of events) {
      last = readyWaitStep(state, event, waitRules);
      state = last.state;
      if ("done" in last || "fail" in last) break;
    }
    return last;
  }

  it("a pod that cannot pull its image for the window fails the wait with the pod's reason", () => {
    const last = run([
      svcEvent(0, service("Unknown", "Unknown", "Deploying")),
      podEvent(1000, stuckPod("p1", "ErrImagePull", "pull failed")),
      podEvent(11_000, stuckPod("p1", "ImagePullBackOff", 'Back-off pulling image "x"')),
      wake(31_000),
    ]);
    expect(last && "fail" in last && last.fail).toEqual({
      kind: "pod",
      problem: {
        pod: "p1",
        container: "user-container",
        reason: "ImagePullBackOff",
        message: 'Back-off pulling image "x"',
        since: 1000,
      },
    });
  });

  it("asks to wake at the earlier of the error window and the pods' window", () => {
    const pod = run([
      podEvent(0, stuckPod("p1", "ErrImagePull")),
      svcEvent(100, service("Unknown", "Unknown")),
    ]);
    expect(pod && "wakeAt" in pod && pod.wakeAt).toBe(30_000);
    const both = run([
      podEvent(0, stuckPod("p1", "ErrImagePull")),
      svcEvent(5000, service("False", "False", "X", "y")),
    ]);
    expect(both && "wakeAt" in both && both.wakeAt).toBe(7000);
  });

  it("Ready=False lasting its window fails first, as Knative's own reason", () => {
    const last = run([
      podEvent(0, stuckPod("p1", "CrashLoopBackOff", "back-off restarting")),
      svcEvent(100, service("False", "False", "ExitCode1", "Container failed")),
      wake(2100),
    ]);
    expect(last && "fail" in last && last.fail).toMatchObject({ kind: "failed", reason: "ExitCode1" });
  });

  it("Ready=True is done even while a pod is stuck (the Service serves)", () => {
    const last = run([
      podEvent(0, stuckPod("p1", "Unschedulable")),
      svcEvent(40_000, service("True", "True")),
    ]);
    expect(last && "done" in last).toBe(true);
  });
});

describe("waitForReady and the Service's pods", () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });
  const options = { namespace: "ns", name: "test-service", timeoutMs: 120_000, since: 1_000_000 };
  const pending = service("Unknown", "Unknown", "Deploying", "waiting");

  it("fails early, naming the pod, its container, reason and message, and how long it lasted", async () => {
    const pod = stuckPod(
      "test-service-00001-deployment-5d8-x7k",
      "ImagePullBackOff",
      'Back-off pulling image "nope:1"',
    );
    const fake = fakeCluster({ listed: [pending], pods: [pod] });
    const status = track(waitForReady(fake.cluster, options));
    await jest.advanceTimersByTimeAsync(29_999);
    expect(status.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(status.error).toBeInstanceOf(ClusterError);
    expect((status.error as ClusterError).message).toBe(
      "service test-service cannot become Ready: pod test-service-00001-deployment-5d8-x7k " +
        '(container user-container): ImagePullBackOff: Back-off pulling image "nope:1" (for 30 s)',
    );
    expect((status.error as ClusterError).reason).toBe("ImagePullBackOff");
    expect(fake.all().map((w) => w.aborted)).toEqual([true, true]);
  });

  it("a pod that recovers within the window does not fail the wait", async () => {
    const fake = fakeCluster({ listed: [pending], pods: [stuckPod("p1", "ErrImagePull", "blip")] });
    const status = track(waitForReady(fake.cluster, options));
    await jest.advanceTimersByTimeAsync(10_000);
    fake.watches.pods[0].send("MODIFIED", {
      metadata: { name: "p1", uid: "p1" },
      status: { phase: "Running" },
    });
    await jest.advanceTimersByTimeAsync(25_000);
    expect(status.settled).toBe(false);
    fake.watches.services[0].send("MODIFIED", service("True", "True"));
    await jest.advanceTimersByTimeAsync(0);
    expect((status.value as ReadyService).revision).toBe("test-service-00001");
  });

  it("a timeout before the window names the stuck pod among what is pending", async () => {
    const fake = fakeCluster({
      listed: [pending],
      pods: [stuckPod("p1", "Unschedulable", "0/3 nodes are available")],
    });
    const status = track(waitForReady(fake.cluster, { ...options, timeoutMs: 10_000 }));
    await jest.advanceTimersByTimeAsync(10_000);
    expect((status.error as Error).message).toMatch(
      /still pending: Ready=Unknown \(Deploying: waiting\); .*; pod p1: Unschedulable: 0\/3 nodes are available$/,
    );
  });

  it("with the pod tracker's events: one list and one watch of the pods for both, and a stuck pod still fails the wait", async () => {
    const fake = fakeCluster({ listed: [pending], pods: [stuckPod("p1", "CrashLoopBackOff", "back-off")] });
    const pods = trackPods(fake.cluster, "ns", "test-service");
    await pods.synced;
    const status = track(waitForReady(fake.cluster, { ...options, pods: pods.events }));
    await jest.advanceTimersByTimeAsync(10_000);
    // A pod that becomes stuck after the wait subscribed reaches it through the tracker's watch.
    fake.watches.pods[0].send("ADDED", stuckPod("p2", "ErrImagePull", "pull failed"));
    await jest.advanceTimersByTimeAsync(19_999);
    expect(status.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect((status.error as ClusterError).reason).toBe("CrashLoopBackOff");
    expect(fake.lists().filter((kind) => kind === "Pod")).toHaveLength(1);
    expect(fake.watches.pods).toHaveLength(1);
    // The wait is over, the tracker watches on: it still sees the pods.
    expect(fake.watches.pods[0].aborted).toBe(false);
    expect(pods.counts().pending).toBe(2);
    pods.stop();
    expect(fake.watches.pods[0].aborted).toBe(true);
  });

  it("a wait that subscribes before the tracker's first list gets that list", async () => {
    const fake = fakeCluster({ listed: [pending], pods: [stuckPod("p1", "ImagePullBackOff")] });
    const pods = trackPods(fake.cluster, "ns", "test-service");
    const status = track(waitForReady(fake.cluster, { ...options, pods: pods.events }));
    await jest.advanceTimersByTimeAsync(30_000);
    expect((status.error as ClusterError).reason).toBe("ImagePullBackOff");
    expect(fake.watches.pods).toHaveLength(1);
    pods.stop();
  });

  it("watchPods: false watches the Service alone", async () => {
    const fake = fakeCluster({ listed: [pending], pods: [stuckPod("p1", "ErrImagePull")] });
    const status = track(waitForReady(fake.cluster, { ...options, watchPods: false, timeoutMs: 40_000 }));
    await jest.advanceTimersByTimeAsync(40_000);
    expect(fake.watches.pods).toHaveLength(0);
    expect((status.error as ClusterError).reason).toBe("Timeout");
  });
});
