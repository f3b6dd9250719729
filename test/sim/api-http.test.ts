// The simulated API server over raw HTTP: error shapes, discovery, tables, paging, legacy watch paths, the
// audit log, fault knobs and RBAC, where the exact bytes on the wire matter.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { CoreV1Api } from "@kubernetes/client-node";
import { helloKsvc, rejectedStatus, startTestApi, type TestApi } from "./api/test-helpers.js";
import type { AuditEntry } from "./api/audit.js";
import { StatusError } from "./api/errors.js";

let t: TestApi;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { "Content-Type": "application/json", ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const res = await fetch(t.server.url + path, init);
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, json: json as Record<string, any>, text, headers: res.headers }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Reads a watch stream's JSON lines until `count` events arrived or the stream ended. */
async function readWatch(path: string, count: number, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(t.server.url + path, { signal: controller.signal, headers });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const events: { type: string; object: Record<string, any> }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  let buf = "";
  const decoder = new TextDecoder();
  while (events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      events.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  }
  controller.abort();
  return { status: res.status, events };
}

beforeAll(async () => {
  t = await startTestApi();
});

afterAll(async () => {
  await t.stop();
});

beforeEach(() => {
  t.server.clearFaults();
  t.server.audit.clear();
});

describe("errors", () => {
  it("answers unparsable bodies with 400 and unknown paths with 404, as metav1.Status", async () => {
    const bad = await call("POST", "/api/v1/namespaces/default/configmaps", "{not json");
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "BadRequest",
      code: 400,
    });
    expect(bad.json.message).toMatch(/^error decoding json: /);
    const unknown = await call("GET", "/apis/example.com/v1/widgets");
    expect(unknown.json).toMatchObject({
      code: 404,
      reason: "NotFound",
      message: "the server could not find the requested resource",
    });
  });

  it("answers 422 Invalid with field causes for a bad object name", async () => {
    const r = await call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "Not_Valid" },
    });
    expect(r.status).toBe(422);
    expect(r.json.details).toMatchObject({
      name: "Not_Valid",
      kind: "ConfigMap",
      causes: [{ reason: "FieldValueInvalid", field: "metadata.name" }],
    });
  });

  it("refuses strategic merge patches on Knative resources with 415, as for any custom resource", async () => {
    await call("POST", "/apis/serving.knative.dev/v1/namespaces/default/services", helloKsvc("smp"));
    const r = await call(
      "PATCH",
      "/apis/serving.knative.dev/v1/namespaces/default/services/smp",
      { metadata: { labels: { a: "b" } } },
      {
        "Content-Type": "application/strategic-merge-patch+json",
      },
    );
    expect(r.status).toBe(415);
    expect(r.json.reason).toBe("UnsupportedMediaType");
  });

  it("fails a JSON patch whose test operation fails, and changes nothing", async () => {
    await call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "jp" },
      data: { a: "1" },
    });
    const r = await call(
      "PATCH",
      "/api/v1/namespaces/default/configmaps/jp",
      [
        { op: "test", path: "/data/a", value: "2" },
        { op: "replace", path: "/data/a", value: "3" },
      ],
      { "Content-Type": "application/json-patch+json" },
    );
    expect(r.status).toBe(422);
    expect(t.store.mustGet("/configmaps", "default", "jp").data).toEqual({ a: "1" });
  });

  it("rejects a body whose namespace differs from the URL's", async () => {
    const r = await call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "x", namespace: "kube-system" },
    });
    expect(r.json).toMatchObject({
      code: 400,
      message: "the namespace of the provided object does not match the namespace sent on the request",
    });
  });
});

describe("discovery and OpenAPI", () => {
  it("lists serving.knative.dev resources with short names, categories and status subresources", async () => {
    const r = await call("GET", "/apis/serving.knative.dev/v1");
    const byName = Object.fromEntries((r.json.resources as { name: string }[]).map((x) => [x.name, x]));
    expect(byName.services).toMatchObject({
      kind: "Service",
      namespaced: true,
      shortNames: ["kservice", "ksvc"],
      categories: ["all", "knative", "serving"],
    });
    expect(byName["services/status"]).toMatchObject({ verbs: ["get", "patch", "update"] });
    const groups = await call("GET", "/apis");
    expect((groups.json.groups as { name: string }[]).map((g) => g.name)).toContain("serving.knative.dev");
  });

  it("declares fieldValidation on PATCH, which kubectl checks before leaving validation to the server", async () => {
    const root = await call("GET", "/openapi/v3");
    const url = root.json.paths["apis/serving.knative.dev/v1"].serverRelativeURL as string;
    const doc = await call("GET", url);
    const patch = doc.json.paths["/apis/serving.knative.dev/v1/namespaces/{namespace}/services/{name}"].patch;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({
      group: "serving.knative.dev",
      version: "v1",
      kind: "Service",
    });
    expect(patch.parameters.map((p: { name: string }) => p.name)).toContain("fieldValidation");
  });
});

