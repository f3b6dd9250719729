// The KPA driving real pods at time scale 0.1 (every window, grace period and startup ×0.1; request service
// times stay real): scale up under load to ceil(pod concurrency / (target × 70%)), panic, scale down and to
// zero on upstream's schedule, the activator buffering a request through scale-from-zero and timing out a
// bounded buffer, the activator in or out of the path, queue-proxy queueing, and a killed pod.
import { describe, expect, it, jest } from "@jest/globals";
import type { Simulator } from "./index.js";
import {
  closedLoop,
  condition,
  hostGet,
  knativeService,
  simulatorForFile,
  sleep,
  waitFor,
} from "./knative/testing.js";
import { isPodReady } from "./knative/workloads.js";

jest.setTimeout(90_000);
const SCALE = 0.1;
const NS = "scale";
let sim: Simulator;

simulatorForFile(NS, { timeScale: SCALE }, (started) => (sim = started));

function createService(
  name: string,
  annotations: Record<string, string>,
  spec: Record<string, unknown> = {},
) {
  sim.store.create("serving.knative.dev/services", knativeService(NS, name, annotations, { spec }));
}

async function ready(name: string): Promise<string> {
  const ksvc = await waitFor(`${name} Ready`, () => {
    const o = sim.store.get("serving.knative.dev/services", NS, name);
    return condition(o, "Ready")?.status === "True" && o;
  });
  return new URL((ksvc.status as { url: string }).url).host;
}

function servingPods(revision: string): number {
  return sim.store
    .list("/pods", NS, { labelSelector: `serving.knative.dev/revision=${revision}` })
    .items.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p)).length;
}

