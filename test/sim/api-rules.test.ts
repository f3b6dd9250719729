// The API server's pure rules: Knative's webhook messages, patch formats, field ownership, selectors, table
// cells and the protobuf envelope kubectl sends.

import { describe, expect, it } from "@jest/globals";
import { StatusError } from "./api/errors.js";
import { evalJsonPath, humanDuration, toTable } from "./api/tables.js";
import { admitKnative } from "./api/knative-admission.js";
import { recordUpdate, serverSideApply } from "./api/managed-fields.js";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from "./api/patch.js";
import { decodeProtobufObject } from "./api/protobuf.js";
import { resourceType } from "./api/resources.js";
import { parseLabelSelector } from "./api/selectors.js";
import type { K8sObject } from "./store.js";

const KSVC = "serving.knative.dev/services";

function ksvc(template: Record<string, unknown>, extra: Partial<K8sObject> = {}): K8sObject {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name: "hello", namespace: "default" },
    spec: { template },
    ...extra,
  };
}

function denial(o: K8sObject, old?: K8sObject): string {
  try {
    admitKnative(KSVC, o, old, "tester");
  } catch (e) {
    if (e instanceof StatusError) {
      expect(e.code).toBe(400);
      const prefix =
        'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: ';
      expect(e.message.startsWith(prefix)).toBe(true);
      return e.message.slice(prefix.length);
    }
    throw e;
  }
  throw new Error("expected a denial");
}

describe("Knative admission", () => {
  it("defaults like Knative's webhook and records the creator", () => {
    const o = ksvc({ spec: { containers: [{ image: "example.com/a:1" }] } });
    admitKnative(KSVC, o, undefined, "alice");
    expect(o.spec).toEqual({
      template: {
        spec: {
          containers: [
            {
              image: "example.com/a:1",
              name: "user-container",
              resources: {},
              readinessProbe: { tcpSocket: { port: 0 }, successThreshold: 1 },
            },
          ],
          containerConcurrency: 0,
          timeoutSeconds: 300,
          enableServiceLinks: false,
        },
      },
      traffic: [{ latestRevision: true, percent: 100 }],
    });
    expect(o.metadata.annotations).toEqual({
      "serving.knative.dev/creator": "alice",
      "serving.knative.dev/lastModifier": "alice",
    });
  });

  it("names the missing image, the bad port name and reserved ports like upstream", () => {
    expect(denial(ksvc({ spec: { containers: [{ name: "app" }] } }))).toBe(
      "missing field(s): spec.template.spec.containers[0].image",
    );
    expect(
      denial(
        ksvc({ spec: { containers: [{ image: "a:1", ports: [{ name: "grpc", containerPort: 8080 }] }] } }),
      ),
    ).toBe(
      "Port name grpc is not allowed: spec.template.spec.containers[0].ports\nName must be empty, or one of: 'h2c', 'http1'",
    );
    expect(denial(ksvc({ spec: { containers: [{ image: "a:1", ports: [{ containerPort: 8012 }] }] } }))).toBe(
      "invalid value: 8012 is a reserved port: spec.template.spec.containers[0].ports.containerPort\n8012 is a reserved port, please use a different value",
    );
    expect(denial(ksvc({ spec: { containers: [] } }))).toBe(
      "missing field(s): spec.template.spec.containers",
    );
  });

  it("checks autoscaling annotations on the template, and refuses them on the Service", () => {
    const withAnnotations = (a: Record<string, string>) =>
      ksvc({ metadata: { annotations: a }, spec: { containers: [{ image: "a:1" }] } });
    const at = "spec.template.metadata.annotations.autoscaling.knative.dev";
    expect(denial(withAnnotations({ "autoscaling.knative.dev/target": "0.001" }))).toBe(
      `target 0.001 should be at least 0.01: ${at}/target`,
    );
    expect(
      denial(
        withAnnotations({
          "autoscaling.knative.dev/min-scale": "3",
          "autoscaling.knative.dev/max-scale": "2",
        }),
      ),
    ).toBe(`max-scale=2 is less than min-scale=3: ${at}/max-scale, ${at}/min-scale`);
    expect(denial(withAnnotations({ "autoscaling.knative.dev/minScale": "x" }))).toBe(
      `invalid value: x: ${at}/minScale`,
    );
    expect(denial(withAnnotations({ "autoscaling.knative.dev/window": "2h" }))).toBe(
      `expected 6s <= 2h <= 1h0m0s: ${at}/window`,
    );
    expect(denial(withAnnotations({ "autoscaling.knative.dev/class": "foo.knative.dev" }))).toBe(
      `invalid value: foo.knative.dev: ${at}/class`,
    );
    expect(denial(withAnnotations({ "autoscaling.knative.dev/initial-scale": "0" }))).toBe(
      `invalid value: 0: ${at}/initial-scale=0 not allowed by cluster`,
    );
    const onService = ksvc({ spec: { containers: [{ image: "a:1" }] } });
    onService.metadata.annotations = { "autoscaling.knative.dev/target": "10" };
    expect(denial(onService)).toBe(
      'invalid key name "autoscaling.knative.dev/target": metadata.annotations\nautoscaling annotations must be put under "spec.template.metadata.annotations" to work',
    );
  });

  it("limits the name to a DNS-1035 label of 63 characters, and sorts several errors by message", () => {
    // Defaulting runs first (mutating before validating webhooks), so an empty container has a name by then.
    const long = ksvc({ spec: { containers: [{}] } });
    long.metadata.name = "a".repeat(64);
    expect(denial(long)).toBe(
      "missing field(s): spec.template.spec.containers[0].image\nnot a DNS 1035 label: [must be no more than 63 characters]: metadata.name",
    );
  });

  it("checks traffic and template name changes on update", () => {
    const bad = ksvc({ spec: { containers: [{ image: "a:1" }] } }, {});
    (bad.spec as Record<string, unknown>).traffic = [{ latestRevision: true, percent: 60 }];
    expect(denial(bad)).toBe("Traffic targets sum to 60, want 100: spec.traffic");
    const old = ksvc({ metadata: { name: "hello-v1" }, spec: { containers: [{ image: "a:1" }] } });
    admitKnative(KSVC, old, undefined, "t");
    const changed = structuredClone(old);
    (
      changed.spec as { template: { spec: { containers: { image: string }[] } } }
    ).template.spec.containers[0].image = "a:2";
    expect(denial(changed, old)).toMatch(
      /^Saw the following changes without a name change \(-old \+new\): spec\.template\.metadata\.name\n/,
    );
  });
});

