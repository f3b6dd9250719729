// The watch-until primitive: settles once, owns the timeout, the decision's own timer, the progress callback
// and the abort, and stops its source on every way out. Driven by a source the test controls (and, for
// watchUntil, a fake Cluster whose list and watch the test answers), on jest's fake clock.
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import type { Cluster } from "../../src/kube/cluster.js";
import { CancelledError } from "../../src/kube/errors.js";
import {
  until,
  watchUntil,
  type Source,
  type Step,
  type Wake,
  type WatchEvent,
} from "../../src/kube/watch-until.js";

interface Ev {
  type: "EV";
  value: string;
}

/** A source the test drives: `emit` delivers, `stops` counts stop() calls. */
function manualSource(onSubscribe?: (deliver: (e: Ev) => void, fail: (error: Error) => void) => void) {
  const control = {
    subscribed: 0,
    stops: 0,
    emit: (_e: Ev) => {},
    fail: (_error: Error) => {},
  };
  const source: Source<Ev> = (deliver, fail) => {
    control.subscribed++;
    control.emit = deliver;
    control.fail = fail;
    onSubscribe?.(deliver, fail);
    return { stop: () => void control.stops++ };
  };
  return { source, control };
}

/** Collects the values seen; "done:x" finishes with x, "fail:x" fails with x, "wake:t" asks for a WAKE at t. */
function collect(state: string[], event: Ev | Wake): Step<string[], string, Error> {
  const seen = [...state, event.type === "WAKE" ? `WAKE@${event.now}` : event.value];
  if (event.type === "WAKE") return { state: seen };
  const [verb, arg] = event.value.split(":");
  if (verb === "done") return { state: seen, done: arg };
  if (verb === "fail") return { state: seen, fail: new Error(arg) };
  if (verb === "wake") return { state: seen, wakeAt: Number(arg) };
  if (verb === "throw") throw new Error(arg);
  return { state: seen };
}

