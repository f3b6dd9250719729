// The revision's PodAutoscaler object (pa-object.ts): served by the API like any resource (list, watch, kubectl
// columns), named after the revision, owned by it, with status.desiredScale the KPA's decision and
// status.actualScale its ready pods, as kpa.go computeStatus writes them; written on change only.
import { describe, expect, it, jest } from "@jest/globals";
import type { Simulator } from "./index.js";
import { closedLoop, deployReady, simulatorForFile } from "./knative/testing.js";
import { PA_RESOURCE } from "./knative/pa-object.js";

jest.setTimeout(60_000);
const NS = "pa";
let sim: Simulator;

simulatorForFile(NS, { timeScale: 0.1 }, (started) => (sim = started));

interface PaStatus {
  desiredScale?: number;
  actualScale?: number;
}

describe("PodAutoscaler objects", () => {
  it("carry the KPA's decisions and the ready pods, and follow a scale-up under load", async () => {
    const { host } = await deployReady(sim, NS, "burst", {
      "autoscaling.knative.dev/target": "10",
      "sim.knative-perf-gate.dev/service-time": "20ms",
    });

    // Over HTTP, as a client sees it: the group's resource, named after the revision, owned by it.
    const list = (await (
      await fetch(
        `${sim.apiServer}/apis/autoscaling.internal.knative.dev/v1alpha1/namespaces/${NS}/podautoscalers`,
      )
    ).json()) as {
      items: Array<{
        metadata: { name: string; labels: Record<string, string>; ownerReferences: Array<{ kind: string }> };
        status: PaStatus;
      }>;
    };
    expect(list.items.map((i) => i.metadata.name)).toEqual(["burst-00001"]);
    expect(list.items[0].metadata.labels["serving.knative.dev/service"]).toBe("burst");
    expect(list.items[0].metadata.ownerReferences[0].kind).toBe("Revision");
    expect(list.items[0].status.actualScale).toBe(1);

    // Every status the object takes is recorded from the store's own change events.
    const seen: Array<{ at: number; desired?: number; actual?: number }> = [];
    const stop = sim.store.watch(PA_RESOURCE, NS, undefined, (event) => {
      const status = (event.object.status ?? {}) as PaStatus;
      seen.push({ at: Date.now(), desired: status.desiredScale, actual: status.actualScale });
    });
    try {
      await closedLoop(sim.gateway, host, 40, 3000);
    } finally {
      stop();
    }
    const decisions = sim.knative.autoscaler.decisions(NS, "burst-00001");
    const top = Math.max(...decisions.map((d) => d.want));
    expect(top).toBeGreaterThan(1);
    // The object said what the autoscaler decided, and as soon as it decided it.
    expect(Math.max(...seen.map((s) => s.desired ?? -1))).toBe(top);
    const firstUp = decisions.find((d) => d.want > 1);
    const seenUp = seen.find((s) => (s.desired ?? 0) > 1);
    expect(seenUp?.desired).toBe(firstUp?.want);
    expect(Math.abs((seenUp?.at ?? 0) - (firstUp?.at ?? 0))).toBeLessThan(50);
    // actualScale follows the ready pods up.
    expect(Math.max(...seen.map((s) => s.actual ?? 0))).toBeGreaterThan(1);
  });
});
