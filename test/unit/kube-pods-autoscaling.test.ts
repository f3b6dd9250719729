import type { V1Pod } from "@kubernetes/client-node";
import type { KnativeServiceManifest } from "../../src/config/settings.js";
import { autoscalingOf, HPA_CLASS, KPA_CLASS } from "../../src/kube/autoscaling.js";
import type { KnativeClusterConfig } from "../../src/kube/knative-config.js";
import { countPods, isReservePod } from "../../src/kube/pods.js";

function pod(name: string, ready: boolean, deleting = false): V1Pod {
  return {
    metadata: { name, deletionTimestamp: deleting ? new Date() : undefined },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

describe("countPods", () => {
  it("separates serving, reserve, terminating and pending pods", () => {
    const counts = countPods([
      pod("hello-00001-deployment-7f7d75c465-88n4h", true),
      pod("hello-00001-deployment-7f7d75c465-x2x9k", true),
      pod("hello-00001-deployment-reserve-7989bd95cf-2cn4r", true),
      pod("hello-00001-deployment-7f7d75c465-aaaaa", true, true),
      pod("hello-00001-deployment-7f7d75c465-bbbbb", false),
    ]);
    expect(counts).toEqual({ serving: 2, reserve: 1, terminating: 1, pending: 1 });
  });

  it("recognises ASK reserve pods by name", () => {
    expect(isReservePod(pod("helloworld-go-00001-deployment-reserve-7989bd95cf-2cn4r", true))).toBe(true);
    expect(isReservePod(pod("helloworld-go-00001-deployment-7f7d75c465-88n4h", true))).toBe(false);
  });
});

function manifest(
  annotations: Record<string, string>,
  containerConcurrency?: number,
): KnativeServiceManifest {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name: "hello" },
    spec: {
      template: { metadata: { annotations }, spec: { containerConcurrency, containers: [{ image: "x" }] } },
    },
  };
}

describe("autoscalingOf (serving's target.go)", () => {
  it("defaults to 100 concurrent requests at 70% utilization, no scale bounds", () => {
    expect(autoscalingOf(manifest({}))).toMatchObject({
      target: 100,
      utilizationPercent: 70,
      minScale: 0,
      maxScale: 0,
      class: KPA_CLASS,
      metric: "concurrency",
      scaleToZero: true,
      clusterConfig: { "config-autoscaler": "not-read", "config-defaults": "not-read" },
    });
  });

  it("takes the target annotation, as in the seed (target 10)", () => {
    expect(autoscalingOf(manifest({ "autoscaling.knative.dev/target": "10" })).target).toBe(10);
  });

  it("caps the annotation by a non-zero containerConcurrency and uses it when no annotation is set", () => {
    expect(autoscalingOf(manifest({ "autoscaling.knative.dev/target": "50" }, 20)).target).toBe(20);
    expect(autoscalingOf(manifest({}, 5)).target).toBe(5);
  });

  it("reads utilization and min/max scale, including the legacy camelCase keys", () => {
    const a = autoscalingOf(
      manifest({
        "autoscaling.knative.dev/target-utilization-percentage": "80",
        "autoscaling.knative.dev/minScale": "1",
        "autoscaling.knative.dev/max-scale": "4",
      }),
    );
    expect(a).toMatchObject({ target: 100, utilizationPercent: 80, minScale: 1, maxScale: 4 });
    expect(a.sources).toMatchObject({
      utilizationPercent: {
        from: "annotation",
        key: "autoscaling.knative.dev/target-utilization-percentage",
      },
      minScale: { from: "annotation", key: "autoscaling.knative.dev/minScale" },
      maxScale: { from: "annotation", key: "autoscaling.knative.dev/max-scale" },
      target: { from: "default", key: null },
    });
  });
});

const read = (data: Record<string, string>) => ({ status: "read" as const, data });
function cluster(
  autoscaler: Record<string, string>,
  defaults: Record<string, string> = {},
): KnativeClusterConfig {
  return { autoscaler: read(autoscaler), defaults: read(defaults) };
}

