// Noise knobs for A/B work: seeded node-wide slowdown episodes (noise.ts) and a time-varying service time per
// Service (`service-time-variation` / `service-time-period`, pod-server.ts variationFactor).
import { describe, expect, it, jest } from "@jest/globals";
import { startSimulator, type Simulator } from "./index.js";
import { parseTunables } from "./knative/images.js";
import { noiseSchedule, seededRandom } from "./knative/noise.js";
import { variationFactor } from "./knative/pod-server.js";
import { deployReady, hostGet, simulatorForFile } from "./knative/testing.js";

jest.setTimeout(60_000);
const NS = "noise";
let sim: Simulator;

simulatorForFile(
  NS,
  { timeScale: 0.1, noise: { slowdown: 4, everyMs: 300, forMs: 400, seed: 7 } },
  (started) => (sim = started),
);

/** The Service's cluster-local Host and its pod's address. */
async function deploy(name: string, annotations: Record<string, string>) {
  const { pod } = await deployReady(sim, NS, name, annotations);
  return { host: `${name}.${NS}.svc.cluster.local`, pod };
}

/** Resolves on the noise's next change to `active`. */
const nextChange = (active: boolean) =>
  new Promise<void>((resolve) => {
    const noise = sim.knative.noise!;
    const before = noise.onChange;
    noise.onChange = (a) => {
      before(a);
      if (a === active) {
        noise.onChange = before;
        resolve();
      }
    };
  });

describe("node noise", () => {
  it("draws a reproducible schedule from its seed", () => {
    const a = noiseSchedule({ slowdown: 2, everyMs: 1000, forMs: 200, seed: 42 }, 5);
    expect(noiseSchedule({ slowdown: 2, everyMs: 1000, forMs: 200, seed: 42 }, 5)).toEqual(a);
    expect(noiseSchedule({ slowdown: 2, everyMs: 1000, forMs: 200, seed: 43 }, 5)).not.toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i].startMs).toBeGreaterThanOrEqual(a[i - 1].endMs);
    const r = seededRandom(1);
    const xs = Array.from({ length: 1000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it("slows every pod of the node during an episode and not outside", async () => {
    const { host, pod } = await deploy("steady", { "sim.knative-perf-gate.dev/service-time": "60ms" });
    await nextChange(true);
    const slow = await hostGet(pod, host);
    await nextChange(false);
    const fast = await hostGet(pod, host);
    expect(slow.ms).toBeGreaterThanOrEqual(4 * 60 - 5);
    // Sent right after the episode ended: its service time was fixed at full speed when it started.
    expect(fast.ms).toBeLessThan(200);
    expect(sim.knative.noise!.episodes.length).toBeGreaterThanOrEqual(1);
  });

  it("rejects a slowdown that is not above 1", async () => {
    await expect(startSimulator({ noise: { slowdown: 1, everyMs: 10, forMs: 10 } })).rejects.toThrow(
      "noise slowdown must be a factor above 1, got 1",
    );
  });
});

describe("time-varying service time", () => {
  it("multiplies the service time by 1 + a·sin(2πt/T)", () => {
    expect(variationFactor(0.5, 1000, 250)).toBeCloseTo(1.5);
    expect(variationFactor(0.5, 1000, 750)).toBeCloseTo(0.5);
    expect(variationFactor(0, 1000, 250)).toBe(1);
    const t = parseTunables({
      "sim.knative-perf-gate.dev/service-time-variation": "50%",
      "sim.knative-perf-gate.dev/service-time-period": "30s",
    });
    expect(t.tunables).toMatchObject({ serviceTimeVariation: 0.5, serviceTimePeriodMs: 30_000 });
    expect(parseTunables({ "sim.knative-perf-gate.dev/service-time-variation": "150%" }).invalid).toEqual([
      'sim.knative-perf-gate.dev/service-time-variation: "150%" is not a percentage from 0% to 100%',
    ]);
  });
});
