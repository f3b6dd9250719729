// The cluster's limits on pods: a full node leaves pods Pending with PodScheduled=False `Unschedulable` (the
// scheduler's FitError wording) and the revision reports it at once when no pod is available
// (reconcile_resources.go); a ResourceQuota on `pods` makes the ReplicaSet's creates fail (FailedCreate,
// ReplicaFailure `exceeded quota: …`), which the Deployment and the revision carry.
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { startSimulator, type Simulator } from "./index.js";
import { unschedulableMessage } from "./knative/capacity.js";
import { condition, waitFor } from "./knative/testing.js";
import type { K8sObject } from "./store.js";

jest.setTimeout(60_000);
let full: Simulator;
let quota: Simulator;

beforeAll(async () => {
  [full, quota] = await Promise.all([
    startSimulator({ timeScale: 0.1, nodeCapacity: 1 }),
    startSimulator({ timeScale: 0.1 }),
  ]);
  full.store.create("/namespaces", { metadata: { name: "cap" } });
  quota.store.create("/namespaces", { metadata: { name: "quota" } });
});

afterAll(async () => {
  await Promise.all([full?.stop(), quota?.stop()]);
});

function createService(sim: Simulator, ns: string, name: string, annotations: Record<string, string> = {}) {
  sim.store.create("serving.knative.dev/services", {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: {
      template: { metadata: { annotations }, spec: { containers: [{ image: "example.com/sim/echo:1" }] } },
    },
  });
}

const scheduled = (pod: K8sObject) => condition(pod, "PodScheduled");
type Ev = { reason: string; message: string; type: string; involvedObject: { name: string } };
const events = (sim: Simulator, ns: string) => sim.store.list("/events", ns).items as unknown as Ev[];

describe("a node with room for one pod", () => {
  it("publishes its capacity on the Node object", () => {
    const node = full.store.get("/nodes", undefined, "sim-node");
    expect((node?.status as { allocatable: { pods: string } }).allocatable.pods).toBe("1");
  });

  it("leaves the second pod Pending and Unschedulable, with the scheduler's message and event", async () => {
    createService(full, "cap", "two", { "autoscaling.knative.dev/min-scale": "2" });
    const pending = await waitFor("an unschedulable pod", () =>
      full.store.list("/pods", "cap").items.find((p) => scheduled(p)?.status === "False"),
    );
    expect(scheduled(pending)).toMatchObject({
      status: "False",
      reason: "Unschedulable",
      message:
        "0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..",
    });
    expect((pending.status as { phase: string }).phase).toBe("Pending");
    expect((pending.spec as { nodeName?: string }).nodeName).toBeUndefined();
    expect(events(full, "cap")).toContainEqual(
      expect.objectContaining({
        type: "Warning",
        reason: "FailedScheduling",
        message: unschedulableMessage(1),
        involvedObject: expect.objectContaining({ name: pending.metadata.name }),
      }),
    );
    // The other pod runs and is Ready; min-scale 2 is never reached, so the revision is not Ready.
    await waitFor("one ready pod", () =>
      full.store.list("/pods", "cap").items.some((p) => condition(p, "Ready")?.status === "True"),
    );
    const rev = full.store.get("serving.knative.dev/revisions", "cap", "two-00001");
    expect(condition(rev, "Ready")?.status).not.toBe("True");
  });

  it("fails a revision with no schedulable pod at once with Unschedulable, and schedules it when room frees", async () => {
    createService(full, "cap", "third");
    const rev = await waitFor("the revision to report Unschedulable", () => {
      const o = full.store.get("serving.knative.dev/revisions", "cap", "third-00001");
      return condition(o, "ResourcesAvailable")?.reason === "Unschedulable" && o;
    });
    expect(condition(rev, "ResourcesAvailable")).toMatchObject({
      status: "False",
      message: unschedulableMessage(1),
    });
    expect(condition(rev, "Ready")).toMatchObject({ status: "False", reason: "Unschedulable" });
    // Room frees when "two" goes: the scheduler retries, oldest pod first ("two"'s pending pod is deleted with it).
    full.store.delete("serving.knative.dev/services", "cap", "two");
    const ready = await waitFor("third to become Ready", () => {
      const o = full.store.get("serving.knative.dev/services", "cap", "third");
      return condition(o, "Ready")?.status === "True" && o;
    });
    expect(ready).toBeDefined();
    const pod = full.store.list("/pods", "cap", { labelSelector: "serving.knative.dev/revision=third-00001" })
      .items[0];
    expect((pod.spec as { nodeName?: string }).nodeName).toBe("sim-node");
  });
});

