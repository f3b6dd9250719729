// The seed's flow against the simulator with the real @kubernetes/client-node: create namespace demo, create
// the helloworld-go Service, see RevisionMissing first and then Ready, find the pods and Services by their
// upstream names, call it through the gateway with its Host, roll a second revision, and delete with cascade.
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { readFileSync } from "node:fs";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from "@kubernetes/client-node";
import * as yaml from "js-yaml";
import { startSimulator, type Simulator } from "./index.js";
import { condition, hostGet, waitFor, type Cond } from "./knative/testing.js";

const SERVING = { group: "serving.knative.dev", version: "v1" };
type Obj = {
  metadata: {
    name: string;
    generation?: number;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  status?: Record<string, unknown>;
  spec?: Record<string, unknown>;
};

jest.setTimeout(60_000);
let sim: Simulator;
let core: CoreV1Api;
let apps: AppsV1Api;
let custom: CustomObjectsApi;
let kc: KubeConfig;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.1, domain: "example.com" });
  kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: "demo" } } });
});

afterAll(async () => {
  await sim?.stop();
});

const ksvc = () =>
  custom.getNamespacedCustomObject({
    ...SERVING,
    namespace: "demo",
    plural: "services",
    name: "helloworld-go",
  }) as Promise<Obj>;

