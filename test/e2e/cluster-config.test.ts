// The gate on a tuned cluster: Knative's config-autoscaler read from knative-serving and used (and named) in
// the pod explanation; an HPA-class Service explained as such; and under the simulator's realistic profile, a
// cold start at least the sourced lower bound of a real cluster's.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderReport } from "../../src/report/markdown.js";
import { renderText } from "../../src/report/text.js";
import { COLD_START_LOWER_BOUND_MS } from "../sim/knative/delays.js";
import { cli, gateArgs, startSim, workDir, type Sim } from "./harness.js";

/** Sets keys of knative-serving/config-autoscaler through the API, as an operator's kubectl edit would. */
async function tuneAutoscaler(sim: Sim, data: Record<string, string>): Promise<void> {
  const path = `${sim.apiServer}/api/v1/namespaces/knative-serving/configmaps/config-autoscaler`;
  const current = (await (await fetch(path)).json()) as { data?: Record<string, string> };
  const res = await fetch(path, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...current, data: { ...current.data, ...data } }),
  });
  expect(res.status).toBe(200);
}

/** A Service file with these revision annotations and spec fields (the seed's image, no target of its own). */
function serviceFile(
  dir: string,
  name: string,
  annotations: Record<string, string>,
  spec: Record<string, unknown> = {},
): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name },
      spec: {
        template: {
          metadata: { annotations },
          spec: {
            ...spec,
            containers: [{ image: "registry.cn-hangzhou.aliyuncs.com/knative-sample/helloworld-go:1" }],
          },
        },
      },
    }),
  );
  return file;
}

describe("config-autoscaler tuned by the cluster's operator", () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim();
    await tuneAutoscaler(sim, {
      "container-concurrency-target-default": "20",
      "enable-scale-to-zero": "false",
    });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("target 20 comes from the cluster, and the report says so", async () => {
    const dir = workDir();
    const run = await cli(sim, gateArgs(sim, dir, [`--service-file=${serviceFile(dir, "tuned", {})}`]));
    expect(run.code).toBe(0);
    const autoscaling = run.doc!.pods!.autoscaling;
    expect(autoscaling.target).toBe(20);
    expect(autoscaling.scaleToZero).toBe(false);
    expect(autoscaling.sources!.target).toEqual({
      from: "cluster",
      key: "config-autoscaler/container-concurrency-target-default",
    });
    expect(autoscaling.clusterConfig).toEqual({ "config-autoscaler": "read", "config-defaults": "read" });
    const flat = (text: string) => text.replace(/\s+/g, " ");
    // The Markdown report (summary, comment) and the terminal summary.
    const markdown = flat(renderReport(run.doc!));
    expect(markdown).toContain(
      "target 20 (cluster default, config-autoscaler) × 70 % utilization (upstream default)",
    );
    expect(markdown).toContain("Scale to zero is off (cluster default, config-autoscaler)");
    expect(flat(renderText(run.doc!))).toContain("target 20 (cluster default, config-autoscaler)");
  });

  it("an annotation still beats the cluster's default", async () => {
    const dir = workDir();
    const file = serviceFile(dir, "annotated", { "autoscaling.knative.dev/target": "5" });
    const run = await cli(sim, gateArgs(sim, dir, [`--service-file=${file}`]));
    expect(run.code).toBe(0);
    expect(run.doc!.pods!.autoscaling.target).toBe(5);
    expect(renderReport(run.doc!)).toContain("target 5 (annotation autoscaling.knative.dev/target)");
  });

  it("an HPA-class Service gets a note on the HPA instead of the KPA's explanation", async () => {
    const dir = workDir();
    const file = serviceFile(dir, "hpa", {
      "autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev",
      "autoscaling.knative.dev/target": "60",
    });
    const run = await cli(sim, gateArgs(sim, dir, [`--service-file=${file}`]));
    expect(run.code).toBe(0);
    expect(run.doc!.pods!.autoscaling).toMatchObject({
      class: "hpa.autoscaling.knative.dev",
      metric: "cpu",
      target: 60,
    });
    const markdown = renderReport(run.doc!).replace(/\s+/g, " ");
    expect(markdown).toContain(
      "**HPA class:** this revision is scaled by a Kubernetes HorizontalPodAutoscaler",
    );
    expect(markdown).toContain("aiming at 60 % average CPU utilization");
    expect(markdown).not.toContain("Little's law");
  });
});

describe("the realistic profile", () => {
  let sim: Sim;
  beforeAll(async () => {
    // Real time (time scale 1): the cold start the gate reports is then a duration a cluster would show. The
    // shortest windows upstream allows (stable-window 6 s, grace 6 s) keep the wait for zero pods short.
    sim = await startSim({ profile: "realistic", timeScale: 1 });
    await tuneAutoscaler(sim, { "stable-window": "6s", "scale-to-zero-grace-period": "6s" });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("reports a cold start of at least the sourced lower bound", async () => {
    const dir = workDir();
    // timeoutSeconds 5 is the pods' termination grace period: the kubelet ends the queue-proxy's 30 s drain
    // after 5 s, so the wait for zero pods is not 30 s of Terminating pods.
    const file = serviceFile(dir, "cold", { "autoscaling.knative.dev/target": "10" }, { timeoutSeconds: 5 });
    const run = await cli(
      sim,
      gateArgs(sim, dir, [`--service-file=${file}`, "--cold-start", "--cold-start-timeout=60s"]),
    );
    expect(run.code).toBe(0);
    const cold = run.doc!.coldStart!;
    expect(cold.status).toBe(200);
    expect(cold.firstResponseMs).toBeGreaterThanOrEqual(COLD_START_LOWER_BOUND_MS);
    expect(cold.podReadyMs).toBeDefined();
    expect(cold.podReadyMs!).toBeLessThanOrEqual(cold.firstResponseMs);
  });
});
