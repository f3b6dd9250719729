// Shared by the simulator's API tests: a store and API server on a free loopback port, a kubeconfig file for
// it, and helpers to read metav1.Status bodies out of client errors.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { Store } from "../store.js";
import { writeKubeconfig, type KubeconfigOptions } from "./kubeconfig.js";
import { startApiServer, type ApiServer, type ApiServerOptions } from "./server.js";

export interface TestApi {
  store: Store;
  server: ApiServer;
  dir: string;
  kubeconfig: string;
  kc: KubeConfig;
  /** A KubeConfig for another user (bearer token). */
  kcFor(token: string): KubeConfig;
  stop(): Promise<void>;
}

export async function startTestApi(
  opts: Partial<ApiServerOptions> & KubeconfigOptions = {},
): Promise<TestApi> {
  const store = opts.store ?? new Store();
  const server = await startApiServer({ ...opts, store });
  const dir = mkdtempSync(join(tmpdir(), "kpg-sim-api-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeKubeconfig(server.url, kubeconfig, { token: opts.token, namespace: opts.namespace });
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    store,
    server,
    dir,
    kubeconfig,
    kc,
    kcFor(token) {
      const file = join(dir, `kubeconfig-${token}`);
      writeKubeconfig(server.url, file, { token });
      const other = new KubeConfig();
      other.loadFromFile(file);
      return other;
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The metav1.Status a client-node ApiException carries (its body is the raw response text). */
export function statusOf(e: unknown): {
  code: number;
  reason: string;
  message: string;
  details?: Record<string, unknown>;
} {
  const body = (e as { body?: unknown }).body;
  const parsed =
    typeof body === "string"
      ? (JSON.parse(body) as Record<string, unknown>)
      : (body as Record<string, unknown>);
  if (!parsed || parsed.kind !== "Status") throw new Error(`not a Status error: ${String(e)}`);
  return parsed as unknown as { code: number; reason: string; message: string };
}

/** Awaits `p` expecting a rejection, and returns its Status. */
export async function rejectedStatus(p: Promise<unknown>): Promise<ReturnType<typeof statusOf>> {
  try {
    await p;
  } catch (e) {
    return statusOf(e);
  }
  throw new Error("expected the request to fail");
}

export function helloKsvc(
  name = "hello",
  namespace = "default",
  image = "example.com/hello:1",
): Record<string, unknown> {
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { template: { spec: { containers: [{ image, env: [{ name: "TARGET", value: "World" }] }] } } },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms}ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
