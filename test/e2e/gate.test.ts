// The whole gate against the Knative simulator, through the CLI: pass, fail, fail fast, time out, and what
// it leaves behind.
import { renderText } from "../../src/report/text.js";
import { readFileSync } from "node:fs";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { checkReachable, openCluster } from "../../src/kube/cluster.js";
import type { ResultsDocument } from "../../src/results.js";
import {
  auditLog,
  clearAudit,
  cli,
  gateArgs,
  getJson,
  readJson,
  startSim,
  WRITE_VERBS,
  workDir,
  type Sim,
} from "./harness.js";

let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ profile: "ask" });
});
afterAll(async () => {
  await sim?.stop();
});

async function serviceStatus(ns: string, name: string): Promise<number> {
  return (await getJson(sim, `/apis/serving.knative.dev/v1/namespaces/${ns}/services/${name}`)).status;
}

const namespaceOf = (doc: { service: { namespace: string } } | undefined) => doc?.service.namespace ?? "";

describe("a gate run on the seed's service", () => {
  it("passes, reports the revision and figures, and leaves nothing behind", async () => {
    const dir = workDir();
    const run = await cli(sim, gateArgs(sim, dir, ["--thresholds=errors < 1%; p99 < 5s; requests > 10"]));
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.code).toBe(0);
    const doc = run.doc!;
    expect(doc.passed).toBe(true);
    expect(doc.service).toMatchObject({
      name: "helloworld-go",
      revision: "helloworld-go-00001",
      created: true,
    });
    expect(doc.load!.requests).toBeGreaterThan(10);
    expect(doc.load!.errors.total).toBe(0);
    expect(doc.load!.target.host).toBe(`helloworld-go.${doc.service.namespace}.svc.cluster.local`);
    expect(doc.thresholds.map((t) => t.passed)).toEqual([true, true, true]);
    expect(doc.pods!.max.serving).toBeGreaterThanOrEqual(1);
    expect(doc.pods!.autoscaling.target).toBe(10);
    expect(await serviceStatus(doc.service.namespace, "helloworld-go")).toBe(404);
    const ns = await getJson<{ status?: { phase?: string } }>(
      sim,
      `/api/v1/namespaces/${doc.service.namespace}`,
    );
    expect(ns.status === 404 || ns.body.status?.phase === "Terminating").toBe(true);
  });

  it("fails the gate with exit code 1 when a threshold is missed", async () => {
    const dir = workDir();
    const run = await cli(
      sim,
      gateArgs(sim, dir, ["--service-name=hello-fail", "--thresholds=rps >= 1000000"]),
    );
    expect(run.code).toBe(1);
    expect(run.doc!.passed).toBe(false);
    expect(run.doc!.thresholds[0]).toMatchObject({ metric: "rps", passed: false });
    expect(run.stderr).toMatch(/rps >= 1000000/);
    expect(await serviceStatus(namespaceOf(run.doc), "hello-fail")).toBe(404);
  });

  it("fails fast with Knative's message when the image cannot be pulled", async () => {
    const dir = workDir();
    const started = Date.now();
    const run = await cli(
      sim,
      gateArgs(sim, dir, [
        "--service-name=hello-pull",
        "--image=registry.invalid/nope/helloworld:1",
        "--ready-timeout=10m",
      ]),
    );
    const elapsed = Date.now() - started;
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/RevisionFailed/);
    expect(run.stderr).toMatch(/Unable to fetch image "registry\.invalid\/nope\/helloworld:1"/);
    expect(elapsed).toBeLessThan(30_000);
    expect(await serviceStatus(namespaceOf(run.doc), "hello-pull")).toBe(404);
  });

  it("names the pending condition when Ready does not come in time", async () => {
    const dir = workDir();
    const run = await cli(
      sim,
      gateArgs(sim, dir, [
        "--service-name=hello-slow",
        "--image=example.com/sim/never-ready:1",
        "--ready-timeout=3s",
      ]),
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/not Ready after 3 s \(ready-timeout\); still pending: .*Ready=Unknown/);
    expect(await serviceStatus(namespaceOf(run.doc), "hello-slow")).toBe(404);
  });
});