describe("patch formats", () => {
  it("applies RFC 7386 merge patches (null deletes)", () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({
      a: { c: 2, d: 3 },
      l: [3],
    });
  });

  it("applies RFC 6902 operations in order", () => {
    const out = applyJsonPatch({ a: [1, 2], b: { c: 1 } }, [
      { op: "add", path: "/a/-", value: 3 },
      { op: "move", from: "/b/c", path: "/d" },
      { op: "remove", path: "/a/0" },
      { op: "copy", from: "/d", path: "/e" },
    ]);
    expect(out).toEqual({ a: [2, 3], b: {}, d: 1, e: 1 });
  });

  it("honours strategic merge directives kubectl sends", () => {
    const live = {
      metadata: { finalizers: ["a"] },
      spec: {
        containers: [
          { name: "x", image: "x:1", env: [{ name: "A", value: "1" }] },
          { name: "y", image: "y:1" },
        ],
      },
    };
    const out = applyStrategicMergePatch(live, {
      metadata: { finalizers: ["b"] },
      spec: {
        $setElementOrder: undefined,
        "$setElementOrder/containers": [{ name: "y" }, { name: "x" }],
        containers: [
          { name: "x", env: [{ name: "B", value: "2" }] },
          { name: "y", $patch: "delete" },
        ],
      },
    });
    expect(out).toEqual({
      metadata: { finalizers: ["a", "b"] },
      spec: {
        $setElementOrder: undefined,
        containers: [
          {
            name: "x",
            image: "x:1",
            env: [
              { name: "A", value: "1" },
              { name: "B", value: "2" },
            ],
          },
        ],
      },
    });
    expect(applyStrategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $patch: "replace", c: 3 } })).toEqual(
      { spec: { c: 3 } },
    );
    expect(applyStrategicMergePatch({ l: ["a", "b"] }, { "$deleteFromPrimitiveList/l": ["a"] })).toEqual({
      l: ["b"],
    });
  });
});

describe("field ownership", () => {
  const opts = { res: "/configmaps", force: false, apiVersion: "v1", time: "2026-01-01T00:00:00Z" };
  const cm = (data: Record<string, string>): K8sObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "d" },
    data,
  });

  it("removes fields a manager stops applying, keeps fields others own", () => {
    let live = serverSideApply(undefined, cm({ a: "1", b: "2" }), { ...opts, manager: "m1" });
    live = recordUpdate(
      live,
      { ...live, data: { ...(live.data as object), c: "3" } },
      { res: "/configmaps", manager: "editor", apiVersion: "v1", time: opts.time },
    );
    live = serverSideApply(live, cm({ a: "1" }), { ...opts, manager: "m1" });
    expect(live.data).toEqual({ a: "1", c: "3" });
    expect(live.metadata.managedFields?.map((m) => (m as { manager: string }).manager)).toEqual([
      "m1",
      "editor",
    ]);
  });

  it("shares fields applied with equal values, conflicts on different ones", () => {
    const live = serverSideApply(undefined, cm({ a: "1" }), { ...opts, manager: "m1" });
    expect(() => serverSideApply(live, cm({ a: "1" }), { ...opts, manager: "m2" })).not.toThrow();
    expect(() => serverSideApply(live, cm({ a: "2" }), { ...opts, manager: "m2" })).toThrow(
      'Apply failed with 1 conflict: conflict with "m1": .data.a',
    );
  });
});

