// ready-seconds agrees with the simulator's own record: from the apply request (audit log) to the moment the
// controller set the Service's Ready condition (its lastTransitionTime, in milliseconds).
import { auditLog, cli, gateArgs, getJson, startSim, workDir, type Sim } from "./harness.js";

let sim: Sim;
beforeAll(async () => {
  // Real time: the default 2 s container start-up makes Ready take long enough for a 10% comparison.
  sim = await startSim({ timeScale: 1 });
});
afterAll(async () => {
  await sim?.stop();
});

it("reports ready-seconds within 10% of the simulator's", async () => {
  const run = await cli(
    sim,
    gateArgs(sim, workDir(), ["--teardown=never", "--duration=1s", "--connections=2"]),
  );
  expect(run.code).toBe(0);
  const { namespace, name, readySeconds } = run.doc!.service;
  const path = `/apis/serving.knative.dev/v1/namespaces/${namespace}/services/${name}`;
  const apply = (await auditLog(sim)).find((e) => e.verb === "patch" && e.path.startsWith(path));
  expect(apply).toBeDefined();
  const svc = await getJson<{ status: { conditions: Array<{ type: string; lastTransitionTime: string }> } }>(
    sim,
    path,
  );
  const ready = svc.body.status.conditions.find((c) => c.type === "Ready")!;
  const simSeconds = (Date.parse(ready.lastTransitionTime) - Date.parse(apply!.time)) / 1000;
  expect(simSeconds).toBeGreaterThan(1);
  expect(Math.abs(readySeconds - simSeconds)).toBeLessThanOrEqual(simSeconds * 0.1);
});
