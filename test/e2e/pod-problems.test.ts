// A Service whose pods cannot start fails the run early, naming the pod's reason and message, instead of
// waiting for ready-timeout (Knative itself reports a waiting container only at its 600 s progress deadline):
// an image the kubelet cannot pull (ErrImagePull → ImagePullBackOff) and a pod no node can take (Unschedulable).
// The early failure waits out the pods' problem window (pod-problem-window, 30 s by default) in real time: that
// window is about the kubelet's real back-off, so it is not scaled with the simulator. The pull case keeps the
// default, so its 60 s bound is the one a real cluster would meet; the Unschedulable case sets the input.
import { renderReport } from "../../src/report/markdown.js";
import { cli, gateArgs, getJson, startSim, workDir, writeService, type Sim } from "./harness.js";

const serviceStatus = async (sim: Sim, ns: string, name: string) =>
  (await getJson(sim, `/apis/serving.knative.dev/v1/namespaces/${ns}/services/${name}`)).status;

describe("an image the kubelet cannot pull", () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("fails in under 60 s with ready-timeout 5m, naming ImagePullBackOff and the image", async () => {
    const started = Date.now();
    const run = await cli(
      sim,
      gateArgs(sim, workDir(), [
        "--service-name=pull-backoff",
        "--image=example.com/sim/pull-backoff:1",
        "--ready-timeout=5m",
      ]),
    );
    const elapsed = Date.now() - started;
    expect(run.code).toBe(3);
    expect(elapsed).toBeLessThan(60_000);
    // The kubelet alternates ErrImagePull and ImagePullBackOff; either names the image in its message.
    expect(run.stderr).toMatch(
      /^error: .*cannot become Ready: pod pull-backoff-00001-deployment-\S+ \(container user-container\): (ImagePullBackOff: Back-off pulling image "example\.com\/sim\/pull-backoff:1"|ErrImagePull: .*example\.com\/sim\/pull-backoff:1)/m,
    );
    expect(run.doc!.error).toMatch(/ImagePullBackOff|ErrImagePull/);
    expect(run.doc!.error).toContain("example.com/sim/pull-backoff:1");
    // The deploy was the run's own: it is removed.
    expect(await serviceStatus(sim, run.doc!.service.namespace, "pull-backoff")).toBe(404);
  });
});

describe("a pod no node can take", () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ nodeCapacity: 1 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("node capacity 1, min-scale 2, pod-problem-window 3s: the run fails after the window naming Unschedulable", async () => {
    const dir = workDir();
    const file = writeService(
      dir,
      "two-pods",
      { "autoscaling.knative.dev/min-scale": "2" },
      { image: "example.com/sim/echo:1" },
    );
    const started = Date.now();
    const run = await cli(
      sim,
      gateArgs(sim, dir, [`--service-file=${file}`, "--ready-timeout=5m", "--pod-problem-window=3s"]),
    );
    const elapsed = Date.now() - started;
    expect(run.code).toBe(3);
    // The window (3 s, set by the input) passed, and far less than the default 30 s.
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(elapsed).toBeLessThan(25_000);
    expect(run.stderr).toMatch(/^error: .*Unschedulable/m);
    const lasted = Number(/\(for (\d+) s\)/.exec(run.stderr)?.[1]);
    expect(lasted).toBeGreaterThanOrEqual(3);
    expect(run.stderr).toContain("0/1 nodes are available");
    // The report of the failed run carries the same reason.
    expect(renderReport(run.doc!)).toContain("Unschedulable");
    expect(await serviceStatus(sim, run.doc!.service.namespace, "two-pods")).toBe(404);
  });
});
