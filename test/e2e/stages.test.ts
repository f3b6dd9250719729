// A staged load on the simulator, checked against the simulator's own records: a step from 2 to 40
// connections against a Service with a 20 ms service time and target 10. The gate's time to the autoscaler's
// new decision must agree with the KPA's decision log (sim.knative.autoscaler.decisions), and its time to Ready
// pods with the pods' own Ready transitions as the store emits them, each within one autoscaler tick (2 s × the
// time scale 0.1); the first decision is the panic-mode jump the log says it is.
import { jest } from "@jest/globals";
import { isPodReady } from "../sim/knative/workloads.js";
import { cli, gateArgs, simulatorForFile, workDir, writeService, type Sim } from "./harness.js";

jest.setTimeout(120_000);
const TICK_MS = 2000 * 0.1;

let sim: Sim;
simulatorForFile({}, (started) => (sim = started));

const serviceFile = (dir: string): string =>
  writeService(dir, "burst", {
    "autoscaling.knative.dev/target": "10",
    "sim.knative-perf-gate.dev/service-time": "20ms",
  });

describe("stages: a step from 2 to 40 connections", () => {
  it("reports the autoscaler's decision and the Ready pods when the simulator says they happened", async () => {
    const dir = workDir();
    const namespace = `stages-${process.pid}`;
    // Independent truth for the pods: every change of the revision's Ready serving pods, from the store.
    const ready = new Map<string, boolean>();
    const podHistory: Array<{ at: number; serving: number }> = [];
    const stop = sim.store.watch("/pods", namespace, undefined, (event) => {
      const name = event.object.metadata.name as string;
      const serving =
        event.type !== "DELETED" && !event.object.metadata.deletionTimestamp && isPodReady(event.object);
      if (/-reserve-/.test(name)) return;
      ready.set(name, serving);
      const count = [...ready.values()].filter(Boolean).length;
      if (podHistory[podHistory.length - 1]?.serving !== count)
        podHistory.push({ at: Date.now(), serving: count });
    });
    let run;
    try {
      run = await cli(
        sim,
        gateArgs(sim, dir, [
          `--service-file=${serviceFile(dir)}`,
          `--namespace=${namespace}`,
          "--stages=3s:2, 6s:40",
          "--warmup=1s",
          "--thresholds=errors < 1%",
          // Kept, so that the simulator's decision log of its revision survives the run.
          "--teardown=never",
          // stages replaces the harness's duration and connections.
        ]).filter((flag) => !/^--(duration|connections)=/.test(flag)),
      );
    } finally {
      stop();
    }
    expect(run.stderr).not.toMatch(/internal error/);
    const doc = run.doc;
    if (!doc?.load?.stages) throw new Error(`no staged results: ${run.stderr}`);
    expect(run.code).toBe(0);
    const [first, second] = doc.load.stages;
    expect([first.connections, second.connections]).toEqual([2, 40]);
    const change = second.change;
    if (!change) throw new Error("no change reported for stage 2");

    // The KPA's own log: the first decision after the step that differs from the one in force.
    const start = Date.parse(second.startedAt);
    const log = sim.knative.autoscaler.decisions(namespace, doc.service.revision);
    const before = [...log].reverse().find((d) => d.at <= start)?.want;
    const decision = log.find((d) => d.at > start && d.want !== before);
    if (!decision) throw new Error(`the simulator took no new decision: ${JSON.stringify(log)}`);
    expect(change.desiredBefore).toBe(before);
    expect(change.desired).toBe(decision.want);
    expect(Math.abs((change.decisionSeconds ?? NaN) * 1000 - (decision.at - start))).toBeLessThanOrEqual(
      TICK_MS,
    );
    // Panic mode: the autoscaler answers the burst from its panic window (6 s, scaled 0.6 s), and its highest
    // want in the stage is a panic decision, several pods above where it began. The gate's highest decision
    // and when it came agree with the log's.
    expect(decision.panicking).toBe(true);
    const end = start + second.durationSeconds * 1000;
    const inStage = log.filter((d) => d.at > start && d.at <= end);
    const top = Math.max(...inStage.map((d) => d.want));
    const topAt = inStage.find((d) => d.want === top)!;
    expect(topAt.panicking).toBe(true);
    expect(change.desiredMax).toBe(top);
    expect(top - (before ?? 0)).toBeGreaterThanOrEqual(3);
    expect(Math.abs((change.desiredMaxSeconds ?? NaN) * 1000 - (topAt.at - start))).toBeLessThanOrEqual(
      TICK_MS,
    );

    // The pods' own Ready transitions: when that many were Ready.
    const truthReady = podHistory.find((h) => h.at >= decision.at && h.serving >= decision.want);
    if (!truthReady) throw new Error(`never ${decision.want} Ready pods: ${JSON.stringify(podHistory)}`);
    expect(
      Math.abs((change.readySeconds ?? NaN) * 1000 - (Math.max(truthReady.at, decision.at) - start)),
    ).toBeLessThanOrEqual(TICK_MS);
    expect(change.readySeconds).toBeGreaterThanOrEqual(change.decisionSeconds ?? Infinity);

    // The decision per second beside the pods.
    const desired = (doc.pods?.timeline ?? []).map((s) => s.desired).filter((d) => d !== undefined);
    expect(Math.max(...desired)).toBe(
      Math.max(...log.filter((d) => d.at <= Date.parse(doc.finishedAt)).map((d) => d.want)),
    );
  });
});
