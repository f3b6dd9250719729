// Least privilege, enforced: the Roles and ClusterRoles of examples/rbac.yaml, bound to the action's
// ServiceAccount, are loaded into the simulator's RBAC for a bearer-token user, and the gate runs with that
// user's kubeconfig. It must pass with exactly those grants, make no request they refuse, and fail with a
// clear 403 message naming the missing permission when a rule it needs is taken away.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { runCli } from "../../src/cli.js";
import type { ResultsDocument } from "../../src/results.js";
import type { PolicyRule, RoleBinding } from "../sim/api/rbac.js";
import { kubeconfigYaml } from "../sim/api/kubeconfig.js";
import {
  auditLog,
  clearAudit,
  freshNamespace,
  gateArgs,
  startSim,
  workDir,
  type Sim,
  docOf,
} from "./harness.js";

const USER = "system:serviceaccount:perf:knative-perf-gate";
const TOKEN = "rbac-test-token-0123456789abcdef";
const ADMIN_TOKEN = "rbac-test-admin-0123456789abcdef";

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

const manifests = yaml.loadAll(readFileSync("examples/rbac.yaml", "utf8")) as Manifest[];

/** The grants of the parts (app.kubernetes.io/component) of examples/rbac.yaml, as the simulator's bindings. */
function bindingsOf(parts: string[]): RoleBinding[] {
  const inPart = (m: Manifest) => parts.includes(m.metadata.labels?.["app.kubernetes.io/component"] ?? "");
  const bindings: RoleBinding[] = [];
  for (const binding of manifests.filter((m) => inPart(m) && /^(Cluster)?RoleBinding$/.test(m.kind))) {
    const forUs = binding.subjects?.some(
      (s) => s.kind === "ServiceAccount" && s.name === "knative-perf-gate" && s.namespace === "perf",
    );
    if (!forUs) continue;
    const role = manifests.find(
      (m) =>
        m.kind === binding.roleRef?.kind &&
        m.metadata.name === binding.roleRef.name &&
        (m.kind === "ClusterRole" || m.metadata.namespace === binding.metadata.namespace),
    );
    if (!role?.rules)
      throw new Error(`examples/rbac.yaml: ${binding.kind} ${binding.metadata.name} names no role`);
    bindings.push({
      namespace: binding.kind === "RoleBinding" ? binding.metadata.namespace : undefined,
      rules: role.rules,
    });
  }
  return bindings;
}

let sim: Sim;
const kubeconfig = () => kubeconfigYaml(sim.apiServer, { token: TOKEN, name: "perf-gate" });

function grant(bindings: RoleBinding[]): void {
  sim.api.setAuth({
    tokens: { [TOKEN]: USER, [ADMIN_TOKEN]: "kubernetes-admin" },
    bindings: { [USER]: bindings },
  });
}

async function asAdmin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.apiServer}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json", ...init.headers },
  });
}