/** Where a promise stands, without waiting for it. */
function track<T>(promise: Promise<T>) {
  const status: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(status, { settled: true, value }),
    (error: unknown) => Object.assign(status, { settled: true, error }),
  );
  return status;
}

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe("until", () => {
  it("resolves with the decision's value, stops the source once and leaves no timer", async () => {
    const { source, control } = manualSource();
    const step = jest.fn(collect);
    const result = until(source, { initial: [], step, timeoutMs: 5000, every: { ms: 100, run: () => {} } });
    control.emit({ type: "EV", value: "a" });
    control.emit({ type: "EV", value: "done:yes" });
    control.emit({ type: "EV", value: "late" });
    await expect(result).resolves.toBe("yes");
    expect(step).toHaveBeenCalledTimes(2);
    expect(control.stops).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("a decision made while the source subscribes (a synchronous first delivery) stops it once", async () => {
    const { source, control } = manualSource((deliver) => deliver({ type: "EV", value: "done:now" }));
    await expect(until(source, { initial: [], step: collect, timeoutMs: 5000 })).resolves.toBe("now");
    expect(control.subscribed).toBe(1);
    expect(control.stops).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("fails with the explained failure; events and the timeout are ignored while it is explained", async () => {
    const { source, control } = manualSource();
    let finishExplaining: (e: Error) => void = () => {};
    const explain = jest.fn((failure: Error, state: string[]) =>
      new Promise<Error>((resolve) => (finishExplaining = resolve)).then(
        (e) => new Error(`${e.message} after ${state.join(",")}: ${failure.message}`),
      ),
    );
    const step = jest.fn(collect);
    const status = track(until(source, { initial: [], step, explain, timeoutMs: 1000 }));
    control.emit({ type: "EV", value: "a" });
    control.emit({ type: "EV", value: "fail:broken" });
    expect(control.stops).toBe(1);
    control.emit({ type: "EV", value: "done:too-late" });
    await jest.advanceTimersByTimeAsync(5000);
    expect(status.settled).toBe(false);
    finishExplaining(new Error("explained"));
    await jest.advanceTimersByTimeAsync(0);
    expect((status.error as Error).message).toBe("explained after a,fail:broken: broken");
    expect(step).toHaveBeenCalledTimes(2);
    expect(explain).toHaveBeenCalledTimes(1);
    expect(control.stops).toBe(1);
  });

  it("without explain, a failure is the Error itself", async () => {
    const { source, control } = manualSource();
    const result = until(source, { initial: [], step: collect });
    control.emit({ type: "EV", value: "fail:plain" });
    await expect(result).rejects.toThrow("plain");
    expect(control.stops).toBe(1);
  });

  it("times out with onTimeout's error, given the state at that moment", async () => {
    const { source, control } = manualSource();
    const onTimeout = jest.fn((state: string[]) => ({ error: new Error(`pending: ${state.join(",")}`) }));
    const status = track(until(source, { initial: [], step: collect, timeoutMs: 3000, onTimeout }));
    control.emit({ type: "EV", value: "a" });
    await jest.advanceTimersByTimeAsync(2999);
    expect(status.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect((status.error as Error).message).toBe("pending: a");
    expect(control.stops).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("a timeout can settle with a value, and the default timeout names the time", async () => {
    const first = manualSource();
    const value = until(first.source, {
      initial: [],
      step: collect,
      timeoutMs: 10,
      onTimeout: () => ({ done: "none" }),
    });
    const second = manualSource();
    const error = track(until(second.source, { initial: [], step: collect, timeoutMs: 20 }));
    await jest.advanceTimersByTimeAsync(20);
    await expect(value).resolves.toBe("none");
    expect((error.error as Error).message).toBe("timed out after 20 ms");
    expect([first.control.stops, second.control.stops]).toEqual([1, 1]);
  });

  it("an abort rejects with a CancelledError, stops the source and forgets the signal", async () => {
    const { source, control } = manualSource();
    const abort = new AbortController();
    const remove = jest.spyOn(abort.signal, "removeEventListener");
    const result = until(source, { initial: [], step: collect, timeoutMs: 5000, signal: abort.signal });
    control.emit({ type: "EV", value: "a" });
    abort.abort();
    await expect(result).rejects.toBeInstanceOf(CancelledError);
    await expect(result).rejects.toMatchObject({ name: "CancelledError", message: "cancelled" });
    expect(control.stops).toBe(1);
    expect(remove).toHaveBeenCalledWith("abort", expect.any(Function));
    expect(jest.getTimerCount()).toBe(0);
  });

  it("onAbort decides what an abort settles with, from the state", async () => {
    const { source, control } = manualSource();
    const abort = new AbortController();
    const result = until(source, {
      initial: [],
      step: collect,
      signal: abort.signal,
      onAbort: (state) => ({ done: `aborted after ${state.length}` }),
    });
    control.emit({ type: "EV", value: "a" });
    abort.abort();
    await expect(result).resolves.toBe("aborted after 1");
  });

  it("an already aborted signal rejects without subscribing at all", async () => {
    const { source, control } = manualSource();
    const result = until(source, {
      initial: [],
      step: collect,
      timeoutMs: 5000,
      signal: AbortSignal.abort(),
    });
    await expect(result).rejects.toBeInstanceOf(CancelledError);
    expect(control.subscribed).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("an abort wins over a failure still being explained", async () => {
    const { source, control } = manualSource();
    const abort = new AbortController();
    const result = until(source, {
      initial: [],
      step: collect,
      signal: abort.signal,
      explain: () => new Promise<Error>(() => {}),
    });
    control.emit({ type: "EV", value: "fail:slow" });
    abort.abort();
    await expect(result).rejects.toBeInstanceOf(CancelledError);
    expect(control.stops).toBe(1);
  });

  it("wakes the decision at the time it asked for, with that time as now; a new wakeAt replaces the old", async () => {
    const { source, control } = manualSource();
    const step = jest.fn(collect);
    void until(source, { initial: [], step });
    control.emit({ type: "EV", value: "wake:1001000" });
    control.emit({ type: "EV", value: "wake:1002000" });
    await jest.advanceTimersByTimeAsync(1999);
    expect(step).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(step).toHaveBeenCalledTimes(3);
    expect(step.mock.calls[2][1]).toEqual({ type: "WAKE", now: 1_002_000 });
    // A step that asks for no wake clears the one armed.
    control.emit({ type: "EV", value: "wake:1003000" });
    control.emit({ type: "EV", value: "quiet" });
    await jest.advanceTimersByTimeAsync(5000);
    expect(step).toHaveBeenCalledTimes(5);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("the wakeAt option wakes the decision even if no event ever comes", async () => {
    const { source } = manualSource();
    const step = jest.fn((state: string[], event: Ev | Wake): Step<string[], string> =>
      event.type === "WAKE" ? { state, done: `woke at ${event.now}` } : { state },
    );
    const result = until(source, { initial: [], step, wakeAt: 1_000_500 });
    await jest.advanceTimersByTimeAsync(500);
    await expect(result).resolves.toBe("woke at 1000500");
  });

  it("a step that throws rejects with its error and stops the source", async () => {
    const { source, control } = manualSource();
    const result = until(source, { initial: [], step: collect, timeoutMs: 5000 });
    control.emit({ type: "EV", value: "throw:bug" });
    await expect(result).rejects.toThrow("bug");
    expect(control.stops).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("the source's own failure rejects and stops it", async () => {
    const { source, control } = manualSource();
    const result = until(source, { initial: [], step: collect });
    control.fail(new Error("refused"));
    await expect(result).rejects.toThrow("refused");
    expect(control.stops).toBe(1);
  });

  it("reports a step's lines, and runs `every` with the current state only while waiting", async () => {
    const { source, control } = manualSource();
    const report = jest.fn();
    const seen: string[][] = [];
    const result = until(source, {
      initial: [] as string[],
      step: (state, event): Step<string[], string> => {
        const next = collect(state, event);
        return { ...next, report: [`saw ${next.state.at(-1)}`] };
      },
      report,
      every: { ms: 1000, run: (state) => seen.push(state) },
    });
    control.emit({ type: "EV", value: "a" });
    await jest.advanceTimersByTimeAsync(1000);
    control.emit({ type: "EV", value: "done:x" });
    await jest.advanceTimersByTimeAsync(3000);
    await expect(result).resolves.toBe("x");
    expect(seen).toEqual([["a"]]);
    expect(report.mock.calls).toEqual([["saw a"], ["saw done:x"]]);
  });
});

/** A Cluster whose list and watch the test answers; enough of client-node's surface for resilientWatch. */
function fakeCluster() {
  type OnEvent = (type: string, object: unknown) => void;
  const lists: Array<{ resolve(v: unknown): void; reject(e: unknown): void }> = [];
  const watches: Array<{ path: string; params: Record<string, unknown>; send: OnEvent; aborted: boolean }> =
    [];
  const cluster = {
    objects: {
      list: () => new Promise((resolve, reject) => lists.push({ resolve, reject })),
    },
    watch: {
      watch: (path: string, params: Record<string, unknown>, send: OnEvent, done: (e: unknown) => void) => {
        const controller = new AbortController();
        const entry = { path, params, send, aborted: false };
        controller.signal.addEventListener("abort", () => {
          entry.aborted = true;
          done(Object.assign(new Error("aborted"), { name: "AbortError" }));
        });
        watches.push(entry);
        return Promise.resolve(controller);
      },
    },
  } as unknown as Cluster;
  return { cluster, lists, watches };
}

const kind = { apiVersion: "serving.knative.dev/v1", kind: "Service", plural: "services", namespace: "ns" };
type Obj = { metadata: { name: string; resourceVersion?: string }; n: number };

describe("watchUntil", () => {
  const step = (state: number[], event: WatchEvent<Obj> | Wake): Step<number[], string> => {
    if (event.type === "WAKE") return { state };
    const ns = event.type === "SYNC" ? event.items.map((o) => o.n) : [event.object.n];
    const next = [...state, ...ns];
    return next.includes(3) ? { state: next, done: next.join(",") } : { state: next };
  };

  it("lists first, then watches from the list's resourceVersion, and stops the watch when done", async () => {
    const { cluster, lists, watches } = fakeCluster();
    const result = watchUntil<Obj, number[], string>(
      cluster,
      kind,
      { fieldSelector: "metadata.name=a" },
      { initial: [], step },
    );
    lists[0].resolve({ items: [{ metadata: { name: "a" }, n: 1 }], metadata: { resourceVersion: "10" } });
    await jest.advanceTimersByTimeAsync(0);
    expect(watches[0].path).toBe("/apis/serving.knative.dev/v1/namespaces/ns/services");
    expect(watches[0].params).toMatchObject({ resourceVersion: "10", fieldSelector: "metadata.name=a" });
    watches[0].send("MODIFIED", { metadata: { name: "a", resourceVersion: "11" }, n: 2 });
    watches[0].send("MODIFIED", { metadata: { name: "a", resourceVersion: "12" }, n: 3 });
    await expect(result).resolves.toBe("1,2,3");
    expect(watches[0].aborted).toBe(true);
  });

  it("already decided by the list: no watch is left open", async () => {
    const { cluster, lists, watches } = fakeCluster();
    const result = watchUntil<Obj, number[], string>(cluster, kind, {}, { initial: [], step });
    lists[0].resolve({ items: [{ metadata: { name: "a" }, n: 3 }], metadata: { resourceVersion: "10" } });
    await expect(result).resolves.toBe("3");
    await jest.advanceTimersByTimeAsync(0);
    expect(watches.every((w) => w.aborted)).toBe(true);
  });

  it("re-lists after 410 Gone and the decision sees the new list", async () => {
    const { cluster, lists, watches } = fakeCluster();
    const result = watchUntil<Obj, number[], string>(cluster, kind, {}, { initial: [], step });
    lists[0].resolve({ items: [{ metadata: { name: "a" }, n: 1 }], metadata: { resourceVersion: "10" } });
    await jest.advanceTimersByTimeAsync(0);
    watches[0].send("ERROR", { code: 410 });
    // The closed connection came at once: the loop backs off before re-listing.
    await jest.advanceTimersByTimeAsync(250);
    expect(lists).toHaveLength(2);
    lists[1].resolve({ items: [{ metadata: { name: "a" }, n: 3 }], metadata: { resourceVersion: "20" } });
    await expect(result).resolves.toBe("1,3");
  });

  it("a refusal fails with onRefused's error", async () => {
    const { cluster, lists } = fakeCluster();
    const result = watchUntil<Obj, number[], string>(
      cluster,
      kind,
      {},
      {
        initial: [],
        step,
        onRefused: (message) => new Error(`refused: ${message}`),
      },
    );
    lists[0].reject(
      Object.assign(new Error("forbidden"), { code: 403, body: { message: "no list for you" } }),
    );
    await expect(result).rejects.toThrow("refused: no list for you (HTTP 403)");
  });
});
