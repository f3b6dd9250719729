// ready-seconds agrees with the simulator's own record: from the create request (its audit log) to the moment
// the simulator's store took the Service's Ready=True status (its change feed), which is when any client could
// first see it. (The condition's lastTransitionTime is stamped when the controller computes the status, a
// little before the write lands.)
import { auditLog, cli, gateArgs, startSim, workDir, type Sim } from "./harness.js";

let sim: Sim;
beforeAll(async () => {
  // Real time: the default 2 s container start-up makes Ready take long enough for a 10% comparison.
  sim = await startSim({ timeScale: 1 });
});
afterAll(async () => {
  await sim?.stop();
});

it("reports ready-seconds within 10% of the simulator's", async () => {
  const readyWrites = new Map<string, number>();
  const unsubscribe = sim.store.subscribe((change) => {
    const object = change.object as {
      metadata: { name?: string; namespace?: string };
      status?: { conditions?: Array<{ type: string; status: string }> };
    };
    const ready = object.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    if (change.res === "serving.knative.dev/services" && ready && !readyWrites.has(key))
      readyWrites.set(key, Date.now());
  });
  const run = await cli(
    sim,
    gateArgs(sim, workDir(), ["--teardown=never", "--duration=1s", "--connections=2"]),
  );
  unsubscribe();
  expect(run.code).toBe(0);
  const { namespace, name, readySeconds } = run.doc!.service;
  const collection = `/apis/serving.knative.dev/v1/namespaces/${namespace}/services`;
  const create = (await auditLog(sim)).find((e) => e.verb === "create" && e.path.startsWith(collection));
  expect(create).toBeDefined();
  const simSeconds = (readyWrites.get(`${namespace}/${name}`)! - Date.parse(create!.time)) / 1000;
  expect(simSeconds).toBeGreaterThan(1);
  expect(Math.abs(readySeconds - simSeconds)).toBeLessThanOrEqual(simSeconds * 0.1);
});
