// Knative's ConfigMaps in knative-serving: present from the start as a stock install ships them (only
// `_example`), real API objects (get/update through the REST API), validated by the config webhook, and watched:
// an edit applies to existing and new revisions and routes as upstream's config stores apply it
// (pkg/autoscaler/config/config.go, pkg/apis/config/defaults.go, pkg/deployment/config.go,
// pkg/reconciler/route/config/domain.go).
import { describe, expect, it, jest } from "@jest/globals";
import type { Simulator } from "./index.js";
import { condition, simulatorForFile, waitFor } from "./knative/testing.js";

jest.setTimeout(60_000);
const NS = "config";
let sim: Simulator;

simulatorForFile(NS, { timeScale: 0.1 }, (started) => (sim = started));

async function call(method: string, path: string, body?: unknown, contentType = "application/json") {
  const res = await fetch(sim.apiServer + path, {
    method,
    headers: { "Content-Type": contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const cmPath = (name: string) => `/api/v1/namespaces/knative-serving/configmaps/${name}`;
const patchData = (name: string, data: Record<string, string>) =>
  call("PATCH", cmPath(name), { data }, "application/merge-patch+json");

async function createService(name: string, annotations: Record<string, string> = {}) {
  const r = await call("POST", `/apis/serving.knative.dev/v1/namespaces/${NS}/services`, {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name },
    spec: {
      template: { metadata: { annotations }, spec: { containers: [{ image: "example.com/sim/echo:1" }] } },
    },
  });
  expect(r.status).toBe(201);
  return r.json;
}

const ready = (name: string) =>
  waitFor(`${name} Ready`, () => {
    const o = sim.store.get("serving.knative.dev/services", NS, name);
    return condition(o, "Ready")?.status === "True" && o;
  });

describe("Knative's ConfigMaps", () => {
  it("exist at start as a stock install has them: only _example, so every value is upstream's default", async () => {
    const list = await call("GET", "/api/v1/namespaces/knative-serving/configmaps");
    const names = (list.json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        "config-autoscaler",
        "config-defaults",
        "config-deployment",
        "config-domain",
        "config-features",
      ]),
    );
    const autoscaler = await call("GET", cmPath("config-autoscaler"));
    expect(Object.keys(autoscaler.json.data)).toEqual(["_example"]);
    expect(sim.knative.ctx.config.autoscaler()).toMatchObject({
      containerConcurrencyTargetDefault: 100,
      containerConcurrencyTargetFraction: 0.7,
      targetBurstCapacity: 211,
      enableScaleToZero: true,
      stableWindowMs: 60_000,
    });
  });

  it("rejects a value the config watcher could not parse, with the config webhook's denial", async () => {
    const r = await patchData("config-autoscaler", { "stable-window": "2s" });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe(
      'admission webhook "config.webhook.serving.knative.dev" denied the request: validation failed: ' +
        "stable-window = 2s, must be in [6s; 1h0m0s] range and a whole number of seconds",
    );
    const bad = await patchData("config-autoscaler", { "enable-scale-to-zero": "maybe" });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('strconv.ParseBool: parsing "maybe": invalid syntax');
  });

  it("applies config-autoscaler to an existing revision and to new ones: target, utilization, no scale to zero", async () => {
    await createService("before", {});
    await ready("before");
    expect(sim.knative.autoscaler.spec(NS, "before-00001")).toMatchObject({ target: 70, total: 100 });

    const r = await patchData("config-autoscaler", {
      "container-concurrency-target-default": "20",
      "enable-scale-to-zero": "false",
      "stable-window": "6s",
      "scale-to-zero-grace-period": "6s",
    });
    expect(r.status).toBe(200);
    // The watcher resyncs every revision: the existing one now aims at 20 × 70% = 14.
    await waitFor("the existing revision to take the new target", () => {
      const s = sim.knative.autoscaler.spec(NS, "before-00001");
      return s?.target === 14 && s.total === 20 && s.enableScaleToZero === false;
    });

    await createService("after", {});
    await ready("after");
    expect(sim.knative.autoscaler.spec(NS, "after-00001")).toMatchObject({
      target: 14,
      stableWindowMs: 6_000,
      scaleToZeroGracePeriodMs: 6_000,
    });
    // Idle for more than stable window + grace (0.6 s + 0.6 s at time scale 0.1): upstream keeps one pod.
    const first = sim.knative.autoscaler.decisions(NS, "after-00001").length;
    await waitFor(
      "ten more decisions (2 s ticks, scaled: 2 s in all)",
      () => sim.knative.autoscaler.decisions(NS, "after-00001").length >= first + 10,
    );
    const d = sim.store.get("apps/deployments", NS, "after-00001-deployment");
    expect((d?.spec as { replicas: number }).replicas).toBe(1);
    const rev = sim.store.get("serving.knative.dev/revisions", NS, "after-00001");
    expect(condition(rev, "Active")?.status).toBe("True");

    // Percentages above 1 are divided by 100, (0, 1] taken as a fraction (legacy), as NewConfigFromMap does.
    await patchData("config-autoscaler", { "container-concurrency-target-percentage": "0.5" });
    await waitFor("utilization 0.5", () => sim.knative.autoscaler.spec(NS, "after-00001")?.target === 10);
    // An annotation still beats the cluster value.
    await createService("annotated", { "autoscaling.knative.dev/target": "4" });
    await ready("annotated");
    expect(sim.knative.autoscaler.spec(NS, "annotated-00001")?.target).toBe(2);
  });

  it("takes config-defaults' container-concurrency and revision-timeout-seconds at the webhook", async () => {
    expect(
      (await patchData("config-defaults", { "container-concurrency": "5", "revision-timeout-seconds": "42" }))
        .status,
    ).toBe(200);
    const created = await createService("defaulted");
    expect(created.spec.template.spec).toMatchObject({ containerConcurrency: 5, timeoutSeconds: 42 });
    await ready("defaulted");
    expect(sim.knative.autoscaler.spec(NS, "defaulted-00001")).toMatchObject({
      containerConcurrency: 5,
      total: 5,
    });
    await patchData("config-defaults", { "container-concurrency": "0", "revision-timeout-seconds": "300" });
  });

  it("takes config-deployment's progress-deadline for new Deployments", async () => {
    await patchData("config-deployment", { "progress-deadline": "120s" });
    await createService("deadline");
    const d = await waitFor("the Deployment", () =>
      sim.store.get("apps/deployments", NS, "deadline-00001-deployment"),
    );
    expect((d.spec as { progressDeadlineSeconds: number }).progressDeadlineSeconds).toBe(120);
  });

  it("moves status.url to config-domain's default domain, for existing routes too", async () => {
    const before = await ready("before");
    expect((before.status as { url: string }).url).toBe(`http://before.${NS}.svc.cluster.local`);
    await patchData("config-domain", { "example.org": "" });
    const moved = await waitFor("the URL on example.org", () => {
      const o = sim.store.get("serving.knative.dev/services", NS, "before");
      return (o?.status as { url?: string } | undefined)?.url === `http://before.${NS}.example.org` && o;
    });
    expect(condition(moved, "Ready")?.status).toBe("True");
  });
});
