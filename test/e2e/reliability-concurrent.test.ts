// Two runs at once against one cluster, as two pull requests' workflows do. With PR-isolated names
// (service-name: hello-pr-{pr}) each run deploys, measures and deletes only its own Service. On the same
// Service, the second run must either stop with a clear conflict error or leave the first run's figures
// alone: never a verdict computed on a Service the other run deleted halfway.
import {
  auditLog,
  clearAudit,
  freshNamespace,
  gateArgs,
  getJson,
  simulatorForFile,
  startRun,
  workDir,
  type CliRun,
  type Sim,
  trigger,
  servicePath,
} from "./harness.js";

let sim: Sim;
simulatorForFile({ profile: "ask" }, (started) => (sim = started));

/** A gate run in this process as if in the workflow of pull request `pr` (none: outside any). */
const gate = (extra: string[], pr?: number): Promise<CliRun> =>
  startRun(gateArgs(sim, workDir(), extra), { pr: pr ?? null });

describe("two runs at once in one namespace", () => {
  it("PR-isolated names ({pr}): each run measures and deletes only its own Service", async () => {
    const namespace = freshNamespace();
    await clearAudit(sim);
    const shared = [`--namespace=${namespace}`, "--service-name=hello-pr-{pr}", "--thresholds=errors < 1%"];
    // The interleaving under test, forced through the API server: the second run starts once the first
    // (the namespace's creator) has created its Service; the first run's teardown waits until the second
    // run's Service is in it (the second is registered on the namespace by then); the second run's delete
    // waits until the first run has finished.
    const firstCreated = trigger();
    const secondCreated = trigger();
    let firstDone: Promise<CliRun> = new Promise(() => {});
    let creates = 0;
    sim.api.setRequestHook(async (info, req) => {
      if (info.kind !== "resource" || info.namespace !== namespace || info.type.plural !== "services") return;
      // A create names its Service in the body: the first is the first run's, the second the second's.
      if (info.verb === "create") (++creates === 1 ? firstCreated : secondCreated).fire();
      if (info.verb === "delete" && req.url.includes("hello-pr-11")) await secondCreated.promise;
      if (info.verb === "delete" && req.url.includes("hello-pr-12")) await firstDone;
    });
    const first = (firstDone = gate([...shared, "--duration=2s"], 11));
    await firstCreated.promise;
    const second = gate([...shared, "--duration=2s"], 12);
    const [a, b] = await Promise.all([first, second]).finally(() => sim.api.setRequestHook(undefined));
    expect(a.doc!.service.name).toBe("hello-pr-11");
    expect(b.doc!.service.name).toBe("hello-pr-12");
    for (const run of [a, b]) {
      expect(run.stderr).not.toMatch(/^error: /m);
      expect(run.code).toBe(0);
      expect(run.doc!.load!.requests).toBeGreaterThan(0);
      expect(run.doc!.load!.errors.total).toBe(0);
      expect(run.doc!.load!.target.host).toBe(`${run.doc!.service.name}.${namespace}.svc.cluster.local`);
    }
    // The first run created the namespace, but the second run is using it: the first leaves it, the second
    // (the last out) deletes it.
    expect(a.stderr).toMatch(new RegExp(`namespace ${namespace} is still used by 1 other run`));
    expect(b.stderr).toMatch(new RegExp(`deleted namespace ${namespace} \\(created by knative-perf-gate`));
    // Each run deleted exactly one Service: its own.
    const deletes = (await auditLog(sim)).filter((e) => e.verb === "delete" && e.resource === "services");
    expect(deletes.map((e) => e.name).sort()).toEqual(["hello-pr-11", "hello-pr-12"]);
    for (const name of ["hello-pr-11", "hello-pr-12"]) {
      expect((await getJson(sim, servicePath(namespace, name))).status).toBe(404);
    }
  });

  it("the same Service: a second run while the first holds it stops with a conflict error, never a corrupt verdict", async () => {
    const namespace = freshNamespace();
    const shared = [`--namespace=${namespace}`, "--service-name=hello-shared", "--thresholds=errors < 1%"];
    // The second run starts once the first has created the Service, and the first run's delete waits until
    // the second has finished: the second run meets the Service while the first run holds it.
    const firstCreated = trigger();
    let secondDone: Promise<CliRun> = new Promise(() => {});
    sim.api.setRequestHook(async (info) => {
      if (info.kind !== "resource" || info.namespace !== namespace || info.type.plural !== "services") return;
      if (info.verb === "create") firstCreated.fire();
      if (info.verb === "delete") await secondDone;
    });
    const first = gate([...shared, "--duration=2s"]);
    await firstCreated.promise;
    secondDone = gate([...shared, "--duration=3s"]);
    const [a, b] = await Promise.all([first, secondDone]).finally(() => sim.api.setRequestHook(undefined));
    // The first run's figures are its own.
    expect(a.code).toBe(0);
    expect(a.doc!.load!.requests).toBeGreaterThan(0);
    expect(a.doc!.load!.errors.total).toBe(0);
    // The second refuses, naming the conflict and what to do, and measures nothing.
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/^error: .*hello-shared.* in use by another knative-perf-gate run/m);
    expect(b.doc?.load ?? null).toBeNull();
    expect((await getJson(sim, servicePath(namespace, "hello-shared"))).status).toBe(404);
  });
});
