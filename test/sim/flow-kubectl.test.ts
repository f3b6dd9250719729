// The seed's flow with the machine's real kubectl and curl, as the original note ran it: create namespace demo,
// apply examples/helloworld-service.yaml, watch the Service go from RevisionMissing to Ready, `kubectl wait`,
// list pods and Services, curl through the gateway with the Service's Host, delete with cascade.
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { startSimulator, type Simulator } from "./index.js";
import { waitFor } from "./knative/testing.js";

const run = promisify(execFile);
jest.setTimeout(60_000);
let sim: Simulator;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run("kubectl", args, { env: { ...process.env, KUBECONFIG: sim.kubeconfig } });
  return stdout;
}

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.1, profile: "ask", domain: "example.com" });
});

afterAll(async () => {
  await sim?.stop();
});

describe("the seed's flow with kubectl", () => {
  it("shows RevisionMissing, then Ready, in `kubectl get ksvc --watch`", async () => {
    expect(await kubectl("create", "namespace", "demo")).toMatch(/namespace\/demo created/);
    const watcher = spawn("kubectl", ["get", "ksvc", "-n", "demo", "--watch", "--no-headers"], {
      env: { ...process.env, KUBECONFIG: sim.kubeconfig },
    });
    let lines = "";
    watcher.stdout.on("data", (d: Buffer) => (lines += d.toString()));
    const exited = new Promise((r) => watcher.on("exit", r));
    try {
      // The watch is established once kubectl has listed (an empty namespace prints nothing on stdout).
      await new Promise((r) => setTimeout(r, 1500));
      expect(await kubectl("apply", "-n", "demo", "-f", "examples/helloworld-service.yaml")).toMatch(
        /service.serving.knative.dev\/helloworld-go created/,
      );
      await waitFor("Ready in the watch", () => /\bTrue\b/.test(lines), 20_000);
    } finally {
      watcher.kill("SIGTERM");
      await exited;
    }
    const rows = lines.trim().split("\n");
    const missing = rows.findIndex((l) => /Unknown\s+RevisionMissing/.test(l));
    const ready = rows.findIndex((l) => /helloworld-go-00001\s+True/.test(l));
    expect(missing).toBeGreaterThanOrEqual(0);
    expect(ready).toBeGreaterThan(missing);
    expect(rows[ready]).toMatch(
      /^helloworld-go\s+http:\/\/helloworld-go\.demo\.example\.com\s+helloworld-go-00001\s+helloworld-go-00001\s+True/,
    );
  });

  it("passes `kubectl wait --for=condition=Ready`", async () => {
    const out = await kubectl(
      "wait",
      "-n",
      "demo",
      "--for=condition=Ready",
      "ksvc/helloworld-go",
      "--timeout=30s",
    );
    expect(out).toMatch(/service.serving.knative.dev\/helloworld-go condition met/);
  });

  it("lists the pods and Services by the names the seed saw (ASK adds the reserve Service)", async () => {
    const pods = await kubectl("get", "pods", "-n", "demo", "--no-headers");
    expect(pods).toMatch(/^helloworld-go-00001-deployment-[a-z0-9]{10}-[a-z0-9]{5}\s+2\/2\s+Running\s+0/m);
    const svcs = await kubectl("get", "svc", "-n", "demo", "-o", "name");
    expect(svcs.trim().split("\n").sort()).toEqual([
      "service/helloworld-go",
      "service/helloworld-go-00001",
      "service/helloworld-go-00001-private",
      "service/helloworld-go-00001-reserve-private",
    ]);
  });

  it("answers `curl -H 'Host: <ksvc host>' <gateway>/` with Hello World!", async () => {
    const url = await kubectl("get", "ksvc", "-n", "demo", "helloworld-go", "-o", "jsonpath={.status.url}");
    const host = new URL(url).host;
    const { stdout } = await run("curl", [
      "-si",
      "--max-time",
      "20",
      "-H",
      `Host: ${host}`,
      `${sim.gateway}/`,
    ]);
    expect(stdout).toMatch(/^HTTP\/1.1 200 OK/);
    expect(stdout).toMatch(/\r\n\r\nHello World!\n$/);
  });

  it("shows the ASK reserve pod and Service once the revision is idle", async () => {
    // Stable window 6 s at time scale 0.1: the reserve pod starts before the last serving pod goes.
    const names = await waitFor(
      "the reserve pod",
      async () => {
        const out = await kubectl("get", "pods", "-n", "demo", "--no-headers");
        return (
          /helloworld-go-00001-deployment-reserve-[a-z0-9]{10}-[a-z0-9]{5}\s+2\/2\s+Running/.test(out) && out
        );
      },
      30_000,
      250,
    );
    expect(names).toMatch(/reserve/);
    const svcs = await kubectl("get", "svc", "-n", "demo", "-o", "name");
    expect(svcs).toMatch(/service\/helloworld-go-00001-reserve-private/);
    const eci = await kubectl(
      "get",
      "configmap",
      "-n",
      "kube-system",
      "eci-profile",
      "-o",
      "jsonpath={.data.enablePrivateZone}",
    );
    expect(eci).toBe("false");
  });

  it("deletes the Service and everything under it", async () => {
    expect(await kubectl("delete", "-n", "demo", "-f", "examples/helloworld-service.yaml")).toMatch(
      /deleted/,
    );
    expect(
      await kubectl(
        "get",
        "ksvc,configuration,route,revision,deployment,replicaset",
        "-n",
        "demo",
        "-o",
        "name",
      ),
    ).toBe("");
    await waitFor(
      "pods and Services to go",
      async () => (await kubectl("get", "pods,svc", "-n", "demo", "-o", "name")) === "",
      20_000,
      250,
    );
  });
});
