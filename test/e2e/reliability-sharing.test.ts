// Runs that share: a namespace this tool created (every run registers on it, the last one out deletes it, a
// namespace still Terminating from an earlier run is waited for and created again) and a Service name (a
// finished run lets go of the Service it keeps; lease-wait waits for a run still holding it).
import {
  freshNamespace,
  gateArgs,
  getJson,
  namespaceGone,
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
afterEach(() => sim.api.setRequestHook(undefined));

/** A gate run in this process with a short load; `onLog` sees the log as it grows. */
function gate(extra: string[], onLog?: (log: string) => void): Promise<CliRun> {
  // A flag in `extra` replaces these (the CLI rejects a flag given twice).
  const short = ["--duration=1s", "--connections=2"].filter(
    (f) => !extra.some((e) => e.startsWith(f.split("=")[0])),
  );
  return startRun(gateArgs(sim, workDir(), [...short, ...extra]), { onLog });
}

const nsPath = (ns: string) => `/api/v1/namespaces/${ns}`;

interface Obj {
  metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
  status?: { phase?: string };
}

describe("a namespace this tool created", () => {
  it("two runs in a row with --create-namespace: the second waits for the first's namespace to go, then creates it again", async () => {
    const namespace = freshNamespace();
    const first = await gate([`--namespace=${namespace}`, "--service-name=again"]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(new RegExp(`deleted namespace ${namespace}`));
    // Its pods still drain: the namespace is Terminating when the second run starts.
    const ns = await getJson<Obj>(sim, nsPath(namespace));
    expect(ns.status).toBe(200);
    expect(ns.body.status?.phase).toBe("Terminating");
    const second = await gate([`--namespace=${namespace}`, "--service-name=again"]);
    expect(second.stderr).toMatch(
      new RegExp(`namespace ${namespace} is still terminating .*waiting up to \\d+ s`),
    );
    expect(second.stderr).toMatch(new RegExp(`created namespace ${namespace}`));
    expect(second.stderr).not.toMatch(/^error: /m);
    expect(second.code).toBe(0);
    await namespaceGone(sim, namespace);
  });

  it("a namespace still Terminating past ready-timeout: exit 3 naming it", async () => {
    const namespace = freshNamespace();
    const first = await gate([`--namespace=${namespace}`, "--service-name=slow-ns"]);
    expect(first.code).toBe(0);
    // Keep it Terminating: a finalizer nobody removes (as a stuck controller's would).
    const res = await fetch(`${sim.apiServer}${nsPath(namespace)}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ metadata: { finalizers: ["example.com/stuck"] } }),
    });
    expect(res.status).toBe(200);
    const second = await gate([`--namespace=${namespace}`, "--service-name=slow-ns", "--ready-timeout=2s"]);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(
      new RegExp(`^error: create-namespace: namespace ${namespace} is still terminating after \\d+ s`, "m"),
    );
    await fetch(`${sim.apiServer}${nsPath(namespace)}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ metadata: { finalizers: null } }),
    });
  });

  it("a run joining while another is in it: the first out leaves it, the last out deletes it", async () => {
    const namespace = freshNamespace();
    const joined = trigger();
    let secondDone: Promise<CliRun> = new Promise(() => {});
    sim.api.setRequestHook(async (info, req) => {
      if (info.kind !== "resource" || info.namespace !== namespace || info.type.plural !== "services") return;
      // The first run's teardown waits until the second has its Service: the second is registered by then.
      if (info.verb === "delete" && req.url.includes("/join-a")) await joined.promise;
    });
    let started = false;
    const first = gate([`--namespace=${namespace}`, "--service-name=join-a"], (log) => {
      if (started || !/==> Load/.test(log)) return;
      started = true;
      secondDone = gate([`--namespace=${namespace}`, "--service-name=join-b"], (second) => {
        if (/created service/.test(second)) joined.fire();
      });
    });
    const a = await first;
    const b = await secondDone;
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/joined 1 other run\(s\) using it/);
    expect(a.stderr).toMatch(new RegExp(`namespace ${namespace} is still used by 1 other run\\(s\\)`));
    expect(b.stderr).toMatch(new RegExp(`deleted namespace ${namespace} \\(created by knative-perf-gate`));
    await namespaceGone(sim, namespace);
  });
});

