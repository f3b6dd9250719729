// Never delete what we did not create: a Service with the same name that someone deployed beforehand (here
// with client-node, as kubectl would, without our managed-by label) is refused without update-existing, and
// with update-existing: true it is updated and load-tested but never deleted; a namespace that existed is
// never deleted either.
import { KubeConfig, KubernetesObjectApi, CoreV1Api } from "@kubernetes/client-node";
import {
  auditLog,
  clearAudit,
  cli,
  freshNamespace,
  gateArgs,
  startSim,
  workDir,
  WRITE_VERBS,
  type Sim,
} from "./harness.js";

let sim: Sim;
let objects: KubernetesObjectApi;
let core: CoreV1Api;
beforeAll(async () => {
  sim = await startSim({ profile: "ask" });
  const kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfig);
  objects = KubernetesObjectApi.makeApiClient(kc);
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await sim?.stop();
});

interface ServiceObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    uid?: string;
  };
  spec: { template: { spec: { containers: Array<{ image: string }> } } };
}

const USER_IMAGE = "registry.cn-hangzhou.aliyuncs.com/knative-sample/helloworld-go:users-own";

/** The user's own namespace and Service, deployed before the gate runs. */
async function usersService(namespace: string): Promise<ServiceObject> {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return objects.create<ServiceObject>({
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name: "helloworld-go", namespace, labels: { team: "payments" } },
    spec: { template: { spec: { containers: [{ image: USER_IMAGE }] } } },
  });
}

async function readService(namespace: string): Promise<ServiceObject | undefined> {
  try {
    return await objects.read<ServiceObject>({
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "helloworld-go", namespace },
    });
  } catch {
    return undefined;
  }
}

describe("a Service with the same name that the user deployed", () => {
  it("is refused without update-existing: exit 3, the way out named, nothing written", async () => {
    const namespace = freshNamespace();
    const before = await usersService(namespace);
    await clearAudit(sim);
    const run = await cli(sim, gateArgs(sim, workDir(), [`--namespace=${namespace}`, "--teardown=always"]));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      new RegExp(
        `^error: service ${namespace}/helloworld-go already exists and was not deployed by knative-perf-gate; set update-existing: true`,
        "m",
      ),
    );
    // create-namespace asks for the namespace (409: it exists); nothing else is written, nothing succeeds.
    const writes = (await auditLog(sim)).filter((e) => WRITE_VERBS.has(e.verb));
    expect(writes.filter((e) => e.resource !== "namespaces")).toEqual([]);
    expect(writes.filter((e) => e.status < 300)).toEqual([]);
    const after = await readService(namespace);
    // Knative's controllers keep writing its status; its spec is the user's, untouched.
    expect(after?.metadata.generation).toBe(before.metadata.generation);
    expect(after?.spec.template.spec.containers[0].image).toBe(USER_IMAGE);
    expect(after?.metadata.labels).toEqual({ team: "payments" });
  });

  it("with update-existing: updated and load-tested, never deleted, not relabelled; its namespace stays", async () => {
    const namespace = freshNamespace();
    const before = await usersService(namespace);
    await clearAudit(sim);
    const run = await cli(
      sim,
      gateArgs(sim, workDir(), [
        `--namespace=${namespace}`,
        "--update-existing",
        "--teardown=always",
        "--thresholds=errors < 1%",
      ]),
    );
    expect(run.stderr).not.toMatch(/^error: /m);
    expect(run.code).toBe(0);
    expect(run.doc!.service.created).toBe(false);
    expect(run.doc!.load!.requests).toBeGreaterThan(0);
    const after = await readService(namespace);
    expect(after).toBeDefined();
    expect(after!.metadata.uid).toBe(before.metadata.uid);
    // The manifest's image was applied over the user's: that is what update-existing means.
    expect(after!.spec.template.spec.containers[0].image).not.toBe(USER_IMAGE);
    expect(after!.metadata.labels?.["app.kubernetes.io/managed-by"]).toBeUndefined();
    const deletes = (await auditLog(sim)).filter((e) => e.verb === "delete");
    expect(deletes).toEqual([]);
    const ns = await core.readNamespace({ name: namespace });
    expect(ns.status?.phase).toBe("Active");
  });
});