describe("reads", () => {
  it("serves a Table for kubectl with column definitions and partial object metadata", async () => {
    const r = await call("GET", "/api/v1/namespaces", undefined, {
      Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    expect(r.json.kind).toBe("Table");
    expect(r.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "Status", "Age"]);
    const row = r.json.rows.find((x: { cells: string[] }) => x.cells[0] === "default");
    expect(row.cells[1]).toBe("Active");
    expect(row.object).toMatchObject({ kind: "PartialObjectMetadata", metadata: { name: "default" } });
  });

  it("pages lists with limit and continue", async () => {
    for (const n of ["pg-a", "pg-b", "pg-c"])
      await call("POST", "/api/v1/namespaces/default/configmaps", {
        metadata: { name: n, labels: { pg: "1" } },
      });
    const first = await call("GET", "/api/v1/namespaces/default/configmaps?labelSelector=pg%3D1&limit=2");
    expect(first.json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
      "pg-a",
      "pg-b",
    ]);
    expect(first.json.metadata.remainingItemCount).toBe(1);
    const next = await call(
      "GET",
      `/api/v1/namespaces/default/configmaps?labelSelector=pg%3D1&limit=2&continue=${encodeURIComponent(first.json.metadata.continue)}`,
    );
    expect(next.json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["pg-c"]);
    expect(next.json.metadata.continue).toBeUndefined();
  });

  it("watches through the legacy /watch/ path for one named object, and ends at timeoutSeconds", async () => {
    await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "legacy" } });
    const started = Date.now();
    const r = await readWatch("/api/v1/watch/namespaces/default/configmaps/legacy?timeoutSeconds=1", 5);
    expect(r.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED legacy"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("marks the end of initial events with a bookmark when sendInitialEvents is asked for", async () => {
    await call("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "initial", labels: { initial: "yes" } },
    });
    const r = await readWatch(
      "/api/v1/namespaces/default/configmaps?watch=1&labelSelector=initial&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan",
      2,
    );
    expect(r.events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "initial" } } });
    expect(r.events[1]).toMatchObject({
      type: "BOOKMARK",
      object: { metadata: { annotations: { "k8s.io/initial-events-end": "true" } } },
    });
  });
});

describe("writes", () => {
  it("merges containers by name in a strategic merge patch of a Deployment", async () => {
    await call("POST", "/apis/apps/v1/namespaces/default/deployments", {
      metadata: { name: "smp" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        template: {
          spec: {
            containers: [
              { name: "app", image: "a:1" },
              { name: "side", image: "s:1" },
            ],
          },
        },
      },
    });
    const r = await call(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/smp",
      { spec: { template: { spec: { containers: [{ name: "side", image: "s:2" }] } } } },
      {
        "Content-Type": "application/strategic-merge-patch+json",
      },
    );
    expect(r.json.spec.template.spec.containers).toEqual([
      { name: "app", image: "a:1" },
      { name: "side", image: "s:2" },
    ]);
    expect(r.json.metadata.generation).toBe(2);
  });

  it("prunes undeclared Knative fields with a warning, and refuses them with fieldValidation=Strict", async () => {
    const body = helloKsvc("typo");
    (body.spec as Record<string, unknown>).trafic = [];
    const pruned = await call("POST", "/apis/serving.knative.dev/v1/namespaces/default/services", body);
    expect(pruned.status).toBe(201);
    expect(pruned.json.spec.trafic).toBeUndefined();
    expect(pruned.headers.get("warning")).toBe('299 - "unknown field \\"spec.trafic\\""');
    const strict = await call(
      "POST",
      "/apis/serving.knative.dev/v1/namespaces/default/services?fieldValidation=Strict",
      { ...body, metadata: { name: "typo2" } },
    );
    expect(strict.json).toMatchObject({
      code: 400,
      message:
        'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.trafic"',
    });
  });

  it("writes nothing on dryRun=All", async () => {
    const r = await call(
      "POST",
      "/apis/serving.knative.dev/v1/namespaces/default/services?dryRun=All",
      helloKsvc("dry"),
    );
    expect(r.status).toBe(201);
    expect(r.json.spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
    expect(t.store.get("serving.knative.dev/services", "default", "dry")).toBeUndefined();
  });

  it("deletes a labelled collection", async () => {
    for (const n of ["dc-1", "dc-2"])
      await call("POST", "/api/v1/namespaces/default/configmaps", {
        metadata: { name: n, labels: { dc: "x" } },
      });
    const r = await call("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=dc%3Dx");
    expect(r.json.items).toHaveLength(2);
    expect(t.store.list("/configmaps", "default", { labelSelector: "dc" }).items).toEqual([]);
  });
});

describe("audit log", () => {
  it("records every API request with its verb and status, and can be filtered and cleared", async () => {
    await call("GET", "/api/v1/namespaces/default/configmaps");
    await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "audited" } });
    await call("GET", "/api/v1/namespaces/default/configmaps/missing");
    const all = (await call("GET", "/sim/requests")).json as unknown as AuditEntry[];
    expect(all.map((e) => `${e.method} ${e.verb} ${e.resource} ${e.name ?? "-"} ${e.status}`)).toEqual([
      "GET list configmaps - 200",
      "POST create configmaps - 201",
      "GET get configmaps missing 404",
    ]);
    expect(all[1]).toMatchObject({
      namespace: "default",
      path: "/api/v1/namespaces/default/configmaps",
      user: "kubernetes-admin",
    });
    expect(typeof all[1].durationMs).toBe("number");
    const creates = (await call("GET", "/sim/requests?verb=create")).json as unknown as AuditEntry[];
    expect(creates).toHaveLength(1);
    await call("DELETE", "/sim/requests");
    expect((await call("GET", "/sim/requests")).json).toEqual([]);
  });
});

