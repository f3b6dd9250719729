// `load-from: cluster` through the whole gate: the CLI deploys the seed's Service into the simulator, the load
// comes from an Indexed Job whose pods the simulator runs as local `node` processes (the very worker script the
// action ships), aimed at the Service's cluster-local address, and the results document carries the merged
// figures and each worker's. The run holds exactly the grants of examples/rbac.yaml's `gate` and
// `load-from-cluster` parts. Also: a worker image that cannot be pulled fails the run (exit 3) and leaves no
// Job, and a run killed mid-load is cleaned up by `knative-perf-gate cleanup` (the post step), Job included,
// whatever the teardown policy.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import * as yaml from "js-yaml";
import type { CleanupPlan } from "../../src/pipeline/state.js";
import { kubeconfigYaml } from "../sim/api/kubeconfig.js";
import type { PolicyRule, RoleBinding } from "../sim/api/rbac.js";
import { auditLog, clearAudit, cli, gateArgs, startSim, workDir, type Sim } from "./harness.js";

const NAMESPACE = "perf";
const USER = "system:serviceaccount:perf:knative-perf-gate";
const TOKEN = "cluster-load-token-0123456789abcdef";
const ADMIN_TOKEN = "cluster-load-admin-0123456789abcdef";
const WORKER_LABEL = "app.kubernetes.io/component=load-worker";

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
}

/** The Roles of some parts (app.kubernetes.io/component) of examples/rbac.yaml, as the simulator's bindings. */
function grantsOf(parts: string[]): RoleBinding[] {
  const manifests = yaml.loadAll(readFileSync("examples/rbac.yaml", "utf8")) as Manifest[];
  const inParts = (m: Manifest) => parts.includes(m.metadata.labels?.["app.kubernetes.io/component"] ?? "");
  return manifests
    .filter((m) => inParts(m) && m.kind === "RoleBinding")
    .map((binding) => {
      const role = manifests.find((m) => m.kind === "Role" && m.metadata.name === binding.roleRef?.name);
      if (!role?.rules)
        throw new Error(`examples/rbac.yaml: RoleBinding ${binding.metadata.name} has no Role`);
      return { namespace: binding.metadata.namespace, rules: role.rules };
    });
}

let sim: Sim;
const kubeconfig = () => kubeconfigYaml(sim.apiServer, { token: TOKEN, name: "perf-gate" });

async function asAdmin<T = unknown>(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.apiServer}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json", ...init.headers },
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Names of what is left of the load workers in the namespace: Jobs, ConfigMaps and pods, through the API. */
async function workerLeftovers(): Promise<string[]> {
  const left: string[] = [];
  for (const [kind, path] of [
    ["job", `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`],
    ["configmap", `/api/v1/namespaces/${NAMESPACE}/configmaps`],
    ["pod", `/api/v1/namespaces/${NAMESPACE}/pods`],
  ]) {
    const list = await asAdmin<{ items: { metadata: { name: string } }[] }>(
      `${path}?labelSelector=${encodeURIComponent(WORKER_LABEL)}`,
    );
    expect(list.status).toBe(200);
    left.push(...list.body.items.map((o) => `${kind} ${o.metadata.name}`));
  }
  return left;
}

/** The gate's flags as the ServiceAccount, in `perf`, from 4 workers; a flag in `extra` replaces ours. */
function gateFlags(dir: string, extra: string[]): string[] {
  const ours = [
    `--namespace=${NAMESPACE}`,
    "--create-namespace=false",
    `--kubeconfig=${kubeconfig()}`,
    "--load-from=cluster",
    "--load-workers=4",
    "--load-start-delay=2s",
  ];
  const name = (flag: string) => flag.split("=")[0];
  const given = new Set(extra.map(name));
  return gateArgs(sim, dir, [...ours.filter((flag) => !given.has(name(flag))), ...extra]);
}

/**
 * Requests of the ServiceAccount that were refused (401/403) since the audit log was cleared, but the optional
 * reads of knative-serving's autoscaling ConfigMaps (part knative-config, not granted here: a note, by design).
 */
async function refused(): Promise<unknown[]> {
  return (await auditLog(sim)).filter(
    (e) =>
      (e as { user?: string }).user === USER &&
      (e.status === 401 || e.status === 403) &&
      !(e.namespace === "knative-serving" && e.resource === "configmaps" && e.verb === "get"),
  );
}

