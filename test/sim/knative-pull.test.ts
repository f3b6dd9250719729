// An image whose digest resolves but which the kubelet cannot pull (image `…/pull-backoff:…`): the pod waits
// ErrImagePull then ImagePullBackOff with the kubelet's messages and its 10 s → 300 s back-off
// (pkg/kubelet/images/image_manager.go EnsureImageExists), the Service stays Unknown until the Deployment's
// progress deadline (600 s from config-deployment), then the revision reports the waiting reason
// (pkg/reconciler/revision/reconcile_resources.go reconcileDeployment, hasDeploymentTimedOut).
// Time scale 0.01: the 600 s deadline is 6 s, the 10 s back-off 100 ms.
import { describe, expect, it, jest } from "@jest/globals";
import type { Simulator } from "./index.js";
import { pullError } from "./knative/kubelet.js";
import { condition, simulatorForFile, waitFor } from "./knative/testing.js";
import type { K8sObject } from "./store.js";

jest.setTimeout(60_000);
const SCALE = 0.01;
const NS = "pull";
const IMAGE = "example.com/sim/pull-backoff:1";
let sim: Simulator;

simulatorForFile(NS, { timeScale: SCALE }, (started) => (sim = started));

interface Waiting {
  reason: string;
  message: string;
}

function userWaiting(pod: K8sObject | undefined): Waiting | undefined {
  const cs = (
    pod?.status as { containerStatuses?: { name: string; state?: { waiting?: Waiting } }[] } | undefined
  )?.containerStatuses;
  return cs?.find((c) => c.name === "user-container")?.state?.waiting;
}

describe("an image the kubelet cannot pull", () => {
  it("waits ErrImagePull → ImagePullBackOff with back-off 10 s doubling, then fails at the progress deadline", async () => {
    // Every transition of the pod's user container into ErrImagePull, timed from the store's change feed.
    const pulls: number[] = [];
    const seen: string[] = [];
    const unsubscribe = sim.store.subscribe((e) => {
      if (e.res !== "/pods" || e.object.metadata.namespace !== NS) return;
      const w = userWaiting(e.object);
      if (w && seen[seen.length - 1] !== w.reason) {
        seen.push(w.reason);
        if (w.reason === "ErrImagePull") pulls.push(performance.now());
      }
    });
    const started = Date.now();
    sim.store.create("serving.knative.dev/services", {
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "nopull", namespace: NS },
      spec: { template: { spec: { containers: [{ image: IMAGE }] } } },
    });
    try {
      // The digest resolves: the revision and its Deployment exist, no ContainerMissing.
      const pod = await waitFor("the pod in ImagePullBackOff", () => {
        const p = sim.store.list("/pods", NS).items[0];
        return userWaiting(p)?.reason === "ImagePullBackOff" && p;
      });
      expect((pod.status as { phase: string }).phase).toBe("Pending");
      expect(userWaiting(pod)).toEqual({
        reason: "ImagePullBackOff",
        message: `Back-off pulling image "${IMAGE}"`,
      });
      const rev = sim.store.get("serving.knative.dev/revisions", NS, "nopull-00001");
      expect(condition(rev, "ContainerHealthy")?.reason).not.toBe("ContainerMissing");
      expect(
        (rev?.status as { containerStatuses?: { imageDigest: string }[] }).containerStatuses?.[0].imageDigest,
      ).toMatch(/^example\.com\/sim\/pull-backoff@sha256:[0-9a-f]{64}$/);
      // Before the deadline the Service is Unknown, not failed.
      expect(condition(sim.store.get("serving.knative.dev/services", NS, "nopull"), "Ready")?.status).toBe(
        "Unknown",
      );

      const events = sim.store.list("/events", NS).items as unknown as {
        reason: string;
        message: string;
        type: string;
      }[];
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: "Normal", reason: "Pulling", message: `Pulling image "${IMAGE}"` }),
          expect.objectContaining({
            type: "Warning",
            reason: "Failed",
            message: `Failed to pull image "${IMAGE}": ${pullError(IMAGE)}`,
          }),
          expect.objectContaining({ type: "Warning", reason: "Failed", message: "Error: ErrImagePull" }),
          expect.objectContaining({
            type: "Normal",
            reason: "BackOff",
            message: `Back-off pulling image "${IMAGE}"`,
          }),
        ]),
      );

      const revFailed = await waitFor(
        "the revision to fail at the progress deadline",
        () => {
          const o = sim.store.get("serving.knative.dev/revisions", NS, "nopull-00001");
          return condition(o, "Ready")?.status === "False" && o;
        },
        20_000,
      );
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(600_000 * SCALE);
      // ResourcesAvailable carries the pod's waiting reason and message once the Deployment timed out.
      const ra = condition(revFailed, "ResourcesAvailable");
      expect(["ErrImagePull", "ImagePullBackOff"]).toContain(ra?.reason);
      expect(ra?.message).toBe(
        ra?.reason === "ImagePullBackOff" ? `Back-off pulling image "${IMAGE}"` : pullError(IMAGE),
      );
      const deployment = sim.store.get("apps/deployments", NS, "nopull-00001-deployment");
      expect(condition(deployment, "Progressing")).toMatchObject({
        status: "False",
        reason: "ProgressDeadlineExceeded",
      });
      const cfg = await waitFor("the configuration to fail", () => {
        const c = condition(sim.store.get("serving.knative.dev/configurations", NS, "nopull"), "Ready");
        return c?.status === "False" && c;
      });
      expect(cfg.message).toMatch(/^Revision "nopull-00001" failed with message: /);
    } finally {
      unsubscribe();
    }
    // Attempts at 0, 10, 30, 70, 150, 310 s … (scaled): each gap about twice the previous one.
    expect(seen.filter((r) => r !== "ContainerCreating").slice(0, 4)).toEqual([
      "ErrImagePull",
      "ImagePullBackOff",
      "ErrImagePull",
      "ImagePullBackOff",
    ]);
    const gaps = pulls.slice(1).map((t, i) => t - pulls[i]);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(gaps[0]).toBeGreaterThanOrEqual(10_000 * SCALE - 5);
    for (let i = 1; i < Math.min(gaps.length, 5); i++) {
      expect(gaps[i] / gaps[i - 1]).toBeGreaterThan(1.6);
      expect(gaps[i] / gaps[i - 1]).toBeLessThan(2.4);
    }
  });
});
