// Faults during a run, injected with the simulator's knobs while the real CLI runs in this process: the API
// server restarting or expiring watch history (410 Gone) during the Ready wait and during the load, 5xx bursts
// on watches and on single reads and writes, a pod dying under load, and a gateway that resets connections or
// never answers. The run must finish with the right verdict, count what went wrong by kind, and report pod
// counts that never exceed what the simulator itself had (a re-list must not count a pod twice).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { DEFAULT_RETRY } from "../../src/kube/retry.js";
import { StatusError } from "../sim/api/errors.js";
import { faultyGateway } from "./faulty-gateway.js";
import {
  auditLog,
  clearAudit,
  gateArgs,
  getJson,
  simulatorForFile,
  startRun,
  workDir,
  type CliRun,
  type Sim,
} from "./harness.js";

let sim: Sim;
simulatorForFile({ profile: "ask" }, (started) => (sim = started));
afterEach(() => {
  sim.api.setRequestHook(undefined);
  sim.api.clearFaults();
});

/** The CLI in this process, with how long it took; `onLog` sees the log as it grows. */
async function gate(extra: string[], onLog?: (log: string) => void): Promise<CliRun & { ms: number }> {
  const started = Date.now();
  const run = await startRun(gateArgs(sim, workDir(), extra), { onLog });
  return { ...run, ms: Date.now() - started };
}

/** Calls `action` once, `delayMs` after the log first matches `pattern`. */
function onceLogged(pattern: RegExp, delayMs: number, action: () => void): (log: string) => void {
  let fired = false;
  return (log) => {
    if (fired || !pattern.test(log)) return;
    fired = true;
    setTimeout(action, delayMs);
  };
}

/** The seed's service with simulator annotations added (sim.knative-perf-gate.dev/<key>). */
function simService(annotations: Record<string, string>): string {
  const doc = yaml.load(readFileSync("examples/helloworld-service.yaml", "utf8")) as {
    spec: { template: { metadata: { annotations: Record<string, string> } } };
  };
  for (const [key, value] of Object.entries(annotations))
    doc.spec.template.metadata.annotations[`sim.knative-perf-gate.dev/${key}`] = value;
  const file = join(workDir(), "service.yaml");
  writeFileSync(file, yaml.dump(doc));
  return file;
}

/** The seed's service with a slower container start, so that a fault lands inside the Ready wait. */
const slowStartingService = (startup: string): string => simService({ "startup-time": startup });

/**
 * 50 ms of work per request: 20 connections keep about 20 requests in the pods, over the KPA's 7 per pod
 * (target 10 × 70 %), so the service scales out during the load and a pod count stuck at 1 shows.
 */
const busyService = (): string => simService({ "service-time": "50ms" });

