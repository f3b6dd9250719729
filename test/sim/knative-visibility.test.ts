// Two gateways, as Kourier has them: the external one serves only each route's external host
// (`<svc>.<ns>.<domain>`), the cluster-local one (kourier-internal) every route's cluster-local names.
// `networking.knative.dev/visibility: cluster-local` keeps a Service off the external gateway entirely and gives
// it a cluster-local status.url (pkg/reconciler/route/domains, route.go).
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { startSimulator, type Simulator } from "./index.js";
import { condition, hostGet, waitFor } from "./knative/testing.js";

jest.setTimeout(30_000);
const NS = "vis";
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.1, domain: "example.com" });
  sim.store.create("/namespaces", { metadata: { name: NS } });
});

afterAll(async () => {
  await sim?.stop();
});

async function deploy(name: string, labels: Record<string, string> = {}): Promise<string> {
  sim.store.create("serving.knative.dev/services", {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name, namespace: NS, labels },
    spec: { template: { spec: { containers: [{ image: "example.com/sim/echo:1" }] } } },
  });
  const ksvc = await waitFor(`${name} Ready`, () => {
    const o = sim.store.get("serving.knative.dev/services", NS, name);
    return condition(o, "Ready")?.status === "True" && o;
  });
  return (ksvc.status as { url: string }).url;
}

describe("visibility and the two gateways", () => {
  it("answers the external host on the external gateway and the short names only on the internal one", async () => {
    expect(await deploy("public")).toBe(`http://public.${NS}.example.com`);
    expect((await hostGet(sim.gateway, `public.${NS}.example.com`)).status).toBe(200);
    for (const short of [`public.${NS}`, `public.${NS}.svc`, `public.${NS}.svc.cluster.local`]) {
      expect((await hostGet(sim.gateway, short)).status).toBe(404);
      expect((await hostGet(sim.internalGateway, short)).status).toBe(200);
    }
  });

  it("keeps a cluster-local Service off the external gateway, with a cluster-local URL", async () => {
    const url = await deploy("private", { "networking.knative.dev/visibility": "cluster-local" });
    expect(url).toBe(`http://private.${NS}.svc.cluster.local`);
    const outside = await hostGet(sim.gateway, `private.${NS}.example.com`);
    expect(outside.status).toBe(404);
    expect((await hostGet(sim.gateway, `private.${NS}.svc.cluster.local`)).status).toBe(404);
    expect((await hostGet(sim.internalGateway, `private.${NS}.svc.cluster.local`)).status).toBe(200);
  });
});