describe("fault knobs", () => {
  it("fails an exact share of matching requests, up to the count, over HTTP control", async () => {
    const set = await call("PUT", "/sim/faults", {
      failRate: 0.5,
      failStatus: 503,
      failCount: 2,
      verbs: ["get"],
    });
    expect(set.json).toMatchObject({ failRate: 0.5, failStatus: 503, injected: 0 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call("GET", "/api/v1/namespaces/default")).status);
    expect(statuses).toEqual([200, 503, 200, 503, 200, 200]);
    expect(
      (await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "unaffected" } }))
        .status,
    ).toBe(201);
    expect((await call("GET", "/sim/faults")).json).toMatchObject({ injected: 2 });
    await call("DELETE", "/sim/faults");
  });

  it("sends 429 with Retry-After, and the client surfaces it", async () => {
    t.server.setFaults({ failRate: 1, failStatus: 429, failCount: 1 });
    const core = t.kc.makeApiClient(CoreV1Api);
    const s = await rejectedStatus(core.readNamespace({ name: "default" }));
    expect(s).toMatchObject({ code: 429, reason: "TooManyRequests", details: { retryAfterSeconds: 1 } });
    await expect(core.readNamespace({ name: "default" })).resolves.toBeDefined();
  });

  it("adds latency", async () => {
    t.server.setFaults({ latencyMs: 150 });
    const started = Date.now();
    await call("GET", "/api/v1/namespaces/default");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("runs a per-request hook that can fail requests", async () => {
    let seen = 0;
    t.server.setRequestHook((info) => {
      if (info.kind === "resource" && info.verb === "create") seen++;
      if (info.kind === "resource" && info.verb === "delete")
        return StatusError.forbidden("deletes are off today");
    });
    await call("POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "hooked" } });
    expect(seen).toBe(1);
    const r = await call("DELETE", "/api/v1/namespaces/default/configmaps/hooked");
    expect(r.json).toMatchObject({ code: 403, message: "deletes are off today" });
    t.server.setRequestHook(undefined);
  });

  it("restarts on request, dropping watches but keeping the store", async () => {
    const watching = readWatch("/api/v1/namespaces/default/configmaps?watch=1&labelSelector=never", 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.server.activeWatches()).toBe(1);
    expect((await call("POST", "/sim/faults/restart?downMs=50")).status).toBe(202);
    const ended = await watching;
    expect(ended.events).toEqual([]);
    await new Promise((r) => setTimeout(r, 150));
    expect((await call("GET", "/api/v1/namespaces/default/configmaps/hooked")).status).toBe(200);
    expect(t.server.activeWatches()).toBe(0);
  });

  it("expires watches: open ones get a 410 ERROR event", async () => {
    const watching = readWatch("/api/v1/namespaces/default/configmaps?watch=1&labelSelector=never", 1);
    await new Promise((r) => setTimeout(r, 100));
    await call("POST", "/sim/faults/expire-watches");
    const r = await watching;
    expect(r.events).toEqual([
      { type: "ERROR", object: expect.objectContaining({ code: 410, reason: "Expired" }) },
    ]);
  });
});

describe("RBAC", () => {
  it("lets a token user do what its rules allow and refuses the rest with the apiserver's message", async () => {
    t.server.setAuth({
      tokens: { "ci-token": "ci" },
      admins: [],
      bindings: {
        ci: [
          {
            namespace: "default",
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
          },
        ],
      },
    });
    try {
      const core = t.kcFor("ci-token").makeApiClient(CoreV1Api);
      await expect(core.listNamespacedConfigMap({ namespace: "default" })).resolves.toBeDefined();
      const denied = await rejectedStatus(
        core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "nope" } } }),
      );
      expect(denied).toMatchObject({
        code: 403,
        reason: "Forbidden",
        message:
          'configmaps is forbidden: User "ci" cannot create resource "configmaps" in API group "" in the namespace "default"',
      });
      const other = await rejectedStatus(core.listNamespacedConfigMap({ namespace: "kube-system" }));
      expect(other.code).toBe(403);
      expect((await call("GET", "/api/v1/namespaces")).status).toBe(401);
    } finally {
      t.server.setAuth(undefined);
    }
  });
});