interface PodObject {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

const isServing = (p: PodObject) =>
  !p.metadata.deletionTimestamp &&
  !p.metadata.name.includes("-deployment-reserve-") &&
  (p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false);

/** The simulator's own count of ready serving pods, sampled every 100 ms: the truth to compare with. */
function sampleTruth(service: string): { max(): number; held(ms: number): number; stop(): void } {
  const counts: number[] = [];
  const timer = setInterval(() => {
    const pods = sim.store.list("/pods", undefined, {
      labelSelector: `serving.knative.dev/service=${service}`,
    }).items as unknown as PodObject[];
    counts.push(pods.filter(isServing).length);
  }, 100);
  return {
    max: () => Math.max(0, ...counts),
    /** The largest count the service kept for at least `ms` without a dip: one the gate's 1 s samples must see. */
    held: (ms) => {
      const n = Math.ceil(ms / 100);
      let best = 0;
      for (let i = 0; i + n <= counts.length; i++) best = Math.max(best, Math.min(...counts.slice(i, i + n)));
      return best;
    },
    stop: () => clearInterval(timer),
  };
}

function countOf(entries: Awaited<ReturnType<typeof auditLog>>, verb: string, resource: string): number {
  return entries.filter((e) => e.verb === verb && e.resource === resource).length;
}

const isWatchOf = (resource: string) => (info: { kind: string; verb?: string; type?: { plural: string } }) =>
  info.kind === "resource" && info.verb === "watch" && info.type?.plural === resource;

describe("the API server restarts", () => {
  it("during the Ready wait: the watch comes back and the run passes", async () => {
    await clearAudit(sim);
    let restarted = false;
    sim.api.setRequestHook((info) => {
      if (restarted || !isWatchOf("services")(info as never)) return;
      restarted = true;
      setTimeout(() => void sim.api.restart({ downMs: 600 }), 150);
    });
    const run = await gate([
      "--service-name=restart-ready",
      `--service-file=${slowStartingService("15s")}`,
      "--thresholds=errors < 1%",
    ]);
    expect(restarted).toBe(true);
    expect(run.stderr).toMatch(/watch services: .*retrying in \d+ ms/);
    expect(run.code).toBe(0);
    expect(run.doc!.service.revision).toBe("restart-ready-00001");
    const seen = await auditLog(sim);
    expect(countOf(seen, "watch", "services")).toBeGreaterThanOrEqual(2);
  });

  it("during the load: the pod watch re-lists, counts stay within the simulator's, the load is unharmed", async () => {
    await clearAudit(sim);
    const truth = sampleTruth("restart-load");
    let restarted = false;
    const run = await gate(
      [
        "--service-name=restart-load",
        `--service-file=${busyService()}`,
        "--connections=20",
        "--duration=3s",
        "--thresholds=errors < 1%",
      ],
      onceLogged(/==> Load/, 500, () => {
        restarted = true;
        void sim.api.restart({ downMs: 500 });
      }),
    );
    truth.stop();
    expect(restarted).toBe(true);
    expect(run.code).toBe(0);
    const pods = run.doc!.pods!;
    // Two-sided: never above what the simulator had, and at least every count it kept for 2 s (the service
    // did scale out, so a watcher stuck at its first count fails).
    expect(truth.held(2000)).toBeGreaterThanOrEqual(2);
    expect(pods.max.serving).toBeGreaterThanOrEqual(truth.held(2000));
    expect(pods.max.serving).toBeLessThanOrEqual(truth.max());
    for (const sample of pods.timeline) expect(sample.serving).toBeLessThanOrEqual(truth.max());
    // `errors < 1%` is only worth something if requests were answered.
    expect(run.doc!.load!.requests).toBeGreaterThan(0);
    expect(run.doc!.load!.errors.total).toBe(0);
    expect(countOf(await auditLog(sim), "list", "pods")).toBeGreaterThanOrEqual(2);
  });
});

describe("watch history expires (410 Gone)", () => {
  it("during the Ready wait: re-list and carry on", async () => {
    await clearAudit(sim);
    let expired = false;
    sim.api.setRequestHook((info) => {
      if (expired || !isWatchOf("services")(info as never)) return;
      expired = true;
      setTimeout(() => sim.api.expireWatches(), 150);
    });
    const run = await gate(["--service-name=gone-ready", `--service-file=${slowStartingService("15s")}`]);
    expect(expired).toBe(true);
    expect(run.code).toBe(0);
    expect(countOf(await auditLog(sim), "list", "services")).toBeGreaterThanOrEqual(2);
  });

  it("during the load: re-list without double counting", async () => {
    await clearAudit(sim);
    const truth = sampleTruth("gone-load");
    const run = await gate(
      ["--service-name=gone-load", `--service-file=${busyService()}`, "--connections=20", "--duration=3s"],
      onceLogged(/==> Load/, 500, () => sim.api.expireWatches()),
    );
    truth.stop();
    expect(run.code).toBe(0);
    expect(run.doc!.load!.requests).toBeGreaterThan(0);
    expect(countOf(await auditLog(sim), "list", "pods")).toBeGreaterThanOrEqual(2);
    expect(truth.held(2000)).toBeGreaterThanOrEqual(2);
    expect(run.doc!.pods!.max.serving).toBeGreaterThanOrEqual(truth.held(2000));
    for (const sample of run.doc!.pods!.timeline) expect(sample.serving).toBeLessThanOrEqual(truth.max());
  });
});

describe("5xx bursts from the API server", () => {
  it("on the watches' lists and watches: retried with backoff, the run passes", async () => {
    await clearAudit(sim);
    sim.api.setFaults({ failRate: 1, failCount: 4, verbs: ["list", "watch"], failStatus: 503 });
    const run = await gate(["--service-name=burst-watch"]);
    expect(sim.api.faultState().injected).toBe(4);
    expect(run.stderr).toMatch(/retrying in \d+ ms/);
    expect(run.code).toBe(0);
    const failed = (await auditLog(sim)).filter((e) => e.status === 503);
    expect(failed).toHaveLength(4);
  });

  // Each single read or write of a run meets one 500 (or 503, 429): a bounded retry must absorb it.
  it.each([
    [
      "the reachability check (the discovery of serving.knative.dev/v1)",
      { verbs: ["get"], includeDiscovery: true, resources: ["none"] },
    ],
    ["reading the Service before the apply", { verbs: ["get"], resources: ["services"] }],
    ["creating the Service (POST)", { verbs: ["create"], resources: ["services"] }],
    ["creating the namespace", { verbs: ["create"], resources: ["namespaces"], failStatus: 503 }],
    ["reading eci-profile", { verbs: ["get"], resources: ["configmaps"] }],
    ["updating eci-profile", { verbs: ["update"], resources: ["configmaps"], failStatus: 429 }],
    ["deleting the Service at cleanup", { verbs: ["delete"], resources: ["services"], failStatus: 503 }],
  ])("one failure of %s is retried", async (_what, faults) => {
    await clearAudit(sim);
    sim.api.setFaults({ failRate: 1, failCount: 1, ...faults });
    const run = await gate(["--service-name=burst-single", "--private-zone=enable", "--duration=1s"]);
    expect(sim.api.faultState().injected).toBe(1);
    expect(run.stderr).not.toMatch(/^error: /m);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/cleanup: .* failed/);
    const ns = run.doc!.service.namespace;
    expect(
      (await getJson(sim, `/apis/serving.knative.dev/v1/namespaces/${ns}/services/burst-single`)).status,
    ).toBe(404);
    const cm = await getJson<{ data: Record<string, string> }>(
      sim,
      "/api/v1/namespaces/kube-system/configmaps/eci-profile",
    );
    expect(cm.body.data.enablePrivateZone).toBe("false");
  });

  it("an eci-profile update that went through but whose answer was lost is still restored at cleanup", async () => {
    let lost = false;
    sim.api.setRequestHook(async (info) => {
      if (lost || info.kind !== "resource" || info.verb !== "update" || info.type.plural !== "configmaps")
        return;
      lost = true;
      // The write lands (as the gate asked: "true"), then the connection to the client fails.
      const res = await fetch(`${sim.apiServer}/api/v1/namespaces/kube-system/configmaps/eci-profile`, {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: JSON.stringify({ data: { enablePrivateZone: "true" } }),
      });
      expect(res.status).toBe(200);
      return StatusError.forCode(500, "etcd leader changed after the write");
    });
    const run = await gate(["--service-name=lost-answer", "--private-zone=enable", "--duration=1s"]);
    expect(lost).toBe(true);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/enablePrivateZone: "false" -> "true" \(restored at cleanup\)/);
    expect(run.stderr).toMatch(/enablePrivateZone restored to "false"/);
    const cm = await getJson<{ data: Record<string, string> }>(
      sim,
      "/api/v1/namespaces/kube-system/configmaps/eci-profile",
    );
    expect(cm.body.data.enablePrivateZone).toBe("false");
  });

