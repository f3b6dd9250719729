// The CPU budget per pod (cpu.ts: processor sharing over the container's limit, else request) and the HPA
// class scaled on it: `cpu-time` work slows down once concurrent requests exceed the cores, so latency and
// throughput degrade with concurrency; an hpa.autoscaling.knative.dev revision is scaled by CPU utilization,
// never to zero, without the KPA or the activator.
import { describe, expect, it, jest } from "@jest/globals";
import type { Simulator } from "./index.js";
import { CpuBudget, parseCpu } from "./knative/cpu.js";
import { closedLoop, deployReady, hostGet, simulatorForFile, waitFor } from "./knative/testing.js";

jest.setTimeout(60_000);
const NS = "cpu";
let sim: Simulator;

simulatorForFile(NS, { timeScale: 0.1 }, (started) => (sim = started));

const deploy = (name: string, annotations: Record<string, string>, cpu?: string) =>
  deployReady(sim, NS, name, annotations, {
    container: cpu ? { resources: { requests: { cpu }, limits: { cpu } } } : {},
  });

describe("CPU quantities and processor sharing", () => {
  it("parses Kubernetes CPU quantities", () => {
    expect([
      parseCpu("500m"),
      parseCpu("1"),
      parseCpu("1.5"),
      parseCpu("2000m"),
      parseCpu("x"),
      parseCpu(undefined),
    ]).toEqual([0.5, 1, 1.5, 2, undefined, undefined]);
  });

  it("shares one core among concurrent jobs: four 50 ms jobs all end after about 200 ms", async () => {
    const cpu = new CpuBudget(1);
    const started = performance.now();
    const ends = await Promise.all(
      [1, 2, 3, 4].map(
        () => new Promise<number>((resolve) => cpu.run(50, () => resolve(performance.now() - started))),
      ),
    );
    for (const e of ends) {
      expect(e).toBeGreaterThanOrEqual(190);
      expect(e).toBeLessThan(400);
    }
    // One core was busy the whole time.
    expect(cpu.sampleUsage()).toBeGreaterThan(0.8);
  });
});

describe("a pod with a CPU limit", () => {
  it("keeps one request at its cpu-time but stretches concurrent ones: latency grows with concurrency", async () => {
    const { host, pod } = await deploy(
      "bound",
      { "sim.knative-perf-gate.dev/cpu-time": "40ms", "autoscaling.knative.dev/max-scale": "1" },
      "500m",
    );
    const alone = await hostGet(pod, host);
    // 40 ms of one-core work on half a core: 80 ms.
    expect(alone.ms).toBeGreaterThanOrEqual(75);
    expect(alone.ms).toBeLessThan(200);
    const eight = await Promise.all(Array.from({ length: 8 }, () => hostGet(pod, host)));
    const slowest = Math.max(...eight.map((r) => r.ms));
    // 8 × 40 ms of work on 0.5 core: the last ends after about 640 ms.
    expect(slowest).toBeGreaterThanOrEqual(600);
    expect(eight.every((r) => r.status === 200)).toBe(true);
  });

  it("leaves a pod without CPU resources unbounded (no contention)", async () => {
    const { host, pod } = await deploy("free", { "sim.knative-perf-gate.dev/cpu-time": "40ms" });
    const eight = await Promise.all(Array.from({ length: 8 }, () => hostGet(pod, host)));
    expect(Math.max(...eight.map((r) => r.ms))).toBeLessThan(300);
  });
});

describe("the HPA class", () => {
  it("scales on CPU utilization, keeps the activator out and never goes to zero", async () => {
    const { host } = await deploy(
      "hpa",
      {
        "autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev",
        "autoscaling.knative.dev/metric": "cpu",
        "autoscaling.knative.dev/target": "50",
        "autoscaling.knative.dev/max-scale": "4",
        "sim.knative-perf-gate.dev/cpu-time": "20ms",
      },
      "100m",
    );
    await waitFor("Serve mode", () => sim.knative.gateway.findRevision(NS, "hpa-00001")?.mode === "Serve");
    // Four connections keep each pod's 0.1 core busy: 100 % of the request against a 50 % target.
    const load = await closedLoop(sim.gateway, host, 4, 5_000);
    expect(load.statuses[200]).toBe(load.requests);
    const decisions = sim.knative.autoscaler.decisions(NS, "hpa-00001");
    expect(decisions.some((d) => d.desired >= 2)).toBe(true);
    expect(decisions.every((d) => !d.panicking && d.mode === "Serve")).toBe(true);
    const replicas = () =>
      (sim.store.get("apps/deployments", NS, "hpa-00001-deployment")?.spec as { replicas: number }).replicas;
    expect(replicas()).toBeGreaterThanOrEqual(2);
    // Idle past the KPA's stable window and grace period (6 s + 3 s here; 50 ticks of 0.2 s): still one pod or more.
    const first = decisions.length;
    await waitFor(
      "more idle decisions",
      () => sim.knative.autoscaler.decisions(NS, "hpa-00001").length >= first + 50,
      20_000,
    );
    expect(replicas()).toBeGreaterThanOrEqual(1);
    expect(sim.knative.autoscaler.spec(NS, "hpa-00001")?.class).toBe("hpa.autoscaling.knative.dev");
  });
});