describe("a Service name shared by runs one after another", () => {
  it("teardown on-success after a failed gate, then a second run on the same name: the second proceeds", async () => {
    const namespace = "default";
    const shared = [`--namespace=${namespace}`, "--create-namespace=false", "--service-name=kept-then-taken"];
    const first = await gate([...shared, "--teardown=on-success", "--thresholds=p99 < 0.001ms"]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/leaving service default\/kept-then-taken in place/);
    expect(first.stderr).toMatch(/released this run's lease on service default\/kept-then-taken/);
    const kept = await getJson<Obj>(sim, servicePath(namespace, "kept-then-taken"));
    expect(kept.status).toBe(200);
    expect(kept.body.metadata.annotations?.["knative-perf-gate.dev/run"]).toBeUndefined();
    // The next push: same name, teardown always. It re-applies, judges and deletes the Service.
    const second = await gate([...shared, "--thresholds=errors < 1%"]);
    expect(second.stderr).not.toMatch(/in use by another/);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/updated service/);
    expect(second.stderr).toMatch(/deleted service default\/kept-then-taken/);
    expect((await getJson(sim, servicePath(namespace, "kept-then-taken"))).status).toBe(404);
  });

  it("lease-wait: a run that finds the Service held waits for the holder to finish, then proceeds", async () => {
    const namespace = freshNamespace();
    const shared = [`--namespace=${namespace}`, "--service-name=waited-for"];
    const firstCreated = trigger();
    sim.api.setRequestHook((info) => {
      if (info.kind !== "resource" || info.namespace !== namespace || info.type.plural !== "services") return;
      if (info.verb === "create") firstCreated.fire();
    });
    const first = gate([...shared, "--duration=2s"]);
    await firstCreated.promise;
    const second = gate([...shared, "--lease-wait=2m"]);
    const a = await first;
    const b = await second;
    expect(a.code).toBe(0);
    expect(b.stderr).toMatch(
      /service .*\/waited-for is held by another knative-perf-gate run \(run [0-9a-f-]+, until .*\); waiting up to 120 s \(lease-wait\)/,
    );
    expect(b.stderr).not.toMatch(/^error: /m);
    expect(b.code).toBe(0);
    expect(b.doc!.load!.requests).toBeGreaterThan(0);
    expect((await getJson(sim, servicePath(namespace, "waited-for"))).status).toBe(404);
    await namespaceGone(sim, namespace);
  });

  it("lease-wait runs out while the holder still runs: exit 3 naming the holder and lease-wait", async () => {
    const namespace = freshNamespace();
    const shared = [`--namespace=${namespace}`, "--service-name=held-too-long"];
    const firstCreated = trigger();
    let secondDone: Promise<CliRun> = new Promise(() => {});
    sim.api.setRequestHook(async (info) => {
      if (info.kind !== "resource" || info.namespace !== namespace || info.type.plural !== "services") return;
      if (info.verb === "create") firstCreated.fire();
      // The holder's teardown waits for the second run to give up.
      if (info.verb === "delete") await secondDone;
    });
    const first = gate([...shared, "--duration=1s"]);
    await firstCreated.promise;
    secondDone = gate([...shared, "--lease-wait=1s"]);
    const [a, b] = await Promise.all([first, secondDone]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(
      /^error: service .*held-too-long is still in use by another knative-perf-gate run .* after waiting 1 s \(lease-wait\)/m,
    );
    expect(b.doc?.load ?? null).toBeNull();
  });
});