beforeAll(async () => {
  sim = await startSim({ profile: "ask" });
  grant([]);
  // Part 1 of examples/rbac.yaml: the namespace the gate deploys into, created by an admin beforehand.
  const res = await asAdmin("/api/v1/namespaces", {
    method: "POST",
    body: JSON.stringify({ metadata: { name: "perf" } }),
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await sim?.stop();
});

interface Run {
  code: number;
  stderr: string;
  doc?: ResultsDocument;
}

/** The CLI in this process with the ServiceAccount's kubeconfig as the kubeconfig input. */
async function gateAs(extra: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const previous = process.env.KUBECONFIG;
  process.env.KUBECONFIG = join(workDir(), "absent");
  try {
    const flag = (arg: string) => arg.split("=")[0];
    const ours = ["--namespace=perf", "--create-namespace=false", `--kubeconfig=${kubeconfig()}`].filter(
      (arg) => !extra.some((e) => flag(e) === flag(arg)),
    );
    const code = await runCli(gateArgs(sim, workDir(), [...ours, ...extra]), {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    const doc = docOf(stdout);
    return { code, stderr, doc };
  } finally {
    process.env.KUBECONFIG = previous;
  }
}

async function privateZone(): Promise<string | undefined> {
  const res = await asAdmin("/api/v1/namespaces/kube-system/configmaps/eci-profile");
  return ((await res.json()) as { data?: Record<string, string> }).data?.enablePrivateZone;
}

describe("with exactly the grants of examples/rbac.yaml", () => {
  it("gate + private-zone: the run passes, cleans up, and only the optional ConfigMap reads are refused", async () => {
    grant(bindingsOf(["gate", "private-zone"]));
    await clearAudit(sim);
    const run = await gateAs([
      "--service-name=rbac-pass",
      "--private-zone=enable",
      "--thresholds=errors < 1%",
    ]);
    expect(run.stderr).not.toMatch(/^(error|warning): /m);
    expect(run.code).toBe(0);
    // `errors < 1%` passed on answered requests, not on an empty load.
    expect(run.doc!.load!.requests).toBeGreaterThan(0);
    expect(run.doc!.load!.errors.total).toBe(0);
    expect(run.doc!.pods!.max.serving).toBeGreaterThanOrEqual(1);
    expect(await privateZone()).toBe("false");
    expect((await asAdmin("/apis/serving.knative.dev/v1/namespaces/perf/services/rbac-pass")).status).toBe(
      404,
    );
    const mine = (await auditLog(sim)).filter((e) => (e as { user?: string }).user === USER);
    expect(mine.length).toBeGreaterThan(0);
    // The one refusal is the optional read of Knative's autoscaling ConfigMaps (part knative-config, not
    // granted here): a note, and the explanation assumes upstream's defaults.
    const refused = mine.filter((e) => e.status === 401 || e.status === 403);
    expect(refused.map((e) => `${e.verb} ${e.namespace}/${e.resource}/${e.name}`).sort()).toEqual([
      "get knative-serving/configmaps/config-autoscaler",
      "get knative-serving/configmaps/config-defaults",
    ]);
    expect(run.stderr).toMatch(
      /note: ConfigMap knative-serving\/config-autoscaler could not be read \(.*forbidden/,
    );
    expect(run.doc!.pods!.autoscaling.clusterConfig).toEqual({
      "config-autoscaler": "forbidden",
      "config-defaults": "forbidden",
    });
    expect(run.doc!.pods!.autoscaling.sources!.utilizationPercent).toEqual({ from: "default", key: null });
  });

  it("gate + knative-config: the autoscaling ConfigMaps are read, and no request is refused", async () => {
    grant(bindingsOf(["gate", "knative-config"]));
    await clearAudit(sim);
    const run = await gateAs(["--service-name=rbac-config", "--thresholds=errors < 1%"]);
    expect(run.stderr).not.toMatch(/^(error|warning): /m);
    expect(run.stderr).not.toContain("could not be read");
    expect(run.code).toBe(0);
    expect(run.doc!.pods!.autoscaling.clusterConfig).toEqual({
      "config-autoscaler": "read",
      "config-defaults": "read",
    });
    const mine = (await auditLog(sim)).filter((e) => (e as { user?: string }).user === USER);
    expect(
      mine
        .filter((e) => e.namespace === "knative-serving")
        .map((e) => `${e.verb} ${e.name}`)
        .sort(),
    ).toEqual(["get config-autoscaler", "get config-defaults"]);
    expect(mine.filter((e) => e.status === 401 || e.status === 403)).toEqual([]);
  });

  it("create-namespace (part 4, with the gate's rules granted cluster-wide as the file says): passes and removes it", async () => {
    const gate = bindingsOf(["gate"]).map((b) => ({ ...b, namespace: undefined }));
    // With the optional knative-config part too, so that no request at all is refused.
    grant([...gate, ...bindingsOf(["create-namespace", "knative-config"])]);
    await clearAudit(sim);
    const namespace = freshNamespace();
    const run = await gateAs(["--service-name=rbac-ns", `--namespace=${namespace}`, "--create-namespace"]);
    expect(run.stderr).not.toMatch(/^(error|warning): /m);
    expect(run.code).toBe(0);
    const ns = await asAdmin(`/api/v1/namespaces/${namespace}`);
    expect(
      ns.status === 404 ||
        ((await ns.json()) as { status?: { phase?: string } }).status?.phase === "Terminating",
    ).toBe(true);
    const mine = (await auditLog(sim)).filter((e) => (e as { user?: string }).user === USER);
    expect(mine.filter((e) => e.status === 401 || e.status === 403)).toEqual([]);
  });

  it("create-namespace, joining a namespace another run created: registers with update, the last out deletes it", async () => {
    const gate = bindingsOf(["gate"]).map((b) => ({ ...b, namespace: undefined }));
    // With the optional knative-config part too, so that no request at all is refused.
    grant([...gate, ...bindingsOf(["create-namespace", "knative-config"])]);
    const namespace = freshNamespace();
    // As an earlier run of the gate leaves it: our label, and a registration whose lease has run out.
    const created = await asAdmin("/api/v1/namespaces", {
      method: "POST",
      body: JSON.stringify({
        metadata: {
          name: namespace,
          labels: { "app.kubernetes.io/managed-by": "knative-perf-gate" },
          annotations: { "runs.knative-perf-gate.dev/crashed-run": "2020-01-01T00:00:00.000Z" },
        },
      }),
    });
    expect(created.status).toBe(201);
    await clearAudit(sim);
    const run = await gateAs(["--service-name=rbac-join", `--namespace=${namespace}`, "--create-namespace"]);
    expect(run.stderr).not.toMatch(/^(error|warning): /m);
    expect(run.code).toBe(0);
    const mine = (await auditLog(sim)).filter((e) => (e as { user?: string }).user === USER);
    expect(mine.filter((e) => e.status === 401 || e.status === 403)).toEqual([]);
    expect(mine.some((e) => e.verb === "update" && e.resource === "namespaces")).toBe(true);
    expect(mine.some((e) => e.verb === "delete" && e.resource === "namespaces")).toBe(true);
  });
});

/** The gate's grants with `verb` taken out of the rule for `resource`. */
function without(resource: string, verb: string): RoleBinding[] {
  return bindingsOf(["gate", "private-zone"]).map((b) => ({
    ...b,
    rules: b.rules.map((r) =>
      r.resources.includes(resource) ? { ...r, verbs: r.verbs.filter((v) => v !== verb) } : r,
    ),
  }));
}

describe("with a rule it needs taken away: exit 3 and a 403 message naming what is missing", () => {
  it.each([
    // A new Service is created (one of two racing runs wins); patch is for re-applying one an earlier run left.
    ["services", "create", "serving.knative.dev"],
    ["services", "get", "serving.knative.dev"],
    ["services", "watch", "serving.knative.dev"],
    ["pods", "list", ""],
    ["configmaps", "update", ""],
  ])("%s: %s", async (resource, verb, group) => {
    grant(without(resource, verb));
    const run = await gateAs([
      `--service-name=rbac-no-${resource}-${verb}`,
      "--private-zone=enable",
      "--ready-timeout=10s",
    ]);
    expect(run.code).toBe(3);
    // The API server's message for a refused request; a refused watch carries no message, so ours.
    const server = `forbidden: User "${USER}" cannot ${verb} resource "${resource}" in API group "${group}"`;
    const watch = `cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "perf": Forbidden \\(HTTP 403\\)`;
    expect(run.stderr).toMatch(new RegExp(`^error: .*(${server}|${watch})`, "m"));
    expect(await privateZone()).toBe("false");
  });
});

describe("without the optional PodAutoscaler rule", () => {
  it("passes, notes that the autoscaler's decisions were not watched, and reports the pods alone", async () => {
    grant(
      bindingsOf(["gate"]).map((b) => ({
        ...b,
        rules: b.rules.filter((r) => !r.resources.includes("podautoscalers")),
      })),
    );
    const run = await gateAs(["--service-name=rbac-no-pa", "--thresholds=errors < 1%"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /cannot watch the PodAutoscalers of rbac-no-pa: .*forbidden.*decisions are not reported/,
    );
    expect(run.stderr).not.toMatch(/^error: /m);
    expect(run.doc!.pods!.max.serving).toBeGreaterThanOrEqual(1);
    expect(run.doc!.pods!.timeline.some((s) => s.desired !== undefined)).toBe(false);
  });
});
