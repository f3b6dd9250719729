// Image-name conventions, sim annotations, and one pod's HTTP server with its queue-proxy accounting.
import { afterEach, describe, expect, it } from "@jest/globals";
import { DEFAULT_TUNABLES, classifyImage, parseTunables, registryHost } from "./knative/images.js";
import { PodServer } from "./knative/pod-server.js";
import { hostGet } from "./knative/testing.js";

describe("images by name", () => {
  it("finds the registry host the way image references are parsed", () => {
    expect(registryHost("registry.cn-hangzhou.aliyuncs.com/knative-sample/helloworld-go:160e4dc8")).toBe(
      "registry.cn-hangzhou.aliyuncs.com",
    );
    expect(registryHost("localhost:5000/app")).toBe("localhost:5000");
    expect(registryHost("library/nginx")).toBeUndefined();
    expect(registryHost("nginx")).toBeUndefined();
  });

  it("classifies the seed's image, .invalid registries, crash and never-ready images", () => {
    const seed = classifyImage("registry.cn-hangzhou.aliyuncs.com/knative-sample/helloworld-go:160e4dc8");
    expect(seed).toMatchObject({ app: "hello", lifecycle: "serve" });
    expect(seed.pullError).toBeUndefined();
    expect(classifyImage("registry.invalid/nope/helloworld:1").pullError).toBe(
      'Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host',
    );
    expect(classifyImage("example.com/sim/crash-on-start:1")).toMatchObject({
      lifecycle: "crash",
      exitCode: 1,
    });
    expect(classifyImage("example.com/sim/never-ready@sha256:abc").lifecycle).toBe("never-ready");
    expect(classifyImage("example.com/crash/app:1").lifecycle).toBe("serve");
    expect(classifyImage("ghcr.io/x/echo:1")).toMatchObject({ app: "echo", lifecycle: "serve" });
    expect(
      classifyImage("ghcr.io/x/echo:1", { "sim.knative-perf-gate.dev/behavior": "crash" }).lifecycle,
    ).toBe("crash");
  });

  it("reads tunables and names malformed ones, keeping their defaults", () => {
    const { tunables, invalid } = parseTunables({
      "sim.knative-perf-gate.dev/service-time": "20ms",
      "sim.knative-perf-gate.dev/startup-time": "soon",
      "sim.knative-perf-gate.dev/error-rate": "2",
    });
    expect(tunables.serviceTimeMs).toBe(20);
    expect(tunables.startupTimeMs).toBe(DEFAULT_TUNABLES.startupTimeMs);
    expect(tunables.errorRate).toBe(0);
    expect(invalid.sort()).toEqual([
      'sim.knative-perf-gate.dev/error-rate: "2" is not a number between 0 and 1',
      'sim.knative-perf-gate.dev/startup-time: "soon" is not a duration like "20ms"',
    ]);
  });
});

describe("PodServer (queue-proxy + user container)", () => {
  const servers: PodServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function pod(opts: Partial<ConstructorParameters<typeof PodServer>[0]> = {}): Promise<string> {
    const s = new PodServer({
      name: "p-1",
      namespace: "ns",
      revision: "r-00001",
      app: "hello",
      tunables: { ...DEFAULT_TUNABLES },
      containerConcurrency: 0,
      env: {},
      ...opts,
    });
    servers.push(s);
    return `http://127.0.0.1:${await s.listen()}`;
  }

  it("answers like the Go hello world sample, with TARGET", async () => {
    expect((await hostGet(await pod(), "x")).body).toBe("Hello World!\n");
    expect((await hostGet(await pod({ env: { TARGET: "Knative" } }), "x")).body).toBe("Hello Knative!\n");
  });

  it("echoes the request as JSON for other images", async () => {
    const res = await hostGet(await pod({ app: "echo" }), "svc.example.com", "/a?b=1");
    expect(res.headers["x-sim-pod"]).toBe("p-1");
    expect(JSON.parse(res.body)).toMatchObject({
      pod: "p-1",
      revision: "r-00001",
      method: "GET",
      url: "/a?b=1",
    });
  });

  it("spends the service time and fails the configured share", async () => {
    const slow = await pod({ tunables: { ...DEFAULT_TUNABLES, serviceTimeMs: 120 } });
    expect((await hostGet(slow, "x")).ms).toBeGreaterThanOrEqual(115);
    const failing = await pod({ tunables: { ...DEFAULT_TUNABLES, errorRate: 1 } });
    expect((await hostGet(failing, "x")).status).toBe(500);
  });

  it("reports the time-weighted requests inside it, queued ones included", async () => {
    const url = await pod({ tunables: { ...DEFAULT_TUNABLES, serviceTimeMs: 300 }, containerConcurrency: 1 });
    const s = servers[servers.length - 1];
    s.sample();
    const started = Date.now();
    const all = Promise.all([1, 2, 3].map(() => hostGet(url, "x")));
    await new Promise((r) => setTimeout(r, 100));
    expect(s.inFlight).toBe(3);
    await all;
    // One at a time through the breaker: 3 × 300 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(880);
    const stats = s.sample();
    expect(stats.requests).toBe(3);
    // 3 requests for 300 ms, 2 for the next 300, 1 for the last: 6 request·slots over ~900 ms ≈ 2.
    expect(stats.concurrency).toBeGreaterThan(1.5);
    expect(stats.concurrency).toBeLessThan(2.5);
  });
});
