// The real kubectl against the simulated API server: the seed's flow (namespace, apply the Knative Service,
// get ksvc table, wait, pods and services, delete with cascade) and every verb kubectl users reach for.

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { findKubectl, runKubectl, type KubectlResult } from "./api/kubectl.js";
import { startTestApi, type TestApi } from "./api/test-helpers.js";
import { selfSignedCert } from "./api/tls.js";
import type { K8sObject } from "./store.js";

const KSVC = "serving.knative.dev/services";
const bin = findKubectl();
// Locally a missing tool skips its tests (with a warning); in CI (scripts/install-tools.sh installs kubectl,
// the runner image has openssl) it fails: a green CI must have run them.
const inCi = Boolean(process.env.CI);
if (!bin && !inCi)
  console.warn("kubectl not found ($KUBECTL, $PATH, /usr/bin, /usr/local/bin): skipping the kubectl tests");
const describeKubectl = bin ? describe : describe.skip;
const tlsDir = mkdtempSync(join(tmpdir(), "kpg-sim-tls-"));
/** A certificate for the https API server of the RBAC test; undefined when openssl is missing. */
const tls = bin ? selfSignedCert(tlsDir) : undefined;
if (bin && !tls && !inCi) console.warn("openssl not found: skipping the kubectl RBAC test");

(inCi ? describe : describe.skip)("the tools these tests drive, in CI", () => {
  it("kubectl and openssl are installed", () => {
    expect(bin ? "kubectl found" : "kubectl not found ($KUBECTL, $PATH, /usr/bin, /usr/local/bin)").toBe(
      "kubectl found",
    );
    expect(tls ? "openssl made a certificate" : "openssl not found").toBe("openssl made a certificate");
  });
});

let t: TestApi;

async function kubectl(...args: string[]): Promise<KubectlResult> {
  return runKubectl(bin as string, t.kubeconfig, args);
}

