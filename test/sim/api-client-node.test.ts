// Every API verb through the real @kubernetes/client-node, against the simulated API server on loopback.

import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type KubernetesListObject,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { eventually, helloKsvc, rejectedStatus, startTestApi, type TestApi } from "./api/test-helpers.js";

const KN = { group: "serving.knative.dev", version: "v1", plural: "services" };
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

let t: TestApi;
let core: CoreV1Api;
let apps: AppsV1Api;
let custom: CustomObjectsApi;
let objects: KubernetesObjectApi;

beforeAll(async () => {
  t = await startTestApi({ bookmarkIntervalMs: 200 });
  core = t.kc.makeApiClient(CoreV1Api);
  apps = t.kc.makeApiClient(AppsV1Api);
  custom = t.kc.makeApiClient(CustomObjectsApi);
  objects = KubernetesObjectApi.makeApiClient(t.kc);
  await core.createNamespace({ body: { metadata: { name: "cn" } } });
});

afterAll(async () => {
  await t.stop();
});

describe("CoreV1Api", () => {
  it("creates, reads, lists with selectors, replaces and deletes config maps", async () => {
    await core.createNamespacedConfigMap({
      namespace: "cn",
      body: { metadata: { name: "a", labels: { app: "x" } }, data: { k: "1" } },
    });
    await core.createNamespacedConfigMap({
      namespace: "cn",
      body: { metadata: { name: "b", labels: { app: "y" } }, data: { k: "2" } },
    });
    const a = await core.readNamespacedConfigMap({ namespace: "cn", name: "a" });
    expect(a.data).toEqual({ k: "1" });
    expect(a.metadata?.uid).toBeDefined();

    const byLabel = await core.listNamespacedConfigMap({ namespace: "cn", labelSelector: "app in (y)" });
    expect(byLabel.items.map((c) => c.metadata?.name)).toEqual(["b"]);
    const byField = await core.listConfigMapForAllNamespaces({
      fieldSelector: "metadata.namespace=cn,metadata.name!=b",
    });
    expect(byField.items.map((c) => c.metadata?.name)).toEqual(["a"]);

    a.data = { k: "changed" };
    const replaced = await core.replaceNamespacedConfigMap({ namespace: "cn", name: "a", body: a });
    expect(replaced.data).toEqual({ k: "changed" });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(a.metadata?.resourceVersion));

    await core.deleteNamespacedConfigMap({ namespace: "cn", name: "b" });
    const s = await rejectedStatus(core.readNamespacedConfigMap({ namespace: "cn", name: "b" }));
    expect(s).toMatchObject({ code: 404, reason: "NotFound", message: 'configmaps "b" not found' });
  });

  it("answers 409 Conflict to a replace with a stale resourceVersion", async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: "cn",
      body: { metadata: { name: "stale" }, data: { v: "1" } },
    });
    await core.replaceNamespacedConfigMap({
      namespace: "cn",
      name: "stale",
      body: { ...cm, data: { v: "2" } },
    });
    const s = await rejectedStatus(
      core.replaceNamespacedConfigMap({ namespace: "cn", name: "stale", body: { ...cm, data: { v: "3" } } }),
    );
    expect(s.code).toBe(409);
    expect(s.reason).toBe("Conflict");
    expect(s.message).toContain("the object has been modified");
  });

  it("patches with JSON patch (the generated client's default) and merge patch", async () => {
    await core.createNamespacedConfigMap({
      namespace: "cn",
      body: { metadata: { name: "p" }, data: { a: "1" } },
    });
    await core.patchNamespacedConfigMap({
      namespace: "cn",
      name: "p",
      body: [{ op: "add", path: "/data/b", value: "2" }],
    });
    const merged = await core.patchNamespacedConfigMap(
      { namespace: "cn", name: "p", body: { data: { a: null, c: "3" } } },
      merge,
    );
    expect(merged.data).toEqual({ b: "2", c: "3" });
  });

  it("lists pods by field selector and writes pod status through the status subresource", async () => {
    await core.createNamespacedPod({
      namespace: "cn",
      body: { metadata: { name: "p1" }, spec: { containers: [{ name: "c", image: "i:1" }] } },
    });
    const pod = await core.readNamespacedPod({ namespace: "cn", name: "p1" });
    expect(pod.status?.phase).toBe("Pending");
    await core.replaceNamespacedPodStatus({
      namespace: "cn",
      name: "p1",
      body: { ...pod, status: { phase: "Running" } },
    });
    const running = await core.listNamespacedPod({ namespace: "cn", fieldSelector: "status.phase=Running" });
    expect(running.items.map((p) => p.metadata?.name)).toEqual(["p1"]);
    const pending = await core.listNamespacedPod({ namespace: "cn", fieldSelector: "status.phase=Pending" });
    expect(pending.items).toEqual([]);
  });
});

