// Many runs, one cluster, faults at random moments (see chaos.ts), seeded: KPG_CHAOS_SEED=<n> replays a failure
// (the seed is printed with every violation). And the crowd: ten runs at once sharing one namespace with
// --create-namespace, five times over on the same name with random start offsets: every run passes and the
// namespace is gone at the end (each round may meet the previous round's namespace still Terminating).
import { runCli } from "../../src/cli.js";
import { runChaos } from "./chaos.js";
import { gateArgs, namespaceGone, simulatorForFile, workDir, type Sim } from "./harness.js";

const SEED = Number(process.env.KPG_CHAOS_SEED ?? 20261129);
const RUNS = 30;

let sim: Sim;
simulatorForFile({ profile: "ask" }, (started) => (sim = started));

describe(`chaos over many runs (KPG_CHAOS_SEED=${SEED})`, () => {
  it("every invariant holds after every wave and at the end", async () => {
    const lines: string[] = [];
    const report = await runChaos(sim, { seed: SEED, runs: RUNS, maxWave: 5, log: (l) => lines.push(l) });
    const summary = JSON.stringify(report, null, 2);
    // Printed on failure with the seed, so the run replays.
    expect({ seed: SEED, violations: report.violations }).toEqual({ seed: SEED, violations: [] });
    expect(report.runs).toBe(RUNS);
    expect(Object.keys(report.exitCodes).every((code) => ["0", "1", "3"].includes(code))).toBe(true);
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Memory roughly flat: the heap after a full collection grows by little over the runs (the first wave
    // includes loading client-node, so it is the baseline).
    expect(report.heapAfterLastMb).toBeLessThan(report.heapAfterFirstMb * 1.5 + 20);
    process.stdout.write(`${summary}\n`);
  });
});

describe("ten runs at once sharing one namespace with --create-namespace, five times", () => {
  it("every run exits 0 and the namespace is gone at the end", async () => {
    const namespace = `crowd-${process.pid}`;
    let rnd = SEED;
    const offset = () => {
      rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
      return rnd % 1500;
    };
    for (let round = 0; round < 5; round++) {
      const runs = Array.from({ length: 10 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, offset()));
        let out = "";
        const code = await runCli(
          gateArgs(sim, workDir(), [
            `--namespace=${namespace}`,
            `--service-name=crowd-${i}`,
            "--duration=1s",
            "--connections=2",
          ]),
          { stdout: () => {}, stderr: (t) => (out += t) },
        );
        return { code, out };
      });
      const done = await Promise.all(runs);
      for (const { code, out } of done) {
        if (code !== 0) throw new Error(`round ${round}: exit ${code}\n${out}`);
      }
      // The last one out deleted it; every other run left it to the rest (a run that started after the
      // others had all finished would create it again and delete it too).
      const deleters = done.filter((r) => /deleted namespace crowd-/.test(r.out)).length;
      const leavers = done.filter((r) => /is still used by \d+ other run/.test(r.out)).length;
      expect(deleters).toBeGreaterThanOrEqual(1);
      expect(deleters + leavers).toBe(10);
    }
    await namespaceGone(sim, namespace);
  });
});
