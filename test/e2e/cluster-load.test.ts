// Load from inside the cluster, end to end: runClusterLoad talks to the simulator's Kubernetes API as a user
// holding only the RBAC the README documents; the simulator's Job controller runs each worker pod as a local
// `node` process executing the very worker.mjs the action ships in the ConfigMap; cluster-local names reach a
// loopback target the way a Service's name reaches the gateway.
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import * as hdr from "hdr-histogram-js";
import * as yaml from "js-yaml";
import type { LoadSettings, RequestSettings } from "../../src/config/settings.js";
import { openCluster, type Cluster } from "../../src/kube/cluster.js";
import {
  deleteClusterLoad,
  runClusterLoad,
  type ClusterLoadNames,
  type ClusterLoadOptions,
} from "../../src/load/cluster/index.js";
import { kubeconfigYaml } from "../sim/api/kubeconfig.js";
import type { PolicyRule } from "../sim/api/rbac.js";
import { startApiServer, type ApiServer } from "../sim/api/server.js";
import { startJobController, type JobController } from "../sim/jobs/controller.js";
import { Store } from "../sim/store.js";

const NAMESPACE = "perf";
const URL_IN_CLUSTER = "http://hello.perf.svc.cluster.local";

/** The rules of the `load-from-cluster` Role of examples/rbac.yaml, as users apply them. */
function loadFromClusterRules(): PolicyRule[] {
  const manifests = yaml.loadAll(readFileSync("examples/rbac.yaml", "utf8")) as {
    kind: string;
    metadata: { name: string };
    rules?: PolicyRule[];
  }[];
  const role = manifests.find(
    (m) => m.kind === "Role" && m.metadata.name === "knative-perf-gate-load-from-cluster",
  );
  if (!role?.rules) throw new Error("examples/rbac.yaml has no Role knative-perf-gate-load-from-cluster");
  return role.rules;
}

