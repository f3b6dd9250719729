// The seed's question, reproduced end to end: `hey -c 50` against helloworld-go (target 10) from ~45 ms away gave
// 2 pods, where its author expected 50 / 10 = 5. With the simulator's gateway adding that latency and ~12 ms of
// work per request in the pod (test/sim/README.md's figures), the gate sees 2 pods and its report says why not 5.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import type { ResultsDocument } from "../../src/results.js";
import { cli, gateArgs, readJson, startSim, workDir, type Sim } from "./harness.js";

let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ networkLatencyMs: 45 });
});
afterAll(async () => {
  await sim.stop();
});

function seedWithWork(dir: string): string {
  const manifest = yaml.load(readFileSync("examples/helloworld-service.yaml", "utf8")) as {
    spec: { template: { metadata: { annotations: Record<string, string> } } };
  };
  manifest.spec.template.metadata.annotations["sim.knative-perf-gate.dev/service-time"] = "12ms";
  const file = join(dir, "service.yaml");
  writeFileSync(file, yaml.dump(manifest));
  return file;
}

describe("the seed's question: 50 connections, target 10, ~45 ms away", () => {
  it("runs 2 pods, not 5, and the terminal report explains it by the requests on the wire", async () => {
    const dir = workDir();
    const extra = [`--service-file=${seedWithWork(dir)}`, "--connections=50", "--duration=6s", "--warmup=1s"];
    const run = await cli(sim, [
      ...gateArgs(sim, dir, extra).filter((arg) => arg !== "--json"),
      "--output=text",
    ]);
    expect(run.code).toBe(0);
    const doc = readJson<ResultsDocument>(join(dir, "results.json"));
    expect(doc.pods?.final.serving).toBe(2);
    // Little's law on the client: rps × mean latency ≈ the 50 connections' requests in flight.
    expect((doc.load!.rps * doc.load!.latency.mean) / 1000).toBeGreaterThan(40);

    // eslint-disable-next-line no-control-regex
    const text = run.stdout.replace(/\x1b\[[0-9;]*m/g, "").replace(/\s+/g, " ");
    expect(text).toContain("Why 2 pods?");
    expect(text).toContain(
      "Reading connections as pod concurrency, 50 ÷ 10 = 5, also forgets the 70 % utilization",
    );
    expect(text).toMatch(
      /Observed: 2 serving pods when the load ended, so the autoscaler saw about 7–14 concurrent/,
    );
    expect(text).toMatch(/at least \d+ % of the in-flight requests were on the wire/);
  });
});
