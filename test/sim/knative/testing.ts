// Helpers for the simulator's own tests: one simulator per test file, Services deployed straight into its
// store, requests through the gateway with a Host header, polling with a deadline, and reading conditions.
import http from "node:http";
import { afterAll, beforeAll } from "@jest/globals";
import { startSimulator, type Simulator, type SimulatorOptions } from "../index.js";
import type { K8sObject } from "../store.js";

/**
 * One simulator for the file's tests, with namespace `ns` in it: started before them (`onStarted` receives it)
 * and stopped after.
 */
export function simulatorForFile(
  ns: string,
  options: SimulatorOptions,
  onStarted: (sim: Simulator) => void,
): void {
  let sim: Simulator | undefined;
  beforeAll(async () => {
    sim = await startSimulator(options);
    sim.store.create("/namespaces", { metadata: { name: ns } });
    onStarted(sim);
  });
  afterAll(async () => {
    await sim?.stop();
  });
}

/**
 * Knative Service `name` in `ns`, as the store takes it: one container (example.com/sim/echo:1 unless `container`
 * sets another image) with these revision-template annotations; `spec` adds revision spec fields.
 */
export function knativeService(
  ns: string,
  name: string,
  annotations: Record<string, string>,
  options: { spec?: Record<string, unknown>; container?: Record<string, unknown> } = {},
): K8sObject {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: {
      template: {
        metadata: { annotations },
        spec: { containers: [{ image: "example.com/sim/echo:1", ...options.container }], ...options.spec },
      },
    },
  };
}

/**
 * Creates Service `name` in `ns` (knativeService, with a 1 s startup unless `annotations` say otherwise), waits
 * for it to be Ready, and returns its Host for the gateway and the address of its first pod.
 */
export async function deployReady(
  sim: Simulator,
  ns: string,
  name: string,
  annotations: Record<string, string>,
  options: { spec?: Record<string, unknown>; container?: Record<string, unknown> } = {},
): Promise<{ host: string; pod: string }> {
  sim.store.create(
    "serving.knative.dev/services",
    knativeService(ns, name, { "sim.knative-perf-gate.dev/startup-time": "1s", ...annotations }, options),
  );
  const ksvc = await waitFor(`${name} Ready`, () => {
    const o = sim.store.get("serving.knative.dev/services", ns, name);
    return condition(o, "Ready")?.status === "True" && o;
  });
  const pod = sim.store.list("/pods", ns, { labelSelector: `serving.knative.dev/revision=${name}-00001` })
    .items[0];
  return {
    host: new URL((ksvc.status as { url: string }).url).host,
    pod: `http://127.0.0.1:${pod.metadata.annotations?.["sim.knative-perf-gate.dev/port"]}`,
  };
}

export interface HttpResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  ms: number;
}

/** GET through the gateway (or any URL) with an explicit Host header; fetch() cannot set one. */
export function hostGet(base: string, host: string, path = "/", timeoutMs = 30_000): Promise<HttpResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers: { host }, agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers, ms: performance.now() - started }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${host}${path}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined/false, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function condition(obj: { status?: unknown } | undefined, type: string): Cond | undefined {
  return ((obj?.status ?? {}) as { conditions?: Cond[] }).conditions?.find((c) => c.type === type);
}

export interface LoadResult {
  requests: number;
  statuses: Record<number, number>;
  errors: number;
  pods: Set<string>;
}

/** A closed-loop load: `connections` clients each sending the next request when the previous one answers. */
export async function closedLoop(
  base: string,
  host: string,
  connections: number,
  durationMs: number,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const out: LoadResult = { requests: 0, statuses: {}, errors: 0, pods: new Set() };
  const until = Date.now() + durationMs;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get(`${base}/`, { headers: { host }, agent }, (res) => {
        res.resume();
        res.on("end", () => {
          out.requests++;
          out.statuses[res.statusCode ?? 0] = (out.statuses[res.statusCode ?? 0] ?? 0) + 1;
          const pod = res.headers["x-sim-pod"];
          if (typeof pod === "string") out.pods.add(pod);
          resolve();
        });
      });
      req.on("error", () => {
        out.errors++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) await one();
    }),
  );
  agent.destroy();
  return out;
}
