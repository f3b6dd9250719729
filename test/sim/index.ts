// The Knative simulator in one call: the store, the Kubernetes API server on loopback (real kubectl and
// client-node work against it), Knative Serving's controllers, the KPA, the gateway with the activator and
// pods as real HTTP servers, and the Job controller running Job pods as local node processes (whose
// cluster-local names reach the gateway). `stop()` closes every socket, timer, pod server and process.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { startApiServer, type ApiServer } from "./api/server.js";
import { kubeconfigYaml } from "./api/kubeconfig.js";
import { Store } from "./store.js";
import { startJobController, type JobController } from "./jobs/controller.js";
import type { Profile } from "./knative/context.js";
import type { Delays } from "./knative/delays.js";
import { validateNoise, type NoiseOptions } from "./knative/noise.js";
import { Knative } from "./knative/knative.js";

export interface SimulatorOptions {
  /** API server port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Gateway port on 127.0.0.1 (default: a free one). */
  gatewayPort?: number;
  /** Where to write a kubeconfig for the API server (default: a file in a temporary directory). */
  kubeconfig?: string;
  /**
   * "ask" adds Alibaba Cloud ASK's reserve pods and ConfigMap kube-system/eci-profile; "realistic" uses sourced
   * start-up and ingress delays instead of the fast defaults.
   */
  profile?: Profile;
  /** Multiplies every control-plane duration (KPA windows, grace periods, startup, deadlines); default 1. */
  timeScale?: number;
  /** Domain of Knative URLs, e.g. "example.com" → http://<svc>.<ns>.example.com; default svc.cluster.local. */
  domain?: string;
  /**
   * Start-up and ingress delays in real-cluster ms (scaled by timeScale): schedulingMs, imagePullMs,
   * containerStartMs, readinessProbePeriodMs, ingressReadyMs. Unset ones come from the profile: "realistic"
   * uses sourced values, the others the fast defaults (test/sim/knative/delays.ts).
   */
  delays?: Partial<Delays>;
  /**
   * Cluster-side noise for A/B work: random episodes (seeded) slowing every pod of the node by `slowdown`,
   * `everyMs` apart and `forMs` long on average (real time). Default: none.
   */
  noise?: NoiseOptions;
  /** Pods the simulator's one node holds (kubelet --max-pods, default 110); more stay Pending, Unschedulable. */
  nodeCapacity?: number;
  /** Client-to-cluster latency the gateway adds to every request, ms (default 0; per service: annotation). */
  networkLatencyMs?: number;
  /** Controller errors and notes (default: dropped). */
  log?: (line: string) => void;
}

export interface Simulator {
  /** http://127.0.0.1:<port> of the Kubernetes API. */
  apiServer: string;
  /** http://127.0.0.1:<port> of the external ingress gateway; route with a Host header. */
  gateway: string;
  /**
   * http://127.0.0.1:<port> of the cluster-local gateway: answers every route's cluster-local names
   * (`<svc>.<ns>`, `.svc`, `.svc.cluster.local`), as kourier-internal does for in-cluster clients.
   */
  internalGateway: string;
  /** Path of the kubeconfig written for the API server. */
  kubeconfig: string;
  store: Store;
  /** The API server handle: audit log, fault knobs, restart, watch expiry. */
  api: ApiServer;
  /** The Knative side: gateway, kubelet, autoscaler (decisions per revision). */
  knative: Knative;
  /** batch/v1 Jobs: their pods run as local processes (logs, kill). */
  jobs: JobController;
  /** Fault knob: the pod dies on the spot (connections reset); its ReplicaSet replaces it. */
  killPod(namespace: string, name: string): boolean;
  stop(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${options.timeScale}`);
  const noiseError = options.noise && validateNoise(options.noise);
  if (noiseError) throw new Error(noiseError);
  if (
    options.nodeCapacity !== undefined &&
    !(Number.isInteger(options.nodeCapacity) && options.nodeCapacity >= 0)
  )
    throw new Error(`nodeCapacity must be a whole number of pods (0 or more), got ${options.nodeCapacity}`);
  const store = new Store({
    namespaces: ["default", "kube-system", "kube-public", "kube-node-lease", "knative-serving"],
  });
  const knative = await Knative.start({
    store,
    timeScale,
    domain: options.domain,
    profile: options.profile ?? "default",
    gatewayPort: options.gatewayPort,
    networkLatencyMs: options.networkLatencyMs,
    nodeCapacity: options.nodeCapacity,
    delays: options.delays,
    noise: options.noise,
    log: options.log,
  });
  // Not time-scaled: Job pods run their load in real time, and a scaled activeDeadlineSeconds (which the
  // action derives from the load's duration) would end a 30 s load after a few seconds at timeScale 0.1.
  const jobs = startJobController(store, {
    clusterAddress: new URL(knative.internalGatewayUrl).host,
    log: options.log,
  });
  let api: ApiServer;
  try {
    api = await startApiServer({
      store,
      port: options.port,
      podLog: (ns, name, container) =>
        jobs.logs(ns, name, container) ?? knative.kubelet.logs(ns, name, container),
    });
  } catch (err) {
    await jobs.stop();
    await knative.stop();
    throw err;
  }
  let tempDir: string | undefined;
  let kubeconfig = options.kubeconfig;
  if (!kubeconfig) {
    tempDir = mkdtempSync(join(tmpdir(), "knative-sim-"));
    kubeconfig = join(tempDir, "kubeconfig");
  }
  writeFileSync(kubeconfig, plainHttpKubeconfig(api.url), { mode: 0o600 });
  let stopped = false;
  return {
    apiServer: api.url,
    gateway: knative.gatewayUrl,
    internalGateway: knative.internalGatewayUrl,
    kubeconfig,
    store,
    api,
    knative,
    jobs,
    killPod: (ns, name) => knative.killPod(ns, name),
    async stop() {
      if (stopped) return;
      stopped = true;
      await api.close();
      await jobs.stop();
      await knative.stop();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/**
 * The API server's kubeconfig, marked insecure-skip-tls-verify: client-node 1.x+ refuses a plain http server
 * without it ("HTTP protocol is not allowed when skipTLSVerify is not set"); kubectl accepts it either way.
 */
function plainHttpKubeconfig(url: string): string {
  const config = yaml.load(kubeconfigYaml(url)) as { clusters: { cluster: Record<string, unknown> }[] };
  for (const c of config.clusters) c.cluster["insecure-skip-tls-verify"] = true;
  return yaml.dump(config, { lineWidth: -1 });
}