  it("a persistent 500 on the create: a bounded number of tries, then exit 3 naming the HTTP status", async () => {
    await clearAudit(sim);
    sim.api.setFaults({ failRate: 1, verbs: ["create"], resources: ["services"] });
    const run = await gate(["--service-name=burst-always"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: cannot create service .*burst-always: .*\(HTTP 500\)/m);
    const creates = countOf(await auditLog(sim), "create", "services");
    expect(creates).toBe(DEFAULT_RETRY.attempts);
    expect(run.ms).toBeLessThan(20_000);
  });
});

describe("the service misbehaves under load", () => {
  it("a pod dies mid-load: its failed requests are counted, the run completes, the pod is replaced", async () => {
    let killed = "";
    const run = await gate(
      ["--service-name=crash-load", "--connections=10", "--duration=2s", "--request-timeout=2s"],
      onceLogged(/==> Load/, 600, () => {
        const pods = sim.store.list("/pods", undefined, {
          labelSelector: "serving.knative.dev/service=crash-load",
        }).items as unknown as Array<PodObject & { metadata: { namespace: string } }>;
        const victim = pods.find(isServing);
        if (victim && sim.killPod(victim.metadata.namespace, victim.metadata.name))
          killed = victim.metadata.name;
      }),
    );
    expect(killed).not.toBe("");
    expect(run.doc!.load).not.toBeNull();
    const { errors, requests } = run.doc!.load!;
    expect(requests).toBeGreaterThan(0);
    expect(errors.total).toBeGreaterThan(0);
    const byStatus = Object.values(errors.byStatus).reduce((a, b) => a + b, 0);
    expect(errors.total).toBe(byStatus + errors.timeouts + errors.connectionErrors);
    expect([0, 1]).toContain(run.code);
    expect(run.doc!.error).toBeNull();
    // The replacement pod served by the end.
    expect(run.doc!.pods!.final.serving).toBeGreaterThanOrEqual(1);
  });
});

describe("the gateway resets connections and leaves requests unanswered", () => {
  it("counts resets as connection errors and silences as timeouts, and the run completes", async () => {
    const proxy = await faultyGateway(sim.gateway, { resetEvery: 20, hangEvery: 50 });
    try {
      const run = await gate([
        "--service-name=flaky-gateway",
        `--gateway=${proxy.address}`,
        "--connections=4",
        "--duration=2s",
        "--request-timeout=300ms",
        "--thresholds=errors < 1%",
      ]);
      expect(proxy.counts.resets).toBeGreaterThan(0);
      expect(proxy.counts.hangs).toBeGreaterThan(0);
      const { errors, requests } = run.doc!.load!;
      expect(requests).toBeGreaterThan(0);
      // Every reset is one connection error; every silence is one timeout, except those still waiting when
      // the load ended (at most one per connection).
      expect(errors.connectionErrors).toBe(proxy.counts.resets);
      expect(errors.timeouts).toBeGreaterThan(0);
      expect(errors.timeouts).toBeLessThanOrEqual(proxy.counts.hangs);
      expect(errors.timeouts).toBeGreaterThanOrEqual(proxy.counts.hangs - 4);
      const byStatus = Object.values(errors.byStatus).reduce((a, b) => a + b, 0);
      expect(errors.total).toBe(byStatus + errors.timeouts + errors.connectionErrors);
      expect(errors.rate).toBeGreaterThan(0.01);
      // A flaky network fails the gate on its error threshold; it is not a crashed run.
      expect(run.code).toBe(1);
      expect(run.doc!.error).toBeNull();
      expect(run.doc!.thresholds[0]).toMatchObject({ metric: "errors", passed: false });
    } finally {
      await proxy.close();
    }
  });
});