describe("the seed's helloworld-go flow", () => {
  const seen: { status: string; reason?: string; message?: string }[] = [];

  it("goes from RevisionMissing to Ready, as `kn service list` showed", async () => {
    const watch = new Watch(kc);
    let done!: () => void;
    const ready = new Promise<void>((r) => (done = r));
    const req = await watch.watch(
      "/apis/serving.knative.dev/v1/namespaces/demo/services",
      {},
      (_type, obj: Obj) => {
        const c = condition(obj, "Ready");
        if (!c) return;
        const last = seen[seen.length - 1];
        if (!last || last.status !== c.status || last.reason !== c.reason)
          seen.push({ status: c.status, reason: c.reason, message: c.message });
        if (c.status === "True" && obj.status?.observedGeneration === obj.metadata.generation) done();
      },
      () => {},
    );
    const manifest = yaml.load(readFileSync("examples/helloworld-service.yaml", "utf8")) as object;
    await custom.createNamespacedCustomObject({
      ...SERVING,
      namespace: "demo",
      plural: "services",
      body: manifest,
    });
    await ready;
    req.abort();
    const firstMissing = seen.findIndex((s) => s.reason === "RevisionMissing");
    expect(firstMissing).toBeGreaterThanOrEqual(0);
    expect(seen[firstMissing]).toEqual({
      status: "Unknown",
      reason: "RevisionMissing",
      message: 'Configuration "helloworld-go" is waiting for a Revision to become ready.',
    });
    expect(seen[seen.length - 1].status).toBe("True");
    expect(seen.slice(0, firstMissing).every((s) => s.status === "Unknown")).toBe(true);
  });

  it("has upstream's status: conditions, generations, revision names, URL, address, traffic", async () => {
    const s = await ksvc();
    const st = s.status as Record<string, unknown>;
    expect(st.observedGeneration).toBe(s.metadata.generation);
    expect((st.conditions as Cond[]).map((c) => [c.type, c.status])).toEqual([
      ["ConfigurationsReady", "True"],
      ["Ready", "True"],
      ["RoutesReady", "True"],
    ]);
    expect(st.latestCreatedRevisionName).toBe("helloworld-go-00001");
    expect(st.latestReadyRevisionName).toBe("helloworld-go-00001");
    expect(st.url).toBe("http://helloworld-go.demo.example.com");
    expect(st.address).toEqual({ url: "http://helloworld-go.demo.svc.cluster.local" });
    expect(st.traffic).toEqual([{ revisionName: "helloworld-go-00001", latestRevision: true, percent: 100 }]);
    const rev = (await custom.getNamespacedCustomObject({
      ...SERVING,
      namespace: "demo",
      plural: "revisions",
      name: "helloworld-go-00001",
    })) as Obj;
    expect(rev.metadata.labels).toMatchObject({
      "serving.knative.dev/configuration": "helloworld-go",
      "serving.knative.dev/service": "helloworld-go",
      "serving.knative.dev/configurationGeneration": "1",
    });
    expect(rev.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Configuration", name: "helloworld-go" });
    expect((rev.status?.conditions as Cond[]).map((c) => c.type)).toEqual([
      "Active",
      "ContainerHealthy",
      "Ready",
      "ResourcesAvailable",
    ]);
  });

  it("runs pods and Services with upstream's names and labels", async () => {
    const pods = await waitFor("a ready pod", async () => {
      const list = await core.listNamespacedPod({
        namespace: "demo",
        labelSelector: "serving.knative.dev/service=helloworld-go",
      });
      return (
        list.items.some((p) =>
          p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        ) && list.items
      );
    });
    for (const p of pods) {
      expect(p.metadata?.name).toMatch(
        /^helloworld-go-00001-deployment-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
      );
      expect(p.metadata?.labels).toMatchObject({
        "serving.knative.dev/revision": "helloworld-go-00001",
        "serving.knative.dev/configuration": "helloworld-go",
        app: "helloworld-go",
      });
      expect(p.spec?.containers.map((c) => c.name)).toEqual(["user-container", "queue-proxy"]);
      expect(p.status?.podIP).toBe("127.0.0.1");
      expect(Number(p.metadata?.annotations?.["sim.knative-perf-gate.dev/port"])).toBeGreaterThan(0);
    }
    const svcs = (await core.listNamespacedService({ namespace: "demo" })).items
      .map((s) => s.metadata?.name)
      .sort();
    expect(svcs).toEqual(["helloworld-go", "helloworld-go-00001", "helloworld-go-00001-private"]);
    const deploy = await apps.readNamespacedDeployment({
      namespace: "demo",
      name: "helloworld-go-00001-deployment",
    });
    expect(deploy.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "Revision",
      name: "helloworld-go-00001",
    });
  });

  it("answers Hello World! through the gateway with the service's host, and 404 for an unknown host", async () => {
    const host = new URL((await ksvc()).status?.url as string).host;
    const res = await hostGet(sim.gateway, host);
    expect(res).toMatchObject({ status: 200, body: "Hello World!\n" });
    // The cluster-local name routes through the internal gateway (Kourier's kourier-internal), not the external one.
    expect((await hostGet(sim.internalGateway, "helloworld-go.demo.svc.cluster.local")).body).toBe(
      "Hello World!\n",
    );
    expect((await hostGet(sim.gateway, "helloworld-go.demo.svc.cluster.local")).status).toBe(404);
    expect((await hostGet(sim.gateway, "nope.demo.example.com")).status).toBe(404);
  });

  it("creates -00002 on a template change and moves the traffic to it", async () => {
    const s = await ksvc();
    const spec = structuredClone(s.spec) as {
      template: { spec: { containers: { env: { name: string; value: string }[] }[] } };
    };
    spec.template.spec.containers[0].env = [{ name: "TARGET", value: "Knative" }];
    await custom.patchNamespacedCustomObject({
      ...SERVING,
      namespace: "demo",
      plural: "services",
      name: "helloworld-go",
      body: [
        {
          op: "replace",
          path: "/spec/template/spec/containers/0/env",
          value: [{ name: "TARGET", value: "Knative" }],
        },
      ],
    });
    const updated = await waitFor("revision 00002 ready and routed", async () => {
      const o = await ksvc();
      const st = o.status ?? {};
      return (
        st.latestReadyRevisionName === "helloworld-go-00002" && condition(o, "Ready")?.status === "True" && o
      );
    });
    expect(updated.metadata.generation).toBe(2);
    expect(updated.status?.observedGeneration).toBe(2);
    expect(updated.status?.traffic).toEqual([
      { revisionName: "helloworld-go-00002", latestRevision: true, percent: 100 },
    ]);
    const host = new URL(updated.status?.url as string).host;
    expect((await hostGet(sim.gateway, host)).body).toBe("Hello Knative!\n");
    const old = (await custom.getNamespacedCustomObject({
      ...SERVING,
      namespace: "demo",
      plural: "revisions",
      name: "helloworld-go-00001",
    })) as Obj;
    expect(old.metadata.labels?.["serving.knative.dev/routingState"]).toBe("reserve");
  });

  it("deletes everything it created when the Service is deleted", async () => {
    await custom.deleteNamespacedCustomObject({
      ...SERVING,
      namespace: "demo",
      plural: "services",
      name: "helloworld-go",
    });
    await waitFor(
      "the cascade",
      async () => {
        const [pods, svcs, deps, revs] = await Promise.all([
          core.listNamespacedPod({ namespace: "demo" }),
          core.listNamespacedService({ namespace: "demo" }),
          apps.listNamespacedDeployment({ namespace: "demo" }),
          custom.listNamespacedCustomObject({
            ...SERVING,
            namespace: "demo",
            plural: "revisions",
          }) as Promise<{ items: unknown[] }>,
        ]);
        return pods.items.length + svcs.items.length + deps.items.length + revs.items.length === 0;
      },
      20_000,
      100,
    );
    expect((await hostGet(sim.gateway, "helloworld-go.demo.example.com")).status).toBe(404);
  });
});
