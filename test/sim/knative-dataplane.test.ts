// The queue-proxy's breaker and the timeouts over the whole request, as upstream answers them:
// containerConcurrency slots plus a queue of 10 × CC per pod, then 503 "pending request queue full"
// (pkg/queue/breaker.go, sharedmain/main.go buildBreaker); 504 "request timeout" from the queue-proxy and
// "activator request timeout" from the activator (pkg/http/handler/timeout.go), forwarded requests included.
import { describe, expect, it, jest } from "@jest/globals";
import type { Simulator } from "./index.js";
import { deployReady, hostGet, simulatorForFile, waitFor } from "./knative/testing.js";

jest.setTimeout(60_000);
const NS = "dp";
let sim: Simulator;

simulatorForFile(NS, { timeScale: 0.1 }, (started) => (sim = started));

const deploy = (name: string, annotations: Record<string, string>, spec: Record<string, unknown>) =>
  deployReady(sim, NS, name, annotations, { spec });

describe("the queue-proxy breaker", () => {
  it("holds containerConcurrency + 10 × CC requests per pod and answers 503 beyond", async () => {
    const { host, pod } = await deploy(
      "breaker",
      { "sim.knative-perf-gate.dev/service-time": "100ms", "autoscaling.knative.dev/max-scale": "1" },
      { containerConcurrency: 2 },
    );
    // 30 at once at one pod with CC 2: 2 served, 20 queued, 8 refused at once.
    const results = await Promise.all(Array.from({ length: 30 }, () => hostGet(pod, host)));
    const refused = results.filter((r) => r.status === 503);
    expect(results.filter((r) => r.status === 200)).toHaveLength(22);
    expect(refused).toHaveLength(8);
    for (const r of refused) {
      expect(r.body).toBe("pending request queue full\n");
      expect(r.ms).toBeLessThan(100);
    }
  });

  it("refuses a burst through the gateway when the activator is out of the path (target-burst-capacity 0)", async () => {
    const { host } = await deploy(
      "noactivator",
      {
        "sim.knative-perf-gate.dev/service-time": "200ms",
        "autoscaling.knative.dev/max-scale": "1",
        "autoscaling.knative.dev/target-burst-capacity": "0",
      },
      { containerConcurrency: 1 },
    );
    await waitFor(
      "Serve mode",
      () => sim.knative.gateway.findRevision(NS, "noactivator-00001")?.mode === "Serve",
    );
    const results = await Promise.all(Array.from({ length: 20 }, () => hostGet(sim.gateway, host)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(11);
    expect(results.filter((r) => r.status === 503 && r.body === "pending request queue full\n")).toHaveLength(
      9,
    );
  });
});

describe("timeouts over the whole request", () => {
  it("answers 504 request timeout from the queue-proxy when the app is slower than timeoutSeconds", async () => {
    const { host, pod } = await deploy(
      "slowpod",
      {
        "sim.knative-perf-gate.dev/service-time": "3s",
        "autoscaling.knative.dev/target-burst-capacity": "0",
      },
      { timeoutSeconds: 1 },
    );
    const direct = await hostGet(pod, host);
    expect(direct.status).toBe(504);
    expect(direct.body).toBe("request timeout");
    expect(direct.ms).toBeGreaterThanOrEqual(950);
    expect(direct.ms).toBeLessThan(2_000);
    await waitFor(
      "Serve mode",
      () => sim.knative.gateway.findRevision(NS, "slowpod-00001")?.mode === "Serve",
    );
    const viaGateway = await hostGet(sim.gateway, host);
    expect([viaGateway.status, viaGateway.body]).toEqual([504, "request timeout"]);
  });

  it("answers 504 activator request timeout for a forwarded request while the activator is in the path", async () => {
    const { host } = await deploy(
      "slowproxy",
      { "sim.knative-perf-gate.dev/service-time": "3s" },
      { timeoutSeconds: 1 },
    );
    expect(sim.knative.gateway.findRevision(NS, "slowproxy-00001")?.mode).toBe("Proxy");
    const res = await hostGet(sim.gateway, host);
    expect(res.status).toBe(504);
    expect(res.body).toBe("activator request timeout");
    expect(res.ms).toBeGreaterThanOrEqual(950);
    expect(res.ms).toBeLessThan(2_000);
    // The pod let go of the request: nothing stays in flight.
    await waitFor(
      "the pod to be empty",
      () => sim.knative.kubelet.endpoints(NS, "slowproxy-00001").ready[0]?.inFlight === 0,
    );
  });
});

describe("responseStartTimeoutSeconds", () => {
  it("bounds a request whose answer starts only when it ends (every answer here): 504 at that timeout", async () => {
    const { host, pod } = await deploy(
      "firstbyte",
      { "sim.knative-perf-gate.dev/service-time": "3s" },
      { timeoutSeconds: 10, responseStartTimeoutSeconds: 1 },
    );
    const res = await hostGet(pod, host);
    expect([res.status, res.body]).toEqual([504, "request timeout"]);
    expect(res.ms).toBeGreaterThanOrEqual(950);
    expect(res.ms).toBeLessThan(2_000);
  });
});
