import type { V1Pod } from "@kubernetes/client-node";
import type { KnativeServiceManifest } from "../../src/config/settings.js";
import { autoscalingOf } from "../../src/kube/autoscaling.js";
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
    expect(autoscalingOf(manifest({}))).toEqual({
      target: 100,
      utilizationPercent: 70,
      minScale: 0,
      maxScale: 0,
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
    expect(a).toEqual({ target: 100, utilizationPercent: 80, minScale: 1, maxScale: 4 });
  });
});