describe("AppsV1Api", () => {
  it("deletes dependents by owner reference when a deployment is deleted", async () => {
    const d = await apps.createNamespacedDeployment({
      namespace: "cn",
      body: {
        metadata: { name: "web" },
        spec: {
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "c", image: "i:1" }] },
          },
        },
      },
    });
    expect(d.spec?.replicas).toBe(1);
    const owner = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "web",
      uid: d.metadata?.uid as string,
      controller: true,
    };
    await core.createNamespacedPod({
      namespace: "cn",
      body: {
        metadata: { name: "web-1", ownerReferences: [owner] },
        spec: { containers: [{ name: "c", image: "i:1" }] },
      },
    });
    await apps.deleteNamespacedDeployment({
      namespace: "cn",
      name: "web",
      body: { propagationPolicy: "Background" },
    });
    const left = await core.listNamespacedPod({ namespace: "cn", labelSelector: "" });
    expect(left.items.map((p) => p.metadata?.name)).not.toContain("web-1");
  });
});

describe("CustomObjectsApi on serving.knative.dev", () => {
  it("creates with Knative defaults, merge-patches, writes status, and deletes", async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...KN,
      namespace: "cn",
      body: helloKsvc("hello", "cn"),
    })) as KubernetesObject & {
      spec: { template: { spec: Record<string, unknown> }; traffic: unknown[] };
    };
    expect(created.spec.template.spec.timeoutSeconds).toBe(300);
    expect(created.spec.template.spec.containerConcurrency).toBe(0);
    expect(created.spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);

    const patched = (await custom.patchNamespacedCustomObject(
      {
        ...KN,
        namespace: "cn",
        name: "hello",
        body: {
          spec: { template: { metadata: { annotations: { "autoscaling.knative.dev/target": "5" } } } },
        },
      },
      merge,
    )) as KubernetesObject;
    expect(patched.metadata?.generation).toBe(2);

    await custom.patchNamespacedCustomObjectStatus(
      {
        ...KN,
        namespace: "cn",
        name: "hello",
        body: { status: { observedGeneration: 2, conditions: [{ type: "Ready", status: "True" }] } },
      },
      merge,
    );
    const got = (await custom.getNamespacedCustomObject({ ...KN, namespace: "cn", name: "hello" })) as {
      status: { observedGeneration: number };
    };
    expect(got.status.observedGeneration).toBe(2);

    const list = (await custom.listNamespacedCustomObject({ ...KN, namespace: "cn" })) as {
      items: KubernetesObject[];
    };
    expect(list.items.map((i) => i.metadata?.name)).toEqual(["hello"]);

    await custom.deleteNamespacedCustomObject({ ...KN, namespace: "cn", name: "hello" });
    expect(
      (await rejectedStatus(custom.getNamespacedCustomObject({ ...KN, namespace: "cn", name: "hello" })))
        .code,
    ).toBe(404);
  });

  it("refuses what Knative's webhook refuses, with its message", async () => {
    const body = helloKsvc("noimage", "cn");
    (body.spec as { template: { spec: { containers: object[] } } }).template.spec.containers = [
      { name: "app" },
    ];
    const s = await rejectedStatus(custom.createNamespacedCustomObject({ ...KN, namespace: "cn", body }));
    expect(s.code).toBe(400);
    expect(s.message).toBe(
      'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: missing field(s): spec.template.spec.containers[0].image',
    );
  });
});

