// The capacity search against a Service whose capacity is known from its settings: 2 pods (min-scale =
// max-scale = 2), each taking at most 2 requests at once (containerConcurrency: 2, the queue-proxy queues the
// rest), each request 50 ms in the pod (sim.knative-perf-gate.dev/service-time). So at most 2 × 2 / 0.05 s =
// 80 requests per second can be served; beyond that the queue, and p99, grow without bound. The search must
// report a rate within 10 % of 80/s, with the 2 pods it took, and say so in the report.
import { jest } from "@jest/globals";
import { renderReport } from "../../src/report/markdown.js";
import { cli, gateArgs, simulatorForFile, workDir, writeService, type Sim } from "./harness.js";

jest.setTimeout(180_000);
const CAPACITY = (2 * 2) / 0.05;

let sim: Sim;
simulatorForFile({}, (started) => (sim = started));

/** Two pods at most, two requests at once each, 50 ms each. */
const serviceFile = (dir: string): string =>
  writeService(
    dir,
    "capped",
    {
      "autoscaling.knative.dev/min-scale": "2",
      "autoscaling.knative.dev/max-scale": "2",
      "sim.knative-perf-gate.dev/service-time": "50ms",
    },
    { containerConcurrency: 2 },
  );

describe("capacity-search", () => {
  it("finds the rate a Service of known capacity sustains, within 10 %, with the pods it took", async () => {
    const dir = workDir();
    const run = await cli(
      sim,
      gateArgs(sim, dir, [
        `--service-file=${serviceFile(dir)}`,
        "--capacity-search=p99 < 200ms",
        "--duration=2s",
        "--connections=300",
        "--warmup=1s",
        "--thresholds=none",
      ]),
    );
    const capacity = run.doc?.load?.capacity;
    if (!capacity) throw new Error(`no capacity result: ${run.stderr}`);
    expect(run.code).toBe(0);
    expect(capacity.highestRate).not.toBeNull();
    expect(Math.abs((capacity.highestRate ?? 0) - CAPACITY) / CAPACITY).toBeLessThanOrEqual(0.1);
    expect(capacity.pods).toBe(2);
    expect(capacity.brokeAt).toBeGreaterThan(capacity.highestRate ?? Infinity);
    expect(capacity.brokeBecause).toMatch(/p99 .* \(p99 < 200ms\)|answered .* asked/);
    expect(capacity.steps).toBeLessThanOrEqual(12);
    // The steps are the load's stages, one rate each.
    expect(run.doc?.load?.stages?.map((s) => s.rate)).toContain(capacity.highestRate);
    expect(renderReport(run.doc!)).toContain(`Capacity: **${capacity.highestRate} req/s** held`);
  });
});
