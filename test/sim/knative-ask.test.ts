// The ASK profile: ConfigMap kube-system/eci-profile, and the reserve instance — an idle revision keeps one
// reserve pod instead of zero; a request lands on it while a standard pod starts; once a standard pod is ready
// the reserve pod is released (Terminating); when idle again the reserve pod comes back.
import { describe, expect, it, jest } from "@jest/globals";
import type { K8sObject } from "./store.js";
import { RESERVE_RESOURCES } from "./knative/ask.js";
import type { Simulator } from "./index.js";
import { condition, hostGet, knativeService, simulatorForFile, waitFor } from "./knative/testing.js";
import { isPodReady } from "./knative/workloads.js";

jest.setTimeout(60_000);
let sim: Simulator;
const NS = "demo";
const REV = "helloworld-go-00001";

simulatorForFile(NS, { profile: "ask", timeScale: 0.1 }, (started) => (sim = started));

function pods(): { reserve: K8sObject[]; serving: K8sObject[]; terminating: K8sObject[] } {
  const all = sim.store.list("/pods", NS, { labelSelector: `serving.knative.dev/revision=${REV}` }).items;
  const live = all.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p));
  return {
    reserve: live.filter((p) => /-deployment-reserve-/.test(p.metadata.name as string)),
    serving: live.filter((p) => !/-deployment-reserve-/.test(p.metadata.name as string)),
    terminating: all.filter((p) => p.metadata.deletionTimestamp),
  };
}

let idleReserve = "";

describe("ASK profile", () => {
  it("has ConfigMap kube-system/eci-profile with PrivateZone off", () => {
    const cm = sim.store.get("/configmaps", "kube-system", "eci-profile") as unknown as {
      data: Record<string, string>;
    };
    expect(cm.data).toMatchObject({
      enablePrivateZone: "false",
      enableClusterIp: "true",
    });
    expect(Object.keys(cm.data)).toEqual(expect.arrayContaining(["vSwitchIds", "securityGroupId"]));
  });

  it("keeps a reserve pod instead of scaling an idle revision to zero", async () => {
    sim.store.create(
      "serving.knative.dev/services",
      knativeService(
        NS,
        "helloworld-go",
        { "autoscaling.knative.dev/window": "6s", "sim.knative-perf-gate.dev/startup-time": "5s" },
        { container: { image: "registry.cn-hangzhou.aliyuncs.com/knative-sample/helloworld-go:160e4dc8" } },
      ),
    );
    await waitFor(
      "Ready",
      () =>
        condition(sim.store.get("serving.knative.dev/services", NS, "helloworld-go"), "Ready")?.status ===
        "True",
    );
    const idle = await waitFor("only the reserve pod", () => {
      const p = pods();
      return p.reserve.length === 1 && p.serving.length === 0 && p;
    });
    expect(idle.reserve[0].metadata.name).toMatch(
      /^helloworld-go-00001-deployment-reserve-[a-z0-9]{10}-[a-z0-9]{5}$/,
    );
    idleReserve = idle.reserve[0].metadata.name as string;
    // A low-spec pod (our stated assumption for ASK's "low-spec" reserve instance).
    expect(
      (idle.reserve[0].spec as { containers: { resources: unknown }[] }).containers[0].resources,
    ).toEqual(RESERVE_RESOURCES);
    expect(idle.reserve[0].metadata.labels).toMatchObject({
      "serving.knative.dev/service": "helloworld-go",
      "knative.aliyun.com/reserve-instance": "true",
    });
    expect(sim.store.get("/services", NS, "helloworld-go-00001-reserve-private")).toBeDefined();
    expect(
      (sim.store.get("apps/deployments", NS, "helloworld-go-00001-deployment")?.spec as { replicas: number })
        .replicas,
    ).toBe(0);
    // Scaled to zero standard pods, the revision stays Ready (Active is outside the Ready set).
    const rev = sim.store.get("serving.knative.dev/revisions", NS, REV);
    expect(condition(rev, "Ready")?.status).toBe("True");
    expect(condition(rev, "Active")?.status).toBe("False");
  });

  it("serves the first request from the reserve pod, then hands over to a standard pod and releases the reserve", async () => {
    const host = "helloworld-go.demo.svc.cluster.local";
    // The seed saw the reserve pod rebuilt on the first request after idle: a new reserve pod appears.
    const recreated = new Promise<string>((resolve) => {
      const off = sim.store.subscribe((e) => {
        const name = e.object.metadata.name as string;
        if (
          e.res === "/pods" &&
          e.type === "ADDED" &&
          /-deployment-reserve-/.test(name) &&
          name !== idleReserve
        ) {
          off();
          resolve(name);
        }
      });
    });
    const first = await hostGet(sim.gateway, host);
    expect(first.status).toBe(200);
    expect(first.body).toBe("Hello World!\n");
    expect(first.headers["x-sim-pod"]).toBe(idleReserve);
    expect(await recreated).toMatch(/^helloworld-go-00001-deployment-reserve-[a-z0-9]{10}-[a-z0-9]{5}$/);
    // Answered by the reserve pod: the gateway prefers ready standard pods, so none was ready — no cold start.
    await waitFor(
      "a standard pod and the reserve released",
      () => {
        const p = pods();
        return (
          p.serving.length >= 1 &&
          p.reserve.length === 0 &&
          p.terminating.some((t) => /-reserve-/.test(t.metadata.name as string))
        );
      },
      10_000,
      10,
    );
    const next = await hostGet(sim.gateway, host);
    expect(next.headers["x-sim-pod"]).not.toMatch(/-reserve-/);
    // Idle again: the reserve pod comes back and the standard pods go.
    await waitFor(
      "the reserve pod back",
      () => {
        const p = pods();
        return p.reserve.length === 1 && p.serving.length === 0;
      },
      20_000,
    );
  });

  it("serves more slowly from the reserve pod with the reserve-slowdown annotation", async () => {
    sim.store.create(
      "serving.knative.dev/services",
      knativeService(NS, "lowspec", {
        "autoscaling.knative.dev/window": "6s",
        "sim.knative-perf-gate.dev/startup-time": "5s",
        "sim.knative-perf-gate.dev/service-time": "60ms",
        "sim.knative-perf-gate.dev/reserve-slowdown": "3",
      }),
    );
    const ready = (p: K8sObject) => !p.metadata.deletionTimestamp && isPodReady(p);
    await waitFor(
      "only the reserve pod of lowspec",
      () => {
        const all = sim.store
          .list("/pods", NS, { labelSelector: "serving.knative.dev/revision=lowspec-00001" })
          .items.filter(ready);
        return all.length === 1 && /-deployment-reserve-/.test(all[0].metadata.name as string);
      },
      20_000,
    );
    const res = await hostGet(sim.gateway, "lowspec.demo.svc.cluster.local");
    expect(res.headers["x-sim-pod"]).toMatch(/^lowspec-00001-deployment-reserve-/);
    expect(res.ms).toBeGreaterThanOrEqual(3 * 60 - 5);
  });
});