describe("selectors, tables and protobuf", () => {
  it("rejects malformed label selectors with 400", () => {
    expect(() => parseLabelSelector("a in (x")).toThrow(StatusError);
    expect(parseLabelSelector("a,!b,c notin (x, y)").map((r) => r.op)).toEqual(["exists", "!", "notin"]);
  });

  it("formats ages like kubectl and evaluates printer-column JSONPath", () => {
    expect([5_000, 150_000, 3_600_000 * 3 + 60_000, 86_400_000 * 3].map(humanDuration)).toEqual([
      "5s",
      "2m30s",
      "3h1m",
      "3d",
    ]);
    const o = {
      status: {
        conditions: [
          { type: "Other", status: "False" },
          { type: "Ready", status: "True" },
        ],
      },
      metadata: { labels: { "a.b/c": "x" } },
    };
    expect(evalJsonPath(o, ".status.conditions[?(@.type=='Ready')].status")).toBe("True");
    expect(evalJsonPath(o, ".metadata.labels['a\\.b/c']")).toBe("x");
    expect(evalJsonPath(o, ".status.url")).toBeUndefined();
  });

  it("prints a failing revision's reason in the Knative revision table", () => {
    const rev: K8sObject = {
      metadata: {
        name: "hello-00001",
        creationTimestamp: "2026-01-01T00:00:00Z",
        labels: {
          "serving.knative.dev/configuration": "hello",
          "serving.knative.dev/configurationGeneration": "1",
        },
      },
      status: {
        conditions: [{ type: "Ready", status: "False", reason: "ContainerMissing" }],
        actualReplicas: 0,
      },
    };
    const table = toTable(resourceType("serving.knative.dev/revisions"), [rev], {
      now: new Date("2026-01-01T00:00:30Z"),
    }) as {
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual([
      "Name",
      "Config Name",
      "Generation",
      "Ready",
      "Reason",
      "Actual Replicas",
      "Desired Replicas",
      "Age",
    ]);
    expect(table.rows[0].cells).toEqual([
      "hello-00001",
      "hello",
      "1",
      "False",
      "ContainerMissing",
      0,
      null,
      "30s",
    ]);
  });

  it("prints events without the name column unless wide, like kubectl get events", () => {
    const ev: K8sObject = {
      metadata: { name: "p1.17a", namespace: "default" },
      involvedObject: { kind: "Pod", name: "p1" },
      type: "Warning",
      reason: "Failed",
      message: "boom",
      lastTimestamp: "2026-01-01T00:00:00Z",
    };
    const table = toTable(resourceType("/events"), [ev], { now: new Date("2026-01-01T00:02:00Z") }) as {
      columnDefinitions: { name: string; priority: number }[];
      rows: { cells: unknown[] }[];
    };
    expect(table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      "Last Seen",
      "Type",
      "Reason",
      "Object",
      "Message",
    ]);
    expect(table.rows[0].cells).toEqual(["2m", "Warning", "Failed", "pod/p1", "boom", "p1.17a"]);
  });

  it("decodes kubectl's protobuf envelope for a Namespace", () => {
    const str = (field: number, s: string | Buffer) => {
      const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
      return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
    };
    const meta = Buffer.concat([str(1, "demo"), str(11, Buffer.concat([str(1, "team"), str(2, "perf")]))]);
    const raw = str(1, meta);
    const envelope = Buffer.concat([
      Buffer.from("k8s\0"),
      str(1, Buffer.concat([str(1, "v1"), str(2, "Namespace")])),
      str(2, raw),
    ]);
    expect(decodeProtobufObject(envelope)).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "demo", labels: { team: "perf" } },
    });
    const pod = Buffer.concat([
      Buffer.from("k8s\0"),
      str(1, Buffer.concat([str(1, "v1"), str(2, "Pod")])),
      str(2, raw),
    ]);
    expect(() => decodeProtobufObject(pod)).toThrow(
      /decodes protobuf only for v1 Namespace, ConfigMap, Secret, ServiceAccount/,
    );
  });
});