/** What examples/rbac.yaml grants for `load-from: cluster`, plus the list/watch on pods of the gate's Role. */
const CLUSTER_LOAD_RULES: PolicyRule[] = [
  ...loadFromClusterRules(),
  { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
];

/**
 * The Knative Service stand-in: answers after a little work, counts what arrives, by Host, and times its own
 * service of each request (from its arrival to the last byte written): an independent truth that every
 * latency the workers measure must exceed.
 */
class Target {
  readonly hosts = new Map<string, number>();
  /** Per request: when it arrived (epoch ms, the workers' clock) and how long the server took, ms. */
  readonly served: { arrivedAt: number; ms: number }[] = [];
  private readonly server = http.createServer((req, res) => {
    const started = performance.now();
    const arrivedAt = performance.timeOrigin + started;
    const host = req.headers.host ?? "";
    this.hosts.set(host, (this.hosts.get(host) ?? 0) + 1);
    res.on("finish", () => this.served.push({ arrivedAt, ms: performance.now() - started }));
    setTimeout(() => res.end("Hello World!\n"), 1 + (this.received() % 3));
  });

  received(): number {
    return [...this.hosts.values()].reduce((a, b) => a + b, 0);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let store: Store;
let jobs: JobController;
let api: ApiServer;
let target: Target;
let cluster: Cluster;

beforeAll(async () => {
  target = new Target();
  const address = await target.listen();
  store = new Store({ namespaces: ["default", NAMESPACE] });
  jobs = startJobController(store, { clusterAddress: address });
  api = await startApiServer({
    store,
    podLog: (ns, name, container) => jobs.logs(ns, name, container) ?? "",
    auth: {
      tokens: { "ci-token": "ci" },
      bindings: { ci: [{ namespace: NAMESPACE, rules: CLUSTER_LOAD_RULES }] },
    },
  });
  cluster = await openCluster(kubeconfigYaml(api.url, { token: "ci-token" }));
});

afterAll(async () => {
  await jobs.stop();
  await api.close();
  await target.close();
});

const request: RequestSettings = { path: "/", method: "GET", headers: {}, timeoutMs: 5000 };

function options(load: Partial<LoadSettings>, extra: Partial<ClusterLoadOptions> = {}): ClusterLoadOptions {
  return {
    cluster,
    namespace: NAMESPACE,
    url: URL_IN_CLUSTER,
    service: "hello",
    request,
    load: { durationMs: 2000, connections: 8, warmupMs: 1000, ...load },
    workers: 4,
    // Four Node processes starting at once on a busy two-core machine can take seconds; the warm-up absorbs
    // a late start too.
    startDelayMs: 8000,
    ...extra,
  };
}

/** Nothing of a run is left: no Job, no pods, no ConfigMap. */
function leftovers(names: ClusterLoadNames): string[] {
  const left: string[] = [];
  if (store.get("batch/jobs", NAMESPACE, names.job)) left.push(`job ${names.job}`);
  if (store.get("/configmaps", NAMESPACE, names.configMap)) left.push(`configmap ${names.configMap}`);
  for (const pod of store.list("/pods", NAMESPACE).items) left.push(`pod ${pod.metadata.name}`);
  return left;
}

/** Resolves with the pods of a run once `count` of them are Running. */
function whenRunning(count: number): Promise<string[]> {
  return new Promise((resolve) => {
    const check = () => {
      const running = store
        .list("/pods", NAMESPACE)
        .items.filter((p) => (p.status as { phase?: string } | undefined)?.phase === "Running");
      if (running.length < count) return false;
      unsubscribe();
      resolve(running.map((p) => p.metadata.name as string).sort());
      return true;
    };
    const unsubscribe = store.subscribe(() => void check());
  });
}

test("4 workers: one merged result, exactly the sum of the workers, and nothing left behind", async () => {
  const before = target.received();
  let names: ClusterLoadNames | undefined;
  const lines: string[] = [];
  const result = await runClusterLoad(
    options({}, { samples: true, onNames: (n) => (names = n), log: (l) => lines.push(l) }),
  );
  const results = result.reports.map((r) => r.result);

  // One pod per index, every one of them answered through the in-cluster name.
  expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3]);
  expect(new Set(result.workers.map((w) => w.pod)).size).toBe(4);
  expect([...target.hosts.keys()]).toEqual(["hello.perf.svc.cluster.local"]);

  // The merged count is the sum of the workers' counts; the target saw those plus the warm-up and at most one
  // request per connection dropped at the warm-up's end. The measured phase drops none: its requests in flight
  // at the end are answered in the grace period.
  const sum = results.reduce((n, r) => n + r.requests, 0);
  expect(result.summary.requests).toBe(sum);
  expect(result.summary).toMatchObject({ sent: sum, unanswered: 0 });
  expect(result.workers.reduce((n, w) => n + w.requests, 0)).toBe(sum);
  expect(result.summary.timeline.reduce((n, s) => n + s.requests, 0)).toBe(sum);
  const arrived = target.received() - before;
  expect(arrived - sum - result.summary.warmupRequests).toBeGreaterThanOrEqual(0);
  expect(arrived - sum - result.summary.warmupRequests).toBeLessThanOrEqual(8);
  expect(sum).toBeGreaterThan(100);

  // Against the target's own clock: the requests that arrived in the measured phase are the ones the workers
  // timed (give or take a request at its edges), and each took the workers at least as long as the server
  // spent on it, plus loopback. So each merged percentile is at or above the server's exact one (within HDR's
  // 0.1% bucket), and the median only a few ms above it (worker processes on a busy two-core machine).
  const measureFrom = Math.min(...results.map((r) => r.measuredFrom));
  const server = target.served
    .filter((s) => s.arrivedAt >= measureFrom)
    .map((s) => s.ms)
    .sort((x, y) => x - y);
  expect(Math.abs(server.length - sum)).toBeLessThanOrEqual(8);
  const exact = (p: number) => server[Math.max(0, Math.ceil((p / 100) * server.length) - 1)];
  const merged = result.summary.latency;
  expect(merged.min).toBeGreaterThanOrEqual(server[0] * 0.999);
  expect(merged.p50).toBeGreaterThanOrEqual(exact(50) * 0.999);
  expect(merged.p50).toBeLessThanOrEqual(exact(50) + 5);
  expect(merged.p90).toBeGreaterThanOrEqual(exact(90) * 0.999);
  expect(merged.p99).toBeGreaterThanOrEqual(exact(99) * 0.999 - 0.5);
  expect(merged.max).toBeGreaterThanOrEqual(server[server.length - 1] * 0.999);

  // Percentiles of the merge equal those of a single histogram fed every latency every worker measured.
  const all = results.flatMap((r) => r.samples ?? []);
  expect(all).toHaveLength(sum);
  const single = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const micros of all) single.recordValue(micros);
  const ms = (micros: number) => Number((micros / 1000).toFixed(3));
  // A percentile is its bucket's top, capped at the exact max as src/load/cluster/merge.ts does (542ccd7).
  const max = Math.max(...all);
  const at = (p: number) => ms(Math.min(single.getValueAtPercentile(p), max));
  expect(result.summary.latency).toEqual({
    min: ms(Math.min(...all)),
    mean: ms(single.mean),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: ms(max),
  });

  // The barrier: nobody began before the common start, and everybody within the tolerance after it.
  const startAt = Math.min(...results.map((r) => r.startedAt));
  expect(Math.max(...results.map((r) => r.startedAt)) - startAt).toBeLessThan(1000);
  expect(result.workers.every((w) => w.lateMs <= 1000)).toBe(true);

  // Cleanup: the Job, its pods and the ConfigMap are gone, and the post step's second try finds nothing.
  expect(names).toEqual(result.names);
  expect(leftovers(result.names)).toEqual([]);
  await expect(deleteClusterLoad(cluster, result.names)).resolves.toEqual({ job: false, configMap: false });
  expect(
    lines.some((l) => l.startsWith(`[load] cluster: Job ${NAMESPACE}/${result.names.job}, 4 worker(s)`)),
  ).toBe(true);
  expect(lines).toContain(`[load] cluster: deleted Job and ConfigMap ${NAMESPACE}/${result.names.job}`);
}, 60_000);