beforeAll(async () => {
  sim = await startSim();
  sim.api.setAuth({
    tokens: { [TOKEN]: USER, [ADMIN_TOKEN]: "kubernetes-admin" },
    bindings: { [USER]: grantsOf(["gate", "load-from-cluster"]) },
  });
  // Part 1 of examples/rbac.yaml: the namespace exists beforehand, created by an admin.
  const created = await asAdmin("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ metadata: { name: NAMESPACE } }),
  });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await sim?.stop();
});

test("4 worker pods against the Service's cluster-local address: passes, merged = sum, per-worker figures, nothing left", async () => {
  await clearAudit(sim);
  const dir = workDir();
  // No gateway: the workers reach the Service the way pods do, by status.address.url. The warm-up absorbs a
  // worker process that starts late on a busy machine.
  const run = await cli(
    sim,
    gateFlags(dir, [
      "--service-name=hello-cl",
      "--gateway=",
      "--warmup=1s",
      "--thresholds=errors < 1%; requests > 40",
    ]),
  );
  expect(run.stderr).not.toMatch(/^(error|warning): /m);
  expect(run.code).toBe(0);
  const doc = run.doc!;
  expect(doc.passed).toBe(true);
  expect(doc.settings).toMatchObject({ loadFrom: "cluster", loadWorkers: 4, connections: 10 });

  const load = doc.load!;
  expect(load.target).toEqual({ url: `http://hello-cl.${NAMESPACE}.svc.cluster.local` });
  const workers = load.workers!;
  expect(workers.map((w) => w.index)).toEqual([0, 1, 2, 3]);
  expect(new Set(workers.map((w) => w.pod)).size).toBe(4);
  for (const w of workers) {
    expect(w.pod).toMatch(new RegExp(`^kpg-load-hello-cl-\\w{5}-${w.index}-\\w{5}$`));
    expect(w.node).toBe("sim-node");
    expect(w.requests).toBeGreaterThan(0);
    expect(w.latency.p99).toBeGreaterThan(0);
    expect(w.latency.max).toBeGreaterThanOrEqual(w.latency.p99);
  }
  expect(load.requests).toBe(workers.reduce((n, w) => n + w.requests, 0));
  expect(load.errors.total).toBe(workers.reduce((n, w) => n + w.errors, 0));
  expect(load.timeline.reduce((n, s) => n + s.requests, 0)).toBe(load.requests);
  // The merged maximum is the largest of the workers'.
  expect(load.latency.max).toBe(Math.max(...workers.map((w) => w.latency.max)));

  // The same figures in the results file; the log tells where the load came from.
  const file = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as typeof doc;
  expect(file.load!.workers).toEqual(workers);
  expect(run.stderr).toMatch(
    /Load: from 4 worker pods in the cluster, 10 connections, 2 s, closed loop -> http:\/\/hello-cl\.perf\.svc\.cluster\.local/,
  );
  expect(run.stderr).toMatch(
    /\[load\] cluster: Job perf\/kpg-load-hello-cl-\w{5}, 4 worker\(s\) on node:24-alpine/,
  );

  expect(await workerLeftovers()).toEqual([]);
  expect(
    (await asAdmin(`/apis/serving.knative.dev/v1/namespaces/${NAMESPACE}/services/hello-cl`)).status,
  ).toBe(404);
  expect(await refused()).toEqual([]);
}, 120_000);

test("workers against a gateway that never answers: exit 1, 'not measured', every worker's requests unanswered", async () => {
  const sockets = new Set<Socket>();
  const blackHole = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
  try {
    const dir = workDir();
    const run = await cli(
      sim,
      gateFlags(dir, [
        "--service-name=hello-cl-hole",
        `--gateway=127.0.0.1:${(blackHole.address() as AddressInfo).port}`,
        "--load-workers=2",
        "--connections=4",
        // As above: the warm-up absorbs a worker process that starts late on a busy machine.
        "--warmup=1s",
        "--request-timeout=30s",
        "--thresholds=p99 < 100ms; errors < 1%",
      ]),
    );
    expect(run.code).toBe(1);
    const load = run.doc!.load!;
    // Each of the 4 connections (2 per worker) sent one measured request, held until the workers' 5 s grace
    // ran out (and one in the warm-up, dropped at its end, unless the worker started after it).
    expect(sockets.size).toBeGreaterThanOrEqual(4);
    expect(sockets.size).toBeLessThanOrEqual(8);
    expect(load).toMatchObject({ sent: 4, requests: 0, unanswered: 4 });
    expect(load.workers!.map((w) => [w.requests, w.errors])).toEqual([
      [0, 2],
      [0, 2],
    ]);
    expect(run.doc!.thresholds[0]).toMatchObject({
      passed: false,
      note: "not measured: 4 requests sent, none answered",
    });
    expect(run.stderr).toContain(
      "performance gate failed: load not measured: 4 requests sent, none answered",
    );
    expect(await workerLeftovers()).toEqual([]);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  }
}, 120_000);