describe("a ResourceQuota on pods", () => {
  it("makes the ReplicaSet's creates fail with FailedCreate exceeded quota, carried to the Deployment and revision", async () => {
    quota.store.create("/resourcequotas", {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "pod-limit", namespace: "quota" },
      spec: { hard: { pods: "1" } },
    });
    createService(quota, "quota", "capped", { "autoscaling.knative.dev/min-scale": "2" });
    const ev = await waitFor("FailedCreate", () =>
      events(quota, "quota").find((e) => e.reason === "FailedCreate"),
    );
    expect(ev.type).toBe("Warning");
    expect(ev.message).toMatch(
      /^Error creating: pods "capped-00001-deployment-[a-z0-9]{10}-[a-z0-9]{5}" is forbidden: exceeded quota: pod-limit, requested: pods=1, used: pods=1, limited: pods=1$/,
    );
    const rs = await waitFor("ReplicaFailure on the ReplicaSet", () =>
      quota.store.list("apps/replicasets", "quota").items.find((r) => condition(r, "ReplicaFailure")),
    );
    expect(condition(rs, "ReplicaFailure")).toMatchObject({ status: "True", reason: "FailedCreate" });
    const d = await waitFor("ReplicaFailure on the Deployment", () => {
      const o = quota.store.get("apps/deployments", "quota", "capped-00001-deployment");
      return condition(o, "ReplicaFailure") && o;
    });
    expect(condition(d, "ReplicaFailure")?.message).toMatch(/is forbidden: exceeded quota: pod-limit/);
    const rev = await waitFor("the revision to carry FailedCreate", () => {
      const o = quota.store.get("serving.knative.dev/revisions", "quota", "capped-00001");
      return condition(o, "ResourcesAvailable")?.reason === "FailedCreate" && o;
    });
    expect(condition(rev, "ResourcesAvailable")?.status).toBe("False");
    expect(quota.store.list("/pods", "quota").items).toHaveLength(1);
    const q = quota.store.get("/resourcequotas", "quota", "pod-limit");
    expect(q?.status).toEqual({ hard: { pods: "1" }, used: { pods: "1" } });

    // Raising the quota lets the ReplicaSet create the second pod; the failure condition goes.
    quota.store.update("/resourcequotas", { ...q!, spec: { hard: { pods: "2" } } });
    await waitFor("two pods", () => quota.store.list("/pods", "quota").items.length === 2);
    await waitFor("ReplicaFailure gone", () => {
      const r = quota.store.list("apps/replicasets", "quota").items[0];
      return !condition(r, "ReplicaFailure");
    });
  });
});

describe("kubectl's view", () => {
  it("prints the node and the quota with kubectl's columns", async () => {
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile("kubectl", ["--kubeconfig", quota.kubeconfig, ...args], (err, out) =>
          err ? reject(err) : resolve(out),
        ),
      );
    const nodes = await run(["get", "nodes"]);
    expect(nodes).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
    expect(nodes).toMatch(/sim-node\s+Ready\s+<none>\s+\S+\s+v1\.32\.0-knative-sim/);
    const quotas = await run(["get", "resourcequota", "-n", "quota"]);
    expect(quotas).toMatch(/pod-limit\s+\S+\s+pods: 2\/2/);
  });
});