describe("KPA scaling with real pods", () => {
  it("scales up under load to ceil(concurrency at the pods / 7), then down and to zero after the stable window", async () => {
    createService("load", {
      "autoscaling.knative.dev/target": "10",
      "sim.knative-perf-gate.dev/service-time": "50ms",
      "sim.knative-perf-gate.dev/startup-time": "1s",
    });
    const host = await ready("load");
    const counts: number[] = [];
    const sampler = setInterval(() => counts.push(servingPods("load-00001")), 50);
    let load;
    try {
      load = await closedLoop(sim.gateway, host, 28, 5_000);
    } finally {
      clearInterval(sampler);
    }
    const loadEnded = Date.now();
    expect(load.statuses[200]).toBe(load.requests);
    expect(load.errors).toBe(0);

    const decisions = sim.knative.autoscaler.decisions(NS, "load-00001").filter((d) => d.at <= loadEnded);
    // Panic: the 0.6 s panic window wanted at least twice the single ready pod.
    expect(decisions.some((d) => d.panicking)).toBe(true);
    // The pod count is set by the concurrency measured in the pods against target 10 × 70% = 7 ...
    const wanted = Math.max(
      ...decisions.map((d) => Math.max(Math.ceil(d.observedStable / 7), Math.ceil(d.observedPanic / 7))),
    );
    // In panic mode the KPA never scales down, so where it settles is the largest count it wanted.
    const settled = decisions[decisions.length - 1].replicas;
    expect(settled).toBe(wanted);
    expect(
      (sim.store.get("apps/deployments", NS, "load-00001-deployment")?.spec as { replicas: number }).replicas,
    ).toBe(settled);
    // Pods follow after their startup time.
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(settled - 1);
    expect(load.pods.size).toBeGreaterThanOrEqual(Math.max(...counts));
    // ... never more than the client's 28 connections: time spent outside the pods is not counted.
    expect(Math.max(...decisions.map((d) => d.observedPanic))).toBeLessThanOrEqual(28.5);

    // Down: never by more than half per decision, and zero only once the 6 s (scaled) stable window is empty.
    await waitFor("zero pods", () => servingPods("load-00001") === 0, 20_000, 20);
    const toZero = Date.now() - loadEnded;
    expect(toZero).toBeGreaterThanOrEqual(60_000 * SCALE - 1_000);
    expect(toZero).toBeLessThan(60_000 * SCALE + 4_000);
    const after = sim.knative.autoscaler.decisions(NS, "load-00001").filter((d) => d.at > loadEnded);
    for (let i = 1; i < after.length; i++) {
      if (after[i].desired < after[i - 1].desired && after[i].desired > 0) {
        expect(after[i].desired).toBeGreaterThanOrEqual(Math.floor(after[i].readyPods / 2));
      }
    }
    const rev = sim.store.get("serving.knative.dev/revisions", NS, "load-00001");
    expect(condition(rev, "Ready")?.status).toBe("True");
    expect(condition(rev, "Active")).toMatchObject({ status: "False", reason: "NoTraffic" });
  });

  it("buffers a request in the activator while scaling from zero, then answers it", async () => {
    const host = "load.scale.svc.cluster.local";
    await waitFor("zero pods", () => servingPods("load-00001") === 0, 20_000);
    const dp = sim.knative.gateway.findRevision(NS, "load-00001")!;
    const pending = hostGet(sim.gateway, host);
    await waitFor("the request in the activator", () => dp.bufferedCount === 1, 2_000, 2);
    const res = await pending;
    expect(res.status).toBe(200);
    // Startup 1 s scaled is 100 ms; the container start another 50 ms.
    expect(res.ms).toBeGreaterThanOrEqual(140);
    expect(dp.bufferedCount).toBe(0);
    expect(servingPods("load-00001")).toBe(1);
  });

  it("keeps the activator in the path while excess burst capacity is negative", async () => {
    createService("burst-default", {});
    createService("burst-zero", { "autoscaling.knative.dev/target-burst-capacity": "0" });
    await ready("burst-default");
    await ready("burst-zero");
    // One idle pod: 1 × 100 − 211 < 0 → proxy; TBC 0 → the activator leaves the path.
    await waitFor(
      "modes",
      () => sim.knative.gateway.findRevision(NS, "burst-zero-00001")?.mode === "Serve",
      5_000,
    );
    expect(sim.knative.gateway.findRevision(NS, "burst-default-00001")?.mode).toBe("Proxy");
  });

  it("queues above containerConcurrency in the pod and times out the queued request, in the pod and in the activator", async () => {
    createService(
      "cc",
      { "sim.knative-perf-gate.dev/service-time": "1500ms", "autoscaling.knative.dev/max-scale": "1" },
      { containerConcurrency: 1, timeoutSeconds: 2 },
    );
    const host = await ready("cc");
    const pod = sim.store.list("/pods", NS, { labelSelector: "serving.knative.dev/revision=cc-00001" })
      .items[0];
    const port = Number(pod.metadata.annotations?.["sim.knative-perf-gate.dev/port"]);
    // Straight at the pod: the queue-proxy lets one request at a time reach the container; the second waits
    // 1.5 s for the slot and would end at 3 s, past timeoutSeconds (2 s) over the whole request: 504.
    const direct = await Promise.all([1, 2].map(() => hostGet(`http://127.0.0.1:${port}`, host)));
    expect(direct.map((r) => r.status)).toEqual([200, 504]);
    expect(direct[0].ms).toBeGreaterThanOrEqual(1_450);
    expect(direct[1].body).toBe("request timeout");
    expect(direct[1].ms).toBeGreaterThanOrEqual(1_950);
    expect(direct[1].ms).toBeLessThan(2_900);
    // Through the activator: one request takes the only slot, the second waits in the activator and gets the
    // activator's 504 after timeoutSeconds.
    const [first, second] = await Promise.all([
      hostGet(sim.gateway, host),
      sleep(100).then(() => hostGet(sim.gateway, host)),
    ]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(504);
    expect(second.body).toBe("activator request timeout");
    expect(second.ms).toBeGreaterThanOrEqual(1_950);
    expect(second.ms).toBeLessThan(2_900);
  });

  it("adds the network-latency annotation in the gateway, outside the pods", async () => {
    createService("far", {
      "sim.knative-perf-gate.dev/network-latency": "300ms",
      "sim.knative-perf-gate.dev/startup-time": "1s",
    });
    const host = await ready("far");
    const res = await hostGet(sim.gateway, host);
    expect(res.status).toBe(200);
    expect(res.ms).toBeGreaterThanOrEqual(295);
    // The pod never saw the request before the delay: its queue-proxy reports almost no concurrency.
    const pod = sim.knative.kubelet.endpoints(NS, "far-00001").ready[0];
    expect(pod.sample().concurrency).toBeLessThan(0.2);
  });

  it("replaces a killed pod; the revision stays Ready", async () => {
    createService("victim", { "sim.knative-perf-gate.dev/startup-time": "1s" });
    const host = await ready("victim");
    const pods = sim.store.list("/pods", NS, {
      labelSelector: "serving.knative.dev/revision=victim-00001",
    }).items;
    const name = pods[0].metadata.name as string;
    expect(sim.killPod(NS, name)).toBe(true);
    expect(sim.store.get("/pods", NS, name)).toBeUndefined();
    await waitFor("a replacement", () => servingPods("victim-00001") === 1, 5_000);
    const replacement = sim.store.list("/pods", NS, {
      labelSelector: "serving.knative.dev/revision=victim-00001",
    }).items[0];
    expect(replacement.metadata.name).not.toBe(name);
    expect(replacement.metadata.name).toMatch(/^victim-00001-deployment-[a-z0-9]{10}-[a-z0-9]{5}$/);
    expect((await hostGet(sim.gateway, host)).status).toBe(200);
    expect(condition(sim.store.get("serving.knative.dev/services", NS, "victim"), "Ready")?.status).toBe(
      "True",
    );
  });

  it("keeps a scaled-down pod Terminating (deletionTimestamp) while it drains", async () => {
    createService("drain", {
      "autoscaling.knative.dev/window": "6s",
      "sim.knative-perf-gate.dev/startup-time": "1s",
    });
    await ready("drain");
    const terminating = await waitFor(
      "a Terminating pod",
      () =>
        sim.store
          .list("/pods", NS, { labelSelector: "serving.knative.dev/revision=drain-00001" })
          .items.find((p) => p.metadata.deletionTimestamp),
      15_000,
      10,
    );
    const since = Date.now();
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(300);
    expect(isPodReady(terminating)).toBe(false);
    await waitFor(
      "the pod to go",
      () => !sim.store.get("/pods", NS, terminating.metadata.name as string),
      10_000,
      10,
    );
    // The queue-proxy's 30 s drain sleep, scaled.
    expect(Date.now() - since).toBeGreaterThanOrEqual(30_000 * SCALE - 500);
  });
});
