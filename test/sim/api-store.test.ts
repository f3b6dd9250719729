import { describe, expect, it } from "@jest/globals";
import { Store, StatusError, type ChangeEvent, type K8sObject, type WatchEvent } from "./store.js";

const KSVC = "serving.knative.dev/services";

function ksvc(name: string, image = "example.com/app:1", ns = "default"): K8sObject {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: { template: { spec: { containers: [{ image }] } } },
  };
}

function pod(name: string, ownerUid?: string, ns = "default", labels?: Record<string, string>): K8sObject {
  return {
    metadata: {
      name,
      namespace: ns,
      labels,
      ownerReferences: ownerUid
        ? [{ apiVersion: "apps/v1", kind: "Deployment", name: "d", uid: ownerUid }]
        : undefined,
    },
    spec: { containers: [{ name: "c", image: "i" }] },
  };
}

function statusOf(fn: () => unknown): { code: number; reason: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return { code: e.code, reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error("expected a StatusError");
}

describe("Store create/get/list", () => {
  it("fills metadata, bumps one global resourceVersion and returns copies", () => {
    const s = new Store();
    const rv0 = Number(s.currentResourceVersion());
    const created = s.create(KSVC, ksvc("hello"));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(created.metadata.resourceVersion)).toBe(rv0 + 1);
    expect(created.kind).toBe("Service");
    created.metadata.labels = { mutated: "yes" };
    expect(s.get(KSVC, "default", "hello")?.metadata.labels).toBeUndefined();
    s.create("/configmaps", { metadata: { name: "cm", namespace: "default" }, data: { a: "1" } });
    expect(s.currentResourceVersion()).toBe(String(rv0 + 2));
  });

  it("answers AlreadyExists, NotFound for a missing namespace, Invalid for bad names", () => {
    const s = new Store();
    s.create(KSVC, ksvc("hello"));
    expect(statusOf(() => s.create(KSVC, ksvc("hello")))).toEqual({
      code: 409,
      reason: "AlreadyExists",
      message: 'services.serving.knative.dev "hello" already exists',
    });
    expect(statusOf(() => s.create(KSVC, ksvc("x", "i", "nope")))).toMatchObject({
      code: 404,
      message: 'namespaces "nope" not found',
    });
    const bad = statusOf(() =>
      s.create("/configmaps", { metadata: { name: "Bad_Name", namespace: "default" } }),
    );
    expect(bad.code).toBe(422);
    expect(bad.message).toMatch(
      /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  it("generates names from generateName", () => {
    const s = new Store();
    const o = s.create("/pods", { metadata: { generateName: "web-", namespace: "default" }, spec: {} });
    expect(o.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it("filters lists by label and field selectors", () => {
    const s = new Store();
    s.create("/pods", pod("a", undefined, "default", { app: "x", tier: "web" }));
    s.create("/pods", pod("b", undefined, "default", { app: "y" }));
    s.create("/pods", pod("c", undefined, "kube-system", { app: "x" }));
    const names = (ns: string | undefined, opts: object) =>
      s.list("/pods", ns, opts).items.map((p) => p.metadata.name);
    expect(names(undefined, { labelSelector: "app=x" })).toEqual(["a", "c"]);
    expect(names("default", { labelSelector: "app in (x,y),!tier" })).toEqual(["b"]);
    expect(names(undefined, { labelSelector: "app!=x" })).toEqual(["b"]);
    expect(names(undefined, { labelSelector: "tier" })).toEqual(["a"]);
    expect(names(undefined, { fieldSelector: "metadata.name=b" })).toEqual(["b"]);
    expect(names(undefined, { fieldSelector: "metadata.namespace!=default" })).toEqual(["c"]);
    expect(statusOf(() => s.list("/pods", undefined, { fieldSelector: "spec.bogus=1" }))).toMatchObject({
      code: 400,
      message: "field label not supported: spec.bogus",
    });
  });
});

describe("Store update", () => {
  it("rejects a stale resourceVersion with 409 Conflict", () => {
    const s = new Store();
    const v1 = s.create(KSVC, ksvc("hello"));
    s.update(KSVC, { ...v1, metadata: { ...v1.metadata, labels: { a: "b" } } });
    const e = statusOf(() => s.update(KSVC, { ...v1, metadata: { ...v1.metadata, labels: { a: "c" } } }));
    expect(e).toEqual({
      code: 409,
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on services.serving.knative.dev "hello": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it("bumps generation on spec changes only and keeps status out of main-resource writes", () => {
    const s = new Store();
    const v1 = s.create(KSVC, ksvc("hello"));
    const labelled = s.update(KSVC, { ...v1, metadata: { ...v1.metadata, labels: { a: "b" } } });
    expect(labelled.metadata.generation).toBe(1);
    const withStatus = s.update(
      KSVC,
      { ...labelled, status: { observedGeneration: 1 } },
      { subresource: "status" },
    );
    expect(withStatus.status).toEqual({ observedGeneration: 1 });
    expect(withStatus.metadata.generation).toBe(1);
    const changed = s.update(KSVC, { ...ksvc("hello", "example.com/app:2"), status: { bogus: true } });
    expect(changed.metadata.generation).toBe(2);
    expect(changed.status).toEqual({ observedGeneration: 1 });
    expect(changed.metadata.labels).toBeUndefined();
  });

  it("does not write or notify for a no-op update", () => {
    const s = new Store();
    const v1 = s.create(KSVC, ksvc("hello"));
    const events: ChangeEvent[] = [];
    s.subscribe((e) => events.push(e));
    expect(s.update(KSVC, v1).metadata.resourceVersion).toBe(v1.metadata.resourceVersion);
    expect(events).toEqual([]);
  });
});

describe("Store delete", () => {
  it("cascades to dependents in the background, recursively", () => {
    const s = new Store();
    const d = s.create("apps/deployments", { metadata: { name: "d", namespace: "default" }, spec: {} });
    const p = s.create("/pods", pod("p1", d.metadata.uid));
    s.create("/pods", { ...pod("grandchild", p.metadata.uid) });
    s.create("/pods", pod("unrelated"));
    s.delete("apps/deployments", "default", "d");
    expect(s.list("/pods", "default").items.map((o) => o.metadata.name)).toEqual(["unrelated"]);
  });

  it("keeps dependents without the owner reference on Orphan", () => {
    const s = new Store();
    const d = s.create("apps/deployments", { metadata: { name: "d", namespace: "default" }, spec: {} });
    s.create("/pods", pod("p1", d.metadata.uid));
    s.delete("apps/deployments", "default", "d", { propagationPolicy: "Orphan" });
    expect(s.get("/pods", "default", "p1")?.metadata.ownerReferences).toBeUndefined();
  });

  it("removes the owner after its dependents on Foreground", () => {
    const s = new Store();
    const d = s.create("apps/deployments", { metadata: { name: "d", namespace: "default" }, spec: {} });
    s.create("/pods", pod("p1", d.metadata.uid));
    const order: string[] = [];
    s.subscribe((e) => e.type === "DELETED" && order.push(e.object.metadata.name as string));
    s.delete("apps/deployments", "default", "d", { propagationPolicy: "Foreground" });
    expect(order).toEqual(["p1", "d"]);
  });

  it("lets a delete hook defer removal until finishDelete (Terminating pods)", () => {
    const s = new Store();
    s.create("/pods", pod("p1"));
    s.setDeleteHook("/pods", () => "deferred");
    const terminating = s.delete("/pods", "default", "p1");
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(terminating.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(s.get("/pods", "default", "p1")).toBeDefined();
    s.finishDelete("/pods", "default", "p1");
    expect(s.get("/pods", "default", "p1")).toBeUndefined();
  });

  it("holds objects with finalizers until the last one is removed", () => {
    const s = new Store();
    s.create("/configmaps", { metadata: { name: "c", namespace: "default", finalizers: ["x/y"] } });
    s.delete("/configmaps", "default", "c");
    const held = s.get("/configmaps", "default", "c") as K8sObject;
    expect(held.metadata.deletionTimestamp).toBeDefined();
    s.update("/configmaps", { ...held, metadata: { ...held.metadata, finalizers: [] } });
    expect(s.get("/configmaps", "default", "c")).toBeUndefined();
  });

  it("terminates a namespace: contents first, then the namespace; no new content meanwhile", () => {
    const s = new Store();
    s.create("/namespaces", { metadata: { name: "demo" } });
    s.create(KSVC, ksvc("hello", "i", "demo"));
    s.create("/pods", pod("p1", undefined, "demo"));
    s.setDeleteHook("/pods", () => "deferred");
    s.delete("/namespaces", undefined, "demo");
    expect(s.get(KSVC, "demo", "hello")).toBeUndefined();
    expect(s.get("/namespaces", undefined, "demo")?.status).toEqual({ phase: "Terminating" });
    expect(
      statusOf(() => s.create("/configmaps", { metadata: { name: "c", namespace: "demo" } })),
    ).toMatchObject({
      code: 403,
      message:
        'configmaps "c" is forbidden: unable to create new content in namespace demo because it is being terminated',
    });
    s.finishDelete("/pods", "demo", "p1");
    expect(s.get("/namespaces", undefined, "demo")).toBeUndefined();
  });
});

describe("Store watch", () => {
  it("starts with ADDED for existing objects, then streams changes", () => {
    const s = new Store();
    s.create(KSVC, ksvc("a"));
    const seen: string[] = [];
    const stop = s.watch(KSVC, "default", undefined, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
    const b = s.create(KSVC, ksvc("b"));
    s.update(KSVC, { ...b, metadata: { ...b.metadata, labels: { x: "y" } } });
    s.delete(KSVC, "default", "a");
    stop();
    s.create(KSVC, ksvc("c"));
    expect(seen).toEqual(["ADDED a", "ADDED b", "MODIFIED b", "DELETED a"]);
  });

  it("replays history after a resourceVersion and answers 410 Expired once history is gone", () => {
    const s = new Store({ historyLimit: 3 });
    const a = s.create(KSVC, ksvc("a"));
    s.create(KSVC, ksvc("b"));
    const seen: WatchEvent[] = [];
    s.watch(KSVC, undefined, a.metadata.resourceVersion, (e) => seen.push(e))();
    expect(seen.map((e) => e.object.metadata.name)).toEqual(["b"]);
    for (const n of ["c", "d", "e"]) s.create(KSVC, ksvc(n));
    expect(statusOf(() => s.watch(KSVC, undefined, a.metadata.resourceVersion, () => {}))).toMatchObject({
      code: 410,
      reason: "Expired",
    });
    const now = s.currentResourceVersion();
    s.expireHistory();
    expect(() => s.watch(KSVC, undefined, now, () => {})()).not.toThrow();
    expect(statusOf(() => s.watch(KSVC, undefined, String(Number(now) - 1), () => {})).code).toBe(410);
  });

  it("turns selector transitions into ADDED and DELETED", () => {
    const s = new Store();
    const p = s.create("/pods", pod("p", undefined, "default", { app: "x" }));
    const seen: string[] = [];
    s.watch("/pods", "default", p.metadata.resourceVersion, (e) => seen.push(e.type), {
      labelSelector: "app=y",
    });
    const moved = s.update("/pods", { ...p, metadata: { ...p.metadata, labels: { app: "y" } } });
    s.update("/pods", { ...moved, metadata: { ...moved.metadata, labels: { app: "z" } } });
    expect(seen).toEqual(["ADDED", "DELETED"]);
  });

  it("delivers nested writes from subscribers in resourceVersion order", () => {
    const s = new Store();
    const order: string[] = [];
    s.subscribe((e) => {
      if (e.res === KSVC && e.type === "ADDED") {
        s.create("/configmaps", { metadata: { name: `${e.object.metadata.name}-cm`, namespace: "default" } });
      }
    });
    s.watch("/configmaps", undefined, undefined, (e) =>
      order.push(`cm ${e.object.metadata.resourceVersion}`),
    );
    s.watch(KSVC, undefined, undefined, (e) => order.push(`ksvc ${e.object.metadata.resourceVersion}`));
    const rv = Number(s.create(KSVC, ksvc("a")).metadata.resourceVersion);
    expect(order).toEqual([`ksvc ${rv}`, `cm ${rv + 1}`]);
  });
});
