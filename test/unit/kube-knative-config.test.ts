// The optional read of knative-serving's autoscaling ConfigMaps: data when readable; 403, 404 and anything else
// become a status and a note in the log, never an exception.
import { describe, expect, test } from "@jest/globals";
import type { Cluster } from "../../src/kube/cluster.js";
import { readKnativeConfig } from "../../src/kube/knative-config.js";

function clusterAnswering(answer: (name: string, namespace: string) => Promise<unknown>): Cluster {
  return {
    core: {
      readNamespacedConfigMap: ({ name, namespace }: { name: string; namespace: string }) =>
        answer(name, namespace),
    },
  } as unknown as Cluster;
}

const apiError = (code: number, message: string) =>
  Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ message }) });

describe("readKnativeConfig", () => {
  test("returns both ConfigMaps' data from knative-serving, and logs nothing", async () => {
    const asked: string[] = [];
    const lines: string[] = [];
    const config = await readKnativeConfig(
      clusterAnswering(async (name, namespace) => {
        asked.push(`${namespace}/${name}`);
        return { data: name === "config-autoscaler" ? { "container-concurrency-target-default": "20" } : {} };
      }),
      (line) => lines.push(line),
    );
    expect(asked.sort()).toEqual(["knative-serving/config-autoscaler", "knative-serving/config-defaults"]);
    expect(config.autoscaler).toEqual({
      status: "read",
      data: { "container-concurrency-target-default": "20" },
    });
    expect(config.defaults).toEqual({ status: "read", data: {} });
    expect(lines).toEqual([]);
  });

  test("403 is forbidden and 404 not-found: a note each, naming the ConfigMap and the RBAC part", async () => {
    const lines: string[] = [];
    const config = await readKnativeConfig(
      clusterAnswering(async (name) => {
        throw name === "config-autoscaler"
          ? apiError(403, `configmaps "config-autoscaler" is forbidden: User "ci" cannot get resource`)
          : apiError(404, `configmaps "config-defaults" not found`);
      }),
      (line) => lines.push(line),
    );
    expect(config.autoscaler.status).toBe("forbidden");
    expect(config.defaults.status).toBe("not-found");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^note: ConfigMap knative-serving\/config-autoscaler could not be read \(configmaps "config-autoscaler" is forbidden: .* \(HTTP 403\)\); .*upstream defaults .*knative-config part of examples\/rbac\.yaml/,
    );
    expect(lines[1]).toContain("knative-serving/config-defaults could not be read");
  });

  test("a server error is retried, then failed (never thrown)", async () => {
    let calls = 0;
    const config = await readKnativeConfig(
      clusterAnswering(async (name) => {
        if (name === "config-defaults") return { data: {} };
        calls++;
        throw apiError(500, "etcd is sad");
      }),
    );
    expect(config.autoscaler.status).toBe("failed");
    expect(calls).toBe(4);
  });
});
