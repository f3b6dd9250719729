// Start-up and ingress delays: `profile: "realistic"` (sourced values, knative/delays.ts) makes a pod wait for
// scheduling, the node's first image pull, the container start and the activator's 200 ms probe, and a new
// route wait for its load balancer (IngressReady Unknown `Uninitialized`); a cold start from zero is then at
// least the sourced lower bound. Time scale 0.1: every delay ×0.1, so bounds are compared in cluster time.
import { describe, expect, it, jest } from "@jest/globals";
import { startSimulator, type Simulator } from "./index.js";
import { COLD_START_LOWER_BOUND_MS, REALISTIC_DELAYS } from "./knative/delays.js";
import { condition, hostGet, simulatorForFile, waitFor } from "./knative/testing.js";

jest.setTimeout(60_000);
const SCALE = 0.1;
const NS = "slow";
let sim: Simulator;

simulatorForFile(NS, { timeScale: SCALE, profile: "realistic" }, (started) => (sim = started));

type Ev = { reason: string; message: string; involvedObject: { name: string } };

describe("the realistic profile", () => {
  it("waits for the load balancer before the route answers, and pulls the image once per node", async () => {
    const started = Date.now();
    sim.store.create("serving.knative.dev/services", {
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "cold", namespace: NS },
      spec: {
        template: {
          // A 6 s stable window (0.6 s here) so that the revision reaches zero within the test.
          metadata: { annotations: { "autoscaling.knative.dev/window": "6s" } },
          spec: { containers: [{ image: "example.com/sim/echo:1" }] },
        },
      },
    });
    const waiting = await waitFor("IngressReady Uninitialized", () => {
      const c = condition(sim.store.get("serving.knative.dev/routes", NS, "cold"), "IngressReady");
      return c?.reason === "Uninitialized" && c;
    });
    expect(waiting).toMatchObject({ status: "Unknown", message: "Waiting for load balancer to be ready" });
    // The gateway does not know the host yet: Envoy has no virtual host for it.
    expect((await hostGet(sim.gateway, `cold.${NS}.svc.cluster.local`)).status).toBe(404);
    const ready = await waitFor("cold Ready", () => {
      const o = sim.store.get("serving.knative.dev/services", NS, "cold");
      return condition(o, "Ready")?.status === "True" && o;
    });
    const firstReady = Date.now() - started;
    // Scheduling + first pull + container start + 2 s app start-up, rounded up to a 200 ms probe tick.
    const d = REALISTIC_DELAYS;
    expect(firstReady).toBeGreaterThanOrEqual(
      (d.schedulingMs + d.imagePullMs + d.containerStartMs + 2000) * SCALE,
    );
    const events = sim.store.list("/events", NS).items as unknown as Ev[];
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(["Scheduled", "Pulling", "Pulled"]));
    expect(events.find((e) => e.reason === "Pulled")?.message).toMatch(
      /^Successfully pulled image "example\.com\/sim\/echo:1" in \d+\.\d{3}s$/,
    );
    const host = new URL((ready.status as { url: string }).url).host;

    // Idle → zero pods (0.6 s stable window, 3 s grace at this scale).
    await waitFor(
      "scale to zero",
      () =>
        sim.store.list("/pods", NS, { labelSelector: "serving.knative.dev/revision=cold-00001" }).items
          .length === 0,
      30_000,
    );
    // Cold start: the request waits in the activator while a pod is scheduled, started (image cached now)
    // and probed.
    const res = await hostGet(sim.gateway, host);
    expect(res.status).toBe(200);
    const clusterMs = res.ms / SCALE;
    expect(clusterMs).toBeGreaterThanOrEqual(COLD_START_LOWER_BOUND_MS);
    expect(clusterMs).toBeGreaterThanOrEqual(d.schedulingMs + d.containerStartMs + 2000);
    const pod = sim.store.list("/pods", NS, { labelSelector: "serving.knative.dev/revision=cold-00001" })
      .items[0];
    const podEvents = (sim.store.list("/events", NS).items as unknown as Ev[]).filter(
      (e) => e.involvedObject.name === pod.metadata.name,
    );
    expect(podEvents).toContainEqual(
      expect.objectContaining({
        reason: "Pulled",
        message: 'Container image "example.com/sim/echo:1" already present on machine',
      }),
    );
  });
});

describe("the default profile", () => {
  it("keeps today's fast start and an ingress ready at once", async () => {
    const fast = await startSimulator({ timeScale: SCALE });
    try {
      fast.store.create("/namespaces", { metadata: { name: NS } });
      fast.store.create("serving.knative.dev/services", {
        apiVersion: "serving.knative.dev/v1",
        kind: "Service",
        metadata: { name: "quick", namespace: NS },
        spec: { template: { spec: { containers: [{ image: "example.com/sim/echo:1" }] } } },
      });
      const seen: string[] = [];
      const unsubscribe = fast.store.subscribe((e) => {
        if (e.res !== "serving.knative.dev/routes") return;
        const c = condition(e.object, "IngressReady");
        if (c?.reason) seen.push(c.reason);
      });
      await waitFor(
        "quick Ready",
        () =>
          condition(fast.store.get("serving.knative.dev/services", NS, "quick"), "Ready")?.status === "True",
      );
      unsubscribe();
      expect(seen).not.toContain("Uninitialized");
      expect(fast.knative.ctx.delays).toEqual({
        schedulingMs: 0,
        imagePullMs: 0,
        containerStartMs: 500,
        readinessProbePeriodMs: 0,
        ingressReadyMs: 0,
      });
    } finally {
      await fast.stop();
    }
  });
});