/** Runs kubectl and expects success, returning stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function rows(table: string): string[][] {
  return table
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s{2,}/));
}

function setStatus(name: string, status: object): void {
  const o = t.store.mustGet(KSVC, "demo", name);
  t.store.update(KSVC, { ...o, status }, { subresource: "status" });
}

beforeAll(async () => {
  t = await startTestApi({ bookmarkIntervalMs: 500 });
});

afterAll(async () => {
  await t?.stop();
});

describeKubectl("kubectl against the simulator", () => {
  it("sees the server version and the Knative resources with their short names", async () => {
    expect(await ok("version", "-o", "json")).toContain('"gitVersion": "v1.32.0-knative-sim"');
    const resources = rows(await ok("api-resources", "--api-group=serving.knative.dev"));
    expect(resources).toContainEqual([
      "services",
      "kservice,ksvc",
      "serving.knative.dev/v1",
      "true",
      "Service",
    ]);
    expect(resources).toContainEqual(["revisions", "rev", "serving.knative.dev/v1", "true", "Revision"]);
  });

  it("creates the namespace and applies the seed's Knative Service with default validation", async () => {
    expect(await ok("create", "namespace", "demo")).toBe("namespace/demo created\n");
    const out = await ok(
      "apply",
      "-n",
      "demo",
      "-f",
      join(process.cwd(), "examples/helloworld-service.yaml"),
    );
    expect(out).toBe("service.serving.knative.dev/helloworld-go created\n");
    // Knative's webhook defaults the containers list, which a JSON merge patch replaces as a whole: kubectl sends
    // a patch (and says "configured") though nothing changes; the generation stays 1.
    await ok("apply", "-n", "demo", "-f", join(process.cwd(), "examples/helloworld-service.yaml"));
    expect(t.store.mustGet(KSVC, "demo", "helloworld-go").metadata.generation).toBe(1);
  });

  it("refuses a manifest with a misspelt field, as kubectl's strict field validation asks", async () => {
    const file = join(t.dir, "typo.yaml");
    const manifest = readFileSync(join(process.cwd(), "examples/helloworld-service.yaml"), "utf8");
    writeFileSync(file, manifest.replace("name: helloworld-go", "name: typo").replace("image:", "imagee:"));
    const r = await kubectl("apply", "-n", "demo", "-f", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.template.spec.containers[0].imagee"',
    );
  });

  it("prints ksvc with upstream's printer columns", async () => {
    setStatus("helloworld-go", {
      observedGeneration: 1,
      conditions: [
        { type: "ConfigurationsReady", status: "Unknown", reason: "RevisionMissing" },
        { type: "Ready", status: "Unknown", reason: "RevisionMissing" },
        { type: "RoutesReady", status: "Unknown", reason: "RevisionMissing" },
      ],
      latestCreatedRevisionName: "helloworld-go-00001",
      url: "http://helloworld-go.demo.svc.cluster.local",
    });
    const [header, row] = rows(await ok("get", "ksvc", "-n", "demo"));
    expect(header).toEqual(["NAME", "URL", "LATESTCREATED", "LATESTREADY", "READY", "REASON", "AGE"]);
    expect(row.slice(0, 2)).toEqual(["helloworld-go", "http://helloworld-go.demo.svc.cluster.local"]);
    expect(row.slice(2, 5)).toEqual(["helloworld-go-00001", "Unknown", "RevisionMissing"]);
  });

  it("gets as JSON and YAML with Knative's defaults filled in", async () => {
    const json = JSON.parse(
      await ok("get", "ksvc", "helloworld-go", "-n", "demo", "-o", "json"),
    ) as K8sObject;
    const spec = json.spec as {
      template: { spec: { containers: { name: string }[]; timeoutSeconds: number } };
    };
    expect(spec.template.spec.containers[0].name).toBe("user-container");
    expect(spec.template.spec.timeoutSeconds).toBe(300);
    const doc = yaml.load(await ok("get", "ksvc/helloworld-go", "-n", "demo", "-o", "yaml")) as K8sObject;
    expect(doc.metadata.annotations?.["serving.knative.dev/creator"]).toBe("kubernetes-admin");
  });

  it("waits for Ready through a watch", async () => {
    const waiting = kubectl(
      "wait",
      "--for=condition=Ready",
      "ksvc/helloworld-go",
      "-n",
      "demo",
      "--timeout=10s",
    );
    setTimeout(
      () =>
        setStatus("helloworld-go", {
          observedGeneration: 1,
          conditions: [{ type: "Ready", status: "True" }],
        }),
      300,
    );
    const r = await waiting;
    expect(r).toMatchObject({ code: 0, stdout: "service.serving.knative.dev/helloworld-go condition met\n" });
  });

  it("patches (merge and JSON) and shows the webhook's refusal of a bad annotation", async () => {
    await ok(
      "patch",
      "ksvc",
      "helloworld-go",
      "-n",
      "demo",
      "--type",
      "merge",
      "-p",
      '{"metadata":{"labels":{"team":"perf"}}}',
    );
    await ok(
      "patch",
      "ksvc",
      "helloworld-go",
      "-n",
      "demo",
      "--type",
      "json",
      "-p",
      '[{"op":"replace","path":"/spec/template/spec/containers/0/env/0/value","value":"Sim"}]',
    );
    const o = t.store.mustGet(KSVC, "demo", "helloworld-go");
    expect(o.metadata.labels).toEqual({ team: "perf" });
    expect(o.metadata.generation).toBe(2);
    const bad = await kubectl(
      "patch",
      "ksvc",
      "helloworld-go",
      "-n",
      "demo",
      "--type",
      "merge",
      "-p",
      '{"spec":{"template":{"metadata":{"annotations":{"autoscaling.knative.dev/window":"2s"}}}}}',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'Error from server (BadRequest): admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: expected 6s <= 2s <= 1h0m0s: spec.template.metadata.annotations.autoscaling.knative.dev/window',
    );
  });

  it("labels, annotates and selects by label and field", async () => {
    await ok("label", "ksvc", "helloworld-go", "-n", "demo", "tier=web");
    await ok("annotate", "ksvc", "helloworld-go", "-n", "demo", "note=sim");
    expect(await ok("get", "ksvc", "-A", "-l", "tier=web", "-o", "name")).toBe(
      "service.serving.knative.dev/helloworld-go\n",
    );
    expect(await ok("get", "ksvc", "-A", "-l", "tier!=web", "-o", "name")).toBe("");
    expect(
      await ok("get", "ksvc", "-n", "demo", "--field-selector", "metadata.name=helloworld-go", "-o", "name"),
    ).toBe("service.serving.knative.dev/helloworld-go\n");
  });

  it("server-side applies, and reports a conflict with another field manager", async () => {
    const file = join(t.dir, "ssa.yaml");
    writeFileSync(
      file,
      yaml.dump({
        apiVersion: "serving.knative.dev/v1",
        kind: "Service",
        metadata: { name: "ssa", namespace: "demo" },
        spec: { template: { spec: { containers: [{ image: "example.com/ssa:1" }] } } },
      }),
    );
    expect(await ok("apply", "--server-side", "-f", file)).toBe(
      "service.serving.knative.dev/ssa serverside-applied\n",
    );
    writeFileSync(
      file,
      yaml.dump({
        apiVersion: "serving.knative.dev/v1",
        kind: "Service",
        metadata: { name: "ssa", namespace: "demo" },
        spec: { template: { spec: { containers: [{ image: "example.com/ssa:2" }] } } },
      }),
    );
    const conflict = await kubectl("apply", "--server-side", "--field-manager", "other", "-f", file);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl": .spec.template.spec.containers',
    );
    await ok("apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", file);
    expect(
      await ok(
        "get",
        "ksvc",
        "ssa",
        "-n",
        "demo",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
      ),
    ).toBe("example.com/ssa:2");
  });

  it("answers a replace with a stale resourceVersion with 409 Conflict", async () => {
    const current = JSON.parse(await ok("get", "ksvc", "ssa", "-n", "demo", "-o", "json")) as K8sObject;
    await ok("label", "ksvc", "ssa", "-n", "demo", "bump=1");
    const file = join(t.dir, "stale.json");
    writeFileSync(file, JSON.stringify(current));
    const r = await kubectl("replace", "-f", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error from server (Conflict)");
    expect(r.stderr).toContain(
      "the object has been modified; please apply your changes to the latest version and try again",
    );
  });

  it("shows pods and services with kubectl's columns, and cascades a delete through owner references", async () => {
    const ksvc = t.store.mustGet(KSVC, "demo", "helloworld-go");
    const owner = (o: K8sObject) => [
      {
        apiVersion: o.apiVersion as string,
        kind: o.kind as string,
        name: o.metadata.name as string,
        uid: o.metadata.uid as string,
        controller: true,
      },
    ];
    const deploy = t.store.create("apps/deployments", {
      metadata: { name: "helloworld-go-00001-deployment", namespace: "demo", ownerReferences: owner(ksvc) },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "helloworld-go-00001" } },
        template: { spec: { containers: [{ name: "user-container", image: "i:1" }] } },
      },
    });
    const pod = t.store.create("/pods", {
      metadata: {
        name: "helloworld-go-00001-deployment-5d8f9c7b6-abcde",
        namespace: "demo",
        labels: { app: "helloworld-go-00001" },
        ownerReferences: owner(deploy),
      },
      spec: {
        containers: [
          { name: "user-container", image: "i:1" },
          { name: "queue-proxy", image: "q:1" },
        ],
      },
    });
    t.store.update(
      "/pods",
      {
        ...pod,
        status: {
          phase: "Running",
          containerStatuses: [
            { name: "user-container", ready: true, restartCount: 0, state: { running: {} } },
            { name: "queue-proxy", ready: true, restartCount: 0, state: { running: {} } },
          ],
        },
      },
      { subresource: "status" },
    );
    t.store.create("/services", {
      metadata: { name: "helloworld-go-00001", namespace: "demo", ownerReferences: owner(ksvc) },
      spec: { ports: [{ name: "http", port: 80, targetPort: 8012 }] },
    });

    const pods = rows(await ok("get", "pods", "-n", "demo"));
    expect(pods[0]).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    expect(pods[1].slice(0, 4)).toEqual([
      "helloworld-go-00001-deployment-5d8f9c7b6-abcde",
      "2/2",
      "Running",
      "0",
    ]);
    const svcs = rows(await ok("get", "svc", "-n", "demo"));
    expect(svcs[0]).toEqual(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
    expect(svcs[1][0]).toBe("helloworld-go-00001");
    expect(svcs[1][2]).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(svcs[1][4]).toBe("80/TCP");
    expect(
      await ok("get", "pods", "-n", "demo", "--field-selector", "status.phase=Running", "-o", "name"),
    ).toBe("pod/helloworld-go-00001-deployment-5d8f9c7b6-abcde\n");

    expect(await ok("delete", "ksvc", "helloworld-go", "-n", "demo")).toBe(
      'service.serving.knative.dev "helloworld-go" deleted\n',
    );
    expect(await ok("get", "pods,svc,deploy", "-n", "demo", "-o", "name")).toBe("");
  });

  it("creates config maps and secrets (kubectl sends protobuf for these)", async () => {
    await ok("create", "configmap", "cfg", "-n", "demo", "--from-literal=a=b");
    await ok("create", "secret", "generic", "sec", "-n", "demo", "--from-literal=p=q");
    expect(t.store.mustGet("/configmaps", "demo", "cfg").data).toEqual({ a: "b" });
    const sec = t.store.mustGet("/secrets", "demo", "sec");
    expect(sec).toMatchObject({ type: "Opaque", data: { p: Buffer.from("q").toString("base64") } });
  });

  it("scales a deployment through the scale subresource", async () => {
    t.store.create("apps/deployments", {
      metadata: { name: "scaled", namespace: "demo" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "scaled" } },
        template: { spec: { containers: [{ name: "c", image: "i:1" }] } },
      },
    });
    expect(await ok("scale", "deployment", "scaled", "-n", "demo", "--replicas=3")).toBe(
      "deployment.apps/scaled scaled\n",
    );
    expect(t.store.mustGet("apps/deployments", "demo", "scaled").spec).toMatchObject({ replicas: 3 });
  });

  it("deletes the namespace and everything in it", async () => {
    expect(await ok("delete", "namespace", "demo")).toBe('namespace "demo" deleted\n');
    expect(t.store.get("/namespaces", undefined, "demo")).toBeUndefined();
    expect(t.store.list(KSVC, "demo").items).toEqual([]);
    const r = await kubectl("get", "ns", "demo");
    expect(r.stderr).toContain('Error from server (NotFound): namespaces "demo" not found');
  });
});

(tls ? describeKubectl : describe.skip)(
  "kubectl with a least-privilege user (https: kubectl sends tokens only over TLS)",
  () => {
    let secure: TestApi | undefined;

    beforeAll(async () => {
      secure = await startTestApi({
        tls,
        token: "ci-token",
        auth: {
          tokens: { "ci-token": "ci" },
          bindings: {
            ci: [
              {
                namespace: "default",
                rules: [
                  {
                    apiGroups: ["serving.knative.dev"],
                    resources: ["services"],
                    verbs: ["get", "list", "watch"],
                  },
                ],
              },
            ],
          },
        },
      });
    });

    afterAll(async () => {
      await secure?.stop();
      rmSync(tlsDir, { recursive: true, force: true });
    });

    it("is refused what its rules do not allow, with the apiserver's message", async () => {
      if (!secure) throw new Error("the https API server did not start");
      const as = (...args: string[]) => runKubectl(bin as string, secure?.kubeconfig as string, args);
      expect(await as("get", "ksvc", "-n", "default")).toMatchObject({
        code: 0,
        stderr: "No resources found in default namespace.\n",
      });
      const denied = await as("get", "pods", "-n", "default");
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain(
        'Error from server (Forbidden): pods is forbidden: User "ci" cannot list resource "pods" in API group "" in the namespace "default"',
      );
      const write = await as(
        "apply",
        "-n",
        "default",
        "-f",
        join(process.cwd(), "examples/helloworld-service.yaml"),
      );
      expect(write.stderr).toContain('User "ci" cannot');
      expect(secure.server.audit.list({ verb: "create" }).map((e) => e.status)).toEqual([403]);
      expect(secure.server.audit.writes()).toEqual([]);
    });
  },
);