test("a worker image that cannot be pulled fails the run with exit 3 and the kubelet's reason; no Job is left", async () => {
  await clearAudit(sim);
  const dir = workDir();
  const run = await cli(
    sim,
    gateFlags(dir, [
      "--service-name=hello-cl-pull",
      "--load-worker-image=registry.invalid/node:24",
      "--load-start-delay=30s",
    ]),
  );
  expect(run.code).toBe(3);
  const message =
    /cluster load: worker \d never started: pod kpg-load-hello-cl-pull-\w{5}-\d-\w{5}: ErrImagePull: Failed to pull image "registry\.invalid\/node:24"/;
  expect(run.doc!.error).toMatch(message);
  expect(run.stderr).toMatch(new RegExp(`^error: ${message.source}`, "m"));
  expect(run.doc!.load).toBeNull();
  expect(await workerLeftovers()).toEqual([]);
  expect(
    (await asAdmin(`/apis/serving.knative.dev/v1/namespaces/${NAMESPACE}/services/hello-cl-pull`)).status,
  ).toBe(404);
  expect(await refused()).toEqual([]);
}, 120_000);

/** The CLI from src/ in a child process (tsx), so the test can kill it like a cancelled runner. */
function spawnCli(args: string[]) {
  return spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      "const { runCli } = await import('./src/cli.ts'); process.exitCode = await runCli(process.argv.slice(1));",
      ...args,
    ],
    { env: { PATH: process.env.PATH ?? "", KUBECONFIG: join(workDir(), "absent") }, stdio: "pipe" },
  );
}

test("a run killed during the load: the post step's cleanup deletes the Job and ConfigMap even with teardown: never", async () => {
  const dir = workDir();
  const stateFile = join(dir, "state.json");
  const child = spawnCli(
    gateFlags(dir, [
      "--service-name=hello-cl-kill",
      "--load-workers=2",
      "--duration=30s",
      "--teardown=never",
    ]),
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));

  // Killed once both workers run: the plan in the state file already names the Job (saved before creating it).
  const deadline = Date.now() + 60_000;
  while (!/2\/2 workers running/.test(output) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(output).toMatch(/2\/2 workers running/);
  child.kill("SIGKILL");
  await exited;
  expect(existsSync(stateFile)).toBe(true);
  const plan = JSON.parse(readFileSync(stateFile, "utf8")) as CleanupPlan;
  expect(plan).toMatchObject({ teardown: "never", done: false });
  expect(plan.clusterLoad).toEqual({
    namespace: NAMESPACE,
    job: expect.stringMatching(/^kpg-load-hello-cl-kill-\w{5}$/),
    configMap: plan.clusterLoad!.job,
  });
  expect((await workerLeftovers()).filter((l) => l.startsWith("job "))).toEqual([
    `job ${plan.clusterLoad!.job}`,
  ]);

  const cleanup = await cli(sim, ["cleanup", `--state-file=${stateFile}`, `--kubeconfig=${kubeconfig()}`]);
  expect(cleanup.code).toBe(0);
  expect(cleanup.stderr).toContain(`deleted load Job and ConfigMap ${NAMESPACE}/${plan.clusterLoad!.job}`);
  expect(cleanup.stderr).toContain(`teardown: never: leaving service ${NAMESPACE}/hello-cl-kill in place`);
  // The Job's pods go with it (Background propagation); the simulator stops their processes.
  const gone = Date.now() + 10_000;
  while ((await workerLeftovers()).length > 0 && Date.now() < gone) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(await workerLeftovers()).toEqual([]);
  expect(
    (await asAdmin(`/apis/serving.knative.dev/v1/namespaces/${NAMESPACE}/services/hello-cl-kill`)).status,
  ).toBe(200);
  expect((JSON.parse(readFileSync(stateFile, "utf8")) as CleanupPlan).done).toBe(true);
  await asAdmin(`/apis/serving.knative.dev/v1/namespaces/${NAMESPACE}/services/hello-cl-kill`, {
    method: "DELETE",
  });
}, 120_000);