describe("API economy", () => {
  it("makes the same number of API requests for a short and a long load (watches, no polling)", async () => {
    const counts: number[] = [];
    for (const [name, duration] of [
      ["hello-short", "1s"],
      ["hello-long", "5s"],
    ]) {
      await clearAudit(sim);
      const run = await cli(
        sim,
        gateArgs(sim, workDir(), [`--service-name=${name}`, `--duration=${duration}`]),
      );
      expect(run.code).toBe(0);
      counts.push((await auditLog(sim)).filter((e) => e.verb !== "watch").length);
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it("lists and watches the pods once, asks each API group once, and proves the server with its first request", async () => {
    await clearAudit(sim);
    const run = await cli(sim, gateArgs(sim, workDir(), ["--service-name=hello-economy", "--duration=1s"]));
    expect(run.code).toBe(0);
    const seen = await auditLog(sim);
    // The pod tracker and the Ready wait share one list and one watch.
    expect(seen.filter((e) => e.resource === "pods").map((e) => e.verb)).toEqual(["list", "watch"]);
    // Discovery (GET /api/v1, /apis/<group>/<version>) once per group version, though several requests
    // need it at once.
    const discovery = seen.filter((e) => !e.resource && /^\/apis?\//.test(e.path)).map((e) => e.path);
    expect(discovery).toContain("/api/v1");
    expect(discovery).toHaveLength(new Set(discovery).size);
    // No separate GET /version: the discovery that the apply needs comes first and proves the server answers.
    expect(seen.map((e) => e.path)).not.toContain("/version");
    expect(seen[0].path).toBe("/apis/serving.knative.dev/v1");
    // What the run needs and Ready does not (Knative's ConfigMaps, the load engine) waits for the apply: the
    // requests up to the create have the CPU to themselves.
    const create = seen.findIndex((e) => e.verb === "create" && e.resource === "services");
    const configMaps = seen.findIndex(
      (e) => e.resource === "configmaps" && e.namespace === "knative-serving",
    );
    expect(create).toBeGreaterThan(0);
    expect(configMaps).toBeGreaterThan(create);
  });
});

describe("discovery", () => {
  it("is one request per group version for every request that needs it at once, and after connect's none", async () => {
    const cluster = await openCluster(readFileSync(sim.kubeconfig, "utf8"));
    await clearAudit(sim);
    const lists = await Promise.all(
      ["a", "b", "c"].map((service) =>
        cluster.objects.list(
          "v1",
          "Pod",
          "default",
          undefined,
          undefined,
          undefined,
          undefined,
          `app=${service}`,
        ),
      ),
    );
    expect(lists.map((list) => list.items)).toEqual([[], [], []]);
    await checkReachable(cluster);
    await cluster.objects.list("serving.knative.dev/v1", "Service", "default");
    const paths = (await auditLog(sim)).map((e) => e.path);
    expect(paths.filter((path) => path === "/api/v1")).toHaveLength(1);
    expect(paths.filter((path) => path === "/apis/serving.knative.dev/v1")).toHaveLength(1);
    expect(paths.filter((path) => path === "/api/v1/namespaces/default/pods")).toHaveLength(3);
  });

  it("a group version the server does not serve fails every caller with its own message", async () => {
    const cluster = await openCluster(readFileSync(sim.kubeconfig, "utf8"));
    const [a, b] = await Promise.allSettled(
      ["A", "B"].map((kind) => cluster.objects.list("nothing.example.com/v1", kind, "default")),
    );
    expect(a.status === "rejected" && (a.reason as Error).message).toMatch(
      /^Failed to fetch resource metadata for nothing\.example\.com\/v1\/A: /,
    );
    expect(b.status === "rejected" && (b.reason as Error).message).toMatch(
      /^Failed to fetch resource metadata for nothing\.example\.com\/v1\/B: /,
    );
  });
});

describe("bad input", () => {
  it("exits 2 naming the input and sends no write to the cluster", async () => {
    await clearAudit(sim);
    const run = await cli(sim, gateArgs(sim, workDir(), ["--thresholds=p99 <"]));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/thresholds/);
    expect((await auditLog(sim)).filter((e) => WRITE_VERBS.has(e.verb))).toEqual([]);
  });
});

describe("pod figures", () => {
  it("match what the API shows at the end of the load", async () => {
    const dir = workDir();
    const run = await cli(
      sim,
      gateArgs(sim, dir, ["--service-name=hello-pods", "--teardown=never", "--connections=20"]),
    );
    expect(run.code).toBe(0);
    const pods = await getJson<{
      items: Array<{
        metadata: { name: string; deletionTimestamp?: string };
        status?: { conditions?: Array<{ type: string; status: string }> };
      }>;
    }>(
      sim,
      `/api/v1/namespaces/${namespaceOf(run.doc)}/pods?labelSelector=serving.knative.dev%2Fservice%3Dhello-pods`,
    );
    const serving = pods.body.items.filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        !p.metadata.name.includes("-deployment-reserve-") &&
        p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    ).length;
    expect(run.doc!.pods!.final.serving).toBe(serving);
    // The results file holds the same document as the CLI's output.
    expect(readJson<ResultsDocument>(join(dir, "results.json"))).toEqual(run.doc);
  });
});

describe("a gateway that accepts connections and never answers (issue 19)", () => {
  it("fails with exit 1 and 'not measured' in the step error and the report, within the grace period", async () => {
    // A black hole: accepts every connection, reads nothing back, never replies.
    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    const { port } = blackHole.address() as AddressInfo;
    try {
      const dir = workDir();
      const args = gateArgs(sim, dir, [
        "--service-name=hello-blackhole",
        `--gateway=127.0.0.1:${port}`,
        "--duration=3s",
        "--request-timeout=30s",
        "--thresholds=p99 < 100ms; errors < 1%",
      ])
        .filter((flag) => flag !== "--json")
        .concat("--output=markdown");
      const run = await cli(sim, args);
      const doc = readJson<ResultsDocument>(join(dir, "results.json"));
      expect(run.code).toBe(1);
      expect(doc.passed).toBe(false);
      // 10 connections, one request each, held until the 5 s grace period (min(30 s, 5 s)) cut them.
      expect(sockets.size).toBe(10);
      expect(doc.load).toMatchObject({ sent: 10, requests: 0, unanswered: 10, rps: 0 });
      expect(doc.load!.errors).toMatchObject({ total: 10, rate: 1, timeouts: 10 });
      expect(doc.thresholds.map((v) => [v.rule, v.passed, v.note])).toEqual([
        ["p99 < 100ms", false, "not measured: 10 requests sent, none answered"],
        ["errors < 1%", false, undefined],
      ]);
      // The step error (stderr) and the report (stdout, Markdown) say it plainly.
      expect(run.stderr).toContain(
        "performance gate failed: load not measured: 10 requests sent, none answered; " +
          "p99 < 100ms (observed n/a; not measured: 10 requests sent, none answered); errors < 1% (observed 100%)",
      );
      expect(run.stdout).toContain("### ❌ Performance gate failed");
      expect(run.stdout).toContain("**not measured: 10 requests sent, none answered**");
      expect(run.stdout).toContain("Not measured: 10 requests sent, none answered.");
      expect(run.stdout).not.toMatch(/passed/);
      // The terminal summary too: no zeros that read as a fast, error-free service.
      const summary = renderText(doc);
      expect(summary).toContain("not measured: 10 requests sent, none answered");
      expect(summary).not.toMatch(/p99 0 ms/);
      // The load phase: 3 s, then the whole 5 s grace, not the 30 s request timeout.
      const loadSeconds = (Date.parse(doc.finishedAt) - Date.parse(doc.startedAt)) / 1000;
      expect(loadSeconds).toBeGreaterThanOrEqual(8);
      expect(loadSeconds).toBeLessThan(25);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });
});