test("a fixed rate is split over the workers and never exceeded", async () => {
  const result = await runClusterLoad(options({ rate: 200, connections: 4 }));
  // 200 req/s for 2 s: 400 sends scheduled, 100 per worker. A busy machine can leave some unanswered at the
  // end (they are measured from their intended send time, not skipped), but none are ever added.
  expect(result.summary.requests).toBeLessThanOrEqual(400);
  expect(result.summary.requests).toBeGreaterThan(200);
  for (const w of result.workers) expect(w.requests).toBeLessThanOrEqual(100);
  expect(leftovers(result.names)).toEqual([]);
}, 60_000);

test("a worker that dies fails the run with its exit code, and cleanup still runs", async () => {
  let names: ClusterLoadNames | undefined;
  const run = runClusterLoad(options({ durationMs: 4000 }, { onNames: (n) => (names = n) }));
  const pods = await whenRunning(4);
  jobs.kill(NAMESPACE, pods[2], "SIGKILL");
  await expect(run).rejects.toThrow(
    new RegExp(`^cluster load: worker 2 \\(pod ${pods[2]}\\) failed: Error \\(exit code 137\\)`),
  );
  expect(leftovers(names as ClusterLoadNames)).toEqual([]);
}, 60_000);

test("workers whose image cannot be pulled never start: the run fails at once with the kubelet's reason", async () => {
  let names: ClusterLoadNames | undefined;
  const started = Date.now();
  const run = runClusterLoad(
    options(
      {},
      { image: "registry.invalid/library/node:24", onNames: (n) => (names = n), startDelayMs: 30_000 },
    ),
  );
  await expect(run).rejects.toThrow(
    /^cluster load: worker \d never started: pod kpg-load-hello-\w+-\d-\w+: ErrImagePull: Failed to pull image "registry.invalid\/library\/node:24"/,
  );
  // Well before the common start: a stuck pull is not waited for.
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(leftovers(names as ClusterLoadNames)).toEqual([]);
}, 60_000);

test("cancelling stops the run and removes the Job", async () => {
  const controller = new AbortController();
  let names: ClusterLoadNames | undefined;
  const run = runClusterLoad(options({}, { signal: controller.signal, onNames: (n) => (names = n) }));
  await whenRunning(4);
  controller.abort();
  await expect(run).rejects.toThrow("cluster load: cancelled");
  expect(leftovers(names as ClusterLoadNames)).toEqual([]);
}, 60_000);

test("API 503s on every other request are retried: the run completes and cleans up", async () => {
  api.setFaults({ failRate: 0.5, failStatus: 503, verbs: ["create", "get", "list", "delete"] });
  try {
    const result = await runClusterLoad(options({ durationMs: 1000 }));
    expect(result.summary.requests).toBe(result.workers.reduce((n, w) => n + w.requests, 0));
    expect(api.faultState().injected).toBeGreaterThanOrEqual(4);
    expect(leftovers(result.names)).toEqual([]);
  } finally {
    api.clearFaults();
  }
}, 60_000);

test("more workers than connections is refused before anything is created", async () => {
  const since = new Date().toISOString();
  await expect(runClusterLoad(options({ connections: 2 }))).rejects.toThrow(
    "load-workers: 4 workers need at least 4 connections (one each), but connections is 2; raise connections or lower load-workers",
  );
  expect(api.audit.list({ verb: "create", since })).toEqual([]);
});