describe("KubernetesObjectApi", () => {
  const spec = (image: string) =>
    ({
      ...helloKsvc("applied", "cn", image),
      metadata: { name: "applied", namespace: "cn" },
    }) as KubernetesObject;

  it("creates on server-side apply, then applies changes as the same manager", async () => {
    const first = await objects.patch(
      spec("example.com/a:1"),
      undefined,
      undefined,
      "perf-gate",
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(first.metadata?.generation).toBe(1);
    const second = (await objects.patch(
      spec("example.com/a:2"),
      undefined,
      undefined,
      "perf-gate",
      true,
      PatchStrategy.ServerSideApply,
    )) as KubernetesObject & {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(second.spec.template.spec.containers[0].image).toBe("example.com/a:2");
    expect(second.metadata?.generation).toBe(2);
    const managers = (second.metadata?.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toContain("perf-gate/Apply");
  });

  it("reports a conflict with another manager unless forced", async () => {
    const s = await rejectedStatus(
      objects.patch(
        spec("example.com/a:3"),
        undefined,
        undefined,
        "someone-else",
        false,
        PatchStrategy.ServerSideApply,
      ),
    );
    expect(s.code).toBe(409);
    expect(s.message).toBe(
      'Apply failed with 1 conflict: conflict with "perf-gate": .spec.template.spec.containers',
    );
    const forced = (await objects.patch(
      spec("example.com/a:3"),
      undefined,
      undefined,
      "someone-else",
      true,
      PatchStrategy.ServerSideApply,
    )) as KubernetesObject;
    expect(forced.metadata?.managedFields?.find((m) => m.manager === "someone-else")).toBeDefined();
  });

  it("reads, lists and deletes any kind by apiVersion and kind", async () => {
    const read = await objects.read({
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "applied", namespace: "cn" },
    });
    expect(read.kind).toBe("Service");
    const list = await objects.list("serving.knative.dev/v1", "Service", "cn");
    expect(list.items.map((i) => i.metadata?.name)).toContain("applied");
    await objects.delete(read);
    expect((await rejectedStatus(objects.read(read as Parameters<typeof objects.read>[0]))).code).toBe(404);
  });
});

describe("Watch", () => {
  type Seen = { type: string; name?: string; rv?: string };

  function watchInto(
    path: string,
    params: Record<string, string | boolean | undefined>,
    seen: Seen[],
    done: (err: unknown) => void,
  ) {
    return new Watch(t.kc).watch(
      path,
      params,
      (type, obj: KubernetesObject) =>
        seen.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion }),
      done,
    );
  }

  it("streams events from a resourceVersion and sends bookmarks", async () => {
    const start = await core.listNamespacedConfigMap({ namespace: "cn" });
    const seen: Seen[] = [];
    const ctl = await watchInto(
      "/api/v1/namespaces/cn/configmaps",
      { resourceVersion: start.metadata?.resourceVersion, allowWatchBookmarks: true },
      seen,
      () => {},
    );
    await core.createNamespacedConfigMap({ namespace: "cn", body: { metadata: { name: "w1" } } });
    await core.deleteNamespacedConfigMap({ namespace: "cn", name: "w1" });
    await eventually(() =>
      seen.some((e) => e.type === "BOOKMARK") && seen.some((e) => e.type === "DELETED") ? true : undefined,
    );
    ctl.abort();
    expect(seen.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type} ${e.name}`)).toEqual([
      "ADDED w1",
      "DELETED w1",
    ]);
  });

  it("resumes after an API server restart without losing events", async () => {
    const start = await custom.listNamespacedCustomObject({ ...KN, namespace: "cn" });
    let rv = (start as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const seen: Seen[] = [];
    let ended = false;
    await watchInto(
      "/apis/serving.knative.dev/v1/namespaces/cn/services",
      { resourceVersion: rv },
      seen,
      () => (ended = true),
    );
    await custom.createNamespacedCustomObject({ ...KN, namespace: "cn", body: helloKsvc("before", "cn") });
    await eventually(() => (seen.length === 1 ? true : undefined));
    rv = seen[0].rv as string;

    await t.server.restart();
    await eventually(() => (ended ? true : undefined));
    t.store.create("serving.knative.dev/services", helloKsvc("during", "cn") as never);

    const ctl = await watchInto(
      "/apis/serving.knative.dev/v1/namespaces/cn/services",
      { resourceVersion: rv },
      seen,
      () => {},
    );
    await custom.createNamespacedCustomObject({ ...KN, namespace: "cn", body: helloKsvc("after", "cn") });
    await eventually(() => (seen.length === 3 ? true : undefined));
    ctl.abort();
    expect(seen.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED before", "ADDED during", "ADDED after"]);
  });

  it("sends a 410 Expired ERROR event for a compacted resourceVersion", async () => {
    const old = (await core.listNamespacedConfigMap({ namespace: "cn" })).metadata?.resourceVersion;
    await core.createNamespacedConfigMap({ namespace: "cn", body: { metadata: { name: "after-expiry" } } });
    t.server.expireWatches();
    const events: { type: string; obj: { code?: number; reason?: string } }[] = [];
    let ended = false;
    await new Watch(t.kc).watch(
      "/api/v1/namespaces/cn/configmaps",
      { resourceVersion: old },
      (type, obj) => events.push({ type, obj }),
      () => (ended = true),
    );
    await eventually(() => (ended ? true : undefined));
    expect(events).toEqual([
      { type: "ERROR", obj: expect.objectContaining({ code: 410, reason: "Expired" }) },
    ]);
  });

  it("keeps an informer in sync across a restart and an expired history (relist on 410)", async () => {
    await core.createNamespace({ body: { metadata: { name: "inf" } } });
    const list = () =>
      custom.listNamespacedCustomObject({ ...KN, namespace: "inf" }) as Promise<
        KubernetesListObject<KubernetesObject>
      >;
    const informer = makeInformer(t.kc, "/apis/serving.knative.dev/v1/namespaces/inf/services", list);
    const added = new Set<string>();
    const errors: unknown[] = [];
    informer.on("add", (o) => added.add(o.metadata?.name as string));
    // While the server restarts the informer's reconnect is refused; it reports an error and stops, and the
    // documented remedy is to start it again.
    // Once the test stops the informer, an error (the server going away at the end) must not start it again:
    // a restart loop against a closed server kept the whole jest run alive after its last test.
    let stopped = false;
    let restart: NodeJS.Timeout | undefined;
    informer.on("error", (e) => {
      errors.push(e);
      if (!stopped) restart = setTimeout(() => void informer.start(), 100);
    });
    await informer.start();
    try {
      const create = (name: string) =>
        t.store.create("serving.knative.dev/services", helloKsvc(name, "inf") as never);
      create("a1");
      await eventually(() => (added.has("a1") ? true : undefined));
      await t.server.restart();
      create("a2");
      await eventually(() => (added.has("a2") ? true : undefined));
      const errorsAfterRestart = errors.length;
      t.server.expireWatches();
      create("a3");
      await eventually(() => (added.has("a3") ? true : undefined));
      expect(errors.length).toBe(errorsAfterRestart);
      expect(
        informer
          .list()
          .map((o) => o.metadata?.name)
          .sort(),
      ).toEqual(["a1", "a2", "a3"]);
    } finally {
      stopped = true;
      clearTimeout(restart);
      await informer.stop();
    }
  });
});