describe("autoscalingOf with the cluster's ConfigMaps (config-autoscaler, config-defaults)", () => {
  it("takes container-concurrency-target-default and -percentage from the cluster and says so", () => {
    const a = autoscalingOf(
      manifest({}),
      cluster({
        "container-concurrency-target-default": "20",
        "container-concurrency-target-percentage": "80",
        "enable-scale-to-zero": "false",
        _example: "ignored",
      }),
    );
    expect(a).toMatchObject({ target: 20, utilizationPercent: 80, scaleToZero: false });
    expect(a.sources).toMatchObject({
      target: { from: "cluster", key: "config-autoscaler/container-concurrency-target-default" },
      utilizationPercent: {
        from: "cluster",
        key: "config-autoscaler/container-concurrency-target-percentage",
      },
      scaleToZero: { from: "cluster", key: "config-autoscaler/enable-scale-to-zero" },
      minScale: { from: "default", key: null },
    });
    expect(a.clusterConfig).toEqual({ "config-autoscaler": "read", "config-defaults": "read" });
  });

  it("reads a percentage in (0, 1] as a fraction, as config.go does for legacy reasons", () => {
    const a = autoscalingOf(manifest({}), cluster({ "container-concurrency-target-percentage": "0.5" }));
    expect(a.utilizationPercent).toBe(50);
  });

  it("keeps upstream's default for a key the ConfigMap does not set, or sets to a value upstream rejects", () => {
    const a = autoscalingOf(
      manifest({}),
      cluster({
        "container-concurrency-target-default": "lots",
        "enable-scale-to-zero": "nope",
        "min-scale": "1.5",
      }),
    );
    expect(a).toMatchObject({ target: 100, scaleToZero: true, minScale: 0 });
    expect(a.sources!.target).toEqual({ from: "default", key: null });
  });

  it("an annotation beats the cluster, and containerConcurrency beats the cluster's target default", () => {
    const config = cluster({
      "container-concurrency-target-default": "20",
      "min-scale": "2",
      "max-scale": "9",
    });
    expect(autoscalingOf(manifest({ "autoscaling.knative.dev/target": "5" }), config)).toMatchObject({
      target: 5,
      minScale: 2,
      maxScale: 9,
      sources: {
        target: { from: "annotation" },
        minScale: { from: "cluster", key: "config-autoscaler/min-scale" },
        maxScale: { from: "cluster", key: "config-autoscaler/max-scale" },
      },
    });
    expect(autoscalingOf(manifest({}, 8), config)).toMatchObject({
      target: 8,
      sources: { target: { from: "spec", key: "containerConcurrency" } },
    });
  });

  it("config-defaults' container-concurrency fills in a template without one, as the revision webhook does", () => {
    const config = cluster(
      { "container-concurrency-target-default": "20" },
      { "container-concurrency": "4" },
    );
    expect(autoscalingOf(manifest({}), config)).toMatchObject({
      target: 4,
      sources: { target: { from: "cluster", key: "config-defaults/container-concurrency" } },
    });
    // It also caps a higher target annotation; an explicit containerConcurrency: 0 in the template wins.
    expect(autoscalingOf(manifest({ "autoscaling.knative.dev/target": "10" }), config).target).toBe(4);
    expect(autoscalingOf(manifest({}, 0), config).target).toBe(20);
  });

  it("unreadable ConfigMaps leave upstream's defaults and record why", () => {
    const a = autoscalingOf(manifest({}), {
      autoscaler: { status: "forbidden", detail: "configmaps is forbidden" },
      defaults: { status: "not-found", detail: "not found" },
    });
    expect(a).toMatchObject({ target: 100, utilizationPercent: 70, scaleToZero: true });
    expect(a.clusterConfig).toEqual({ "config-autoscaler": "forbidden", "config-defaults": "not-found" });
  });

  it("the class comes from the annotation, else pod-autoscaler-class; the HPA's default metric is cpu", () => {
    const hpa = autoscalingOf(manifest({ "autoscaling.knative.dev/class": HPA_CLASS }));
    expect(hpa).toMatchObject({ class: HPA_CLASS, metric: "cpu", target: 80 });
    const clusterHpa = autoscalingOf(
      manifest({ "autoscaling.knative.dev/target": "50" }),
      cluster({ "pod-autoscaler-class": HPA_CLASS }),
    );
    expect(clusterHpa).toMatchObject({
      class: HPA_CLASS,
      target: 50,
      sources: { class: { from: "cluster", key: "config-autoscaler/pod-autoscaler-class" } },
    });
  });

  it("metric rps aims at requests-per-second-target-default × 70 %", () => {
    const a = autoscalingOf(
      manifest({ "autoscaling.knative.dev/metric": "rps" }),
      cluster({
        "requests-per-second-target-default": "150",
        "container-concurrency-target-percentage": "90",
      }),
    );
    // TargetUtilization (not container-concurrency-target-percentage) applies to rps; no key sets it.
    expect(a).toMatchObject({ metric: "rps", target: 150, utilizationPercent: 70 });
  });
});
