// Knative's failure conditions, reasons and messages for an image that cannot be resolved, a container that
// exits, and one that never becomes ready (pkg/apis/serving/v1/*_lifecycle.go, reconcile_resources.go).
import { describe, expect, it, jest } from "@jest/globals";
import type { K8sObject } from "./store.js";
import type { Simulator } from "./index.js";
import { condition, knativeService, simulatorForFile, waitFor } from "./knative/testing.js";

jest.setTimeout(60_000);
let sim: Simulator;
const NS = "failures";

simulatorForFile(NS, { timeScale: 0.1 }, (started) => (sim = started));

function createService(name: string, image: string, annotations: Record<string, string> = {}): void {
  sim.store.create(
    "serving.knative.dev/services",
    knativeService(NS, name, annotations, { container: { image } }),
  );
}

const get = (res: string, name: string) => sim.store.get(res, NS, name);
/** The Configuration's Ready once its controller has seen the failed revision (it reconciles after it). */
const failedConfiguration = (name: string) =>
  waitFor(`configuration ${name} to fail`, () => {
    const c = condition(get("serving.knative.dev/configurations", name), "Ready");
    return c?.status === "False" && { status: c.status, reason: c.reason, message: c.message };
  });
const summary = (o: K8sObject | undefined, type: string) => {
  const c = condition(o, type);
  return c && { status: c.status, reason: c.reason, message: c.message };
};

describe("an image whose registry cannot be resolved", () => {
  const image = "registry.invalid/nope/helloworld:1";
  const detail = `Unable to fetch image "${image}": failed to resolve image to digest: Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host`;

  it("fails the revision with ContainerMissing and propagates RevisionFailed and RevisionMissing", async () => {
    createService("pull", image);
    const ksvc = await waitFor("the Service to fail", () => {
      const o = get("serving.knative.dev/services", "pull");
      return (
        condition(o, "Ready")?.status === "False" && condition(o, "RoutesReady")?.status === "False" && o
      );
    });
    const rev = get("serving.knative.dev/revisions", "pull-00001");
    expect(summary(rev, "ContainerHealthy")).toEqual({
      status: "False",
      reason: "ContainerMissing",
      message: detail,
    });
    expect(summary(rev, "Ready")).toEqual({ status: "False", reason: "ContainerMissing", message: detail });
    expect(summary(get("serving.knative.dev/configurations", "pull"), "Ready")).toEqual({
      status: "False",
      reason: "RevisionFailed",
      message: `Revision "pull-00001" failed with message: ${detail}.`,
    });
    expect(summary(ksvc, "ConfigurationsReady")).toMatchObject({ status: "False", reason: "RevisionFailed" });
    const missing = {
      status: "False",
      reason: "RevisionMissing",
      message: 'Configuration "pull" does not have any ready Revision.',
    };
    expect(summary(ksvc, "RoutesReady")).toEqual(missing);
    // The Route is marked last, so the Service's Ready carries its reason — the real failure is one level down.
    expect(summary(ksvc, "Ready")).toEqual(missing);
    expect((ksvc.status as { latestCreatedRevisionName?: string }).latestCreatedRevisionName).toBe(
      "pull-00001",
    );
    expect(get("apps/deployments", "pull-00001-deployment")).toBeUndefined();
  });
});

describe("a container that exits", () => {
  it("reports ExitCode<N> with the termination message and a CrashLoopBackOff pod", async () => {
    createService("crashy", "example.com/sim/crash:1", {
      "sim.knative-perf-gate.dev/exit-code": "3",
      "sim.knative-perf-gate.dev/exit-message": "panic: config file missing",
    });
    const rev = await waitFor("the revision to fail", () => {
      const o = get("serving.knative.dev/revisions", "crashy-00001");
      return condition(o, "Ready")?.status === "False" && o;
    });
    const expected = {
      status: "False",
      reason: "ExitCode3",
      message: "Container failed with: panic: config file missing",
    };
    expect(summary(rev, "ContainerHealthy")).toEqual(expected);
    expect(summary(rev, "Ready")).toEqual(expected);
    expect(await failedConfiguration("crashy")).toEqual({
      status: "False",
      reason: "RevisionFailed",
      message:
        'Revision "crashy-00001" failed with message: Container failed with: panic: config file missing.',
    });
    type Status = {
      restartCount: number;
      state: { waiting?: { reason: string } };
      lastState: { terminated: Record<string, unknown> };
    };
    // The kubelet restarts it after a back-off (10 s, scaled): catch it while it waits.
    const user = await waitFor("CrashLoopBackOff", () => {
      const pod = sim.store.list("/pods", NS, { labelSelector: "serving.knative.dev/revision=crashy-00001" })
        .items[0];
      const cs = (pod?.status as { containerStatuses?: Status[] } | undefined)?.containerStatuses?.[0];
      return cs?.state.waiting?.reason === "CrashLoopBackOff" && cs;
    });
    expect(user.restartCount).toBeGreaterThanOrEqual(1);
    expect(user.lastState.terminated).toMatchObject({
      exitCode: 3,
      reason: "Error",
      message: "panic: config file missing",
    });
  });
});

describe("a container that never becomes ready", () => {
  it("fails with ProgressDeadlineExceeded at the progress deadline, then gives up the initial scale", async () => {
    const started = Date.now();
    // 20 s deadline at time scale 0.1: 2 s; the KPA gives up 30 s (3 s) later.
    createService("stuck", "example.com/sim/never-ready:1", {
      "serving.knative.dev/progress-deadline": "20s",
    });
    await waitFor(
      "the Service to report RevisionMissing",
      () => condition(get("serving.knative.dev/services", "stuck"), "Ready")?.reason === "RevisionMissing",
    );
    expect(condition(get("serving.knative.dev/revisions", "stuck-00001"), "Ready")?.status).toBe("Unknown");
    const rev = await waitFor("ProgressDeadlineExceeded", () => {
      const o = get("serving.knative.dev/revisions", "stuck-00001");
      return condition(o, "Ready")?.reason === "ProgressDeadlineExceeded" && o;
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(elapsed).toBeLessThan(8_000);
    expect(summary(rev, "ResourcesAvailable")).toEqual({
      status: "False",
      reason: "ProgressDeadlineExceeded",
      message: expect.stringMatching(
        /^ReplicaSet "stuck-00001-deployment-[a-z0-9]{10}" has timed out progressing\.$/,
      ),
    });
    expect(await failedConfiguration("stuck")).toMatchObject({
      status: "False",
      reason: "RevisionFailed",
    });
    const pods = sim.store.list("/pods", NS, {
      labelSelector: "serving.knative.dev/revision=stuck-00001",
    }).items;
    expect((pods[0].status as { phase: string }).phase).toBe("Running");
    // After deadline + 30 s the KPA scales the never-activated revision to zero (activation timeout).
    const gaveUp = await waitFor(
      "the activation timeout",
      () => {
        const o = get("serving.knative.dev/revisions", "stuck-00001");
        return condition(o, "Ready")?.message === "Initial scale was never achieved" && o;
      },
      15_000,
    );
    expect(summary(gaveUp, "Active")).toMatchObject({
      status: "False",
      reason: "TimedOut",
      message: "The target could not be activated.",
    });
    expect((get("apps/deployments", "stuck-00001-deployment")?.spec as { replicas: number }).replicas).toBe(
      0,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
  });
});
