// The connection to a cluster: one KubeConfig and the API clients the gate uses, made once per run.
import type {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  ObservableMiddleware,
  Watch,
} from "@kubernetes/client-node";
import { existsSync } from "node:fs";
import { delimiter } from "node:path";
import { findDefaultKubeconfig } from "../config/kubeconfig.js";
import { ClusterError, describeApiError } from "./errors.js";
import { withRetries } from "./retry.js";

export interface Cluster {
  kc: KubeConfig;
  server: string;
  core: CoreV1Api;
  objects: KubernetesObjectApi;
  watch: Watch;
}

// client-node aborts a watch after 30 s without a line. Our watches are quiet for long stretches (a Ready
// service, a steady pod count) and re-watching every 30 s would make API traffic grow with the run's length;
// the server's own watch timeout and our re-watch on close still bound a stuck connection.
const WATCH_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

type ClientNode = typeof import("@kubernetes/client-node");
let clientNodeModule: Promise<ClientNode> | undefined;

/**
 * client-node is most of the bundle: loading it only when a cluster is contacted keeps the action's start (and
 * every input error, which needs no cluster) fast.
 */
function clientNode(): Promise<ClientNode> {
  clientNodeModule ??= import("@kubernetes/client-node");
  return clientNodeModule;
}

/**
 * Connects with the given kubeconfig content (the `kubeconfig` input), else the places client-node's
 * loadFromDefault looks (KUBECONFIG, ~/.kube/config, in-cluster service account), found by
 * findDefaultKubeconfig. When none is there the run stops here, saying where it looked, instead of trying
 * client-node's last resort, http://localhost:8080.
 */
export async function openCluster(content?: string): Promise<Cluster> {
  const found = content ? undefined : findDefaultKubeconfig(process.env, existsSync, delimiter);
  if (found?.from === "none") throw new ClusterError(found.message);
  const k8s = await clientNode();
  const kc = new k8s.KubeConfig();
  try {
    if (content) kc.loadFromString(content);
    else if (found?.from === "KUBECONFIG") {
      kc.loadFromFile(found.paths[0]);
      for (const path of found.paths.slice(1)) {
        const more = new k8s.KubeConfig();
        more.loadFromFile(path);
        kc.mergeConfig(more);
      }
    } else if (found?.from === "home") kc.loadFromFile(found.path);
    else kc.loadFromCluster();
  } catch (error) {
    throw new ClusterError(`kubeconfig: cannot be loaded: ${describeApiError(error)}`);
  }
  if (!kc.getCurrentCluster()) {
    throw new ClusterError(
      "kubeconfig: no current cluster (set the kubeconfig input, KUBECONFIG, or run inside a cluster)",
    );
  }
  const watch = new k8s.Watch(kc);
  // client-node declares the field private and offers no setter; it is read on each watch request.
  Object.assign(watch, { requestTimeoutMs: WATCH_IDLE_TIMEOUT_MS });
  return {
    kc,
    server: kc.getCurrentCluster()?.server ?? "",
    core: kc.makeApiClient(k8s.CoreV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    watch,
  };
}

// client-node sets no request timeout: without one, a server that accepts the connection and never answers
// (a wrong port behind a load balancer, a stopped VM's forwarded port) would hold the run forever.
export const REACHABLE_TIMEOUT_MS = 10_000;

/** One cheap read that proves the API server answers before we change anything. */
export async function checkReachable(cluster: Cluster, timeoutMs = REACHABLE_TIMEOUT_MS): Promise<string> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    const k8s = await clientNode();
    const api = cluster.kc.makeApiClient(k8s.VersionApi);
    const options = {
      middleware: [abortWith(k8s, deadline.signal)],
      middlewareMergeStrategy: "append" as const,
    };
    // A 5xx or 429 is retried; a refused connection is an answer here (a wrong address), not a blip.
    const version = await withRetries(() => api.getCode({}, options), { transport: false });
    return version.gitVersion;
  } catch (error) {
    const why = deadline.signal.aborted
      ? `no answer within ${Math.round(timeoutMs / 1000)} s`
      : describeApiError(error);
    throw new ClusterError(`cannot reach the Kubernetes API at ${cluster.server}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Gives a request the signal that aborts it (client-node's per-call middleware). */
function abortWith(k8s: ClientNode, signal: AbortSignal): ObservableMiddleware {
  return {
    pre: (request) => {
      request.setSignal(signal);
      return new k8s.Observable(Promise.resolve(request));
    },
    post: (response) => new k8s.Observable(Promise.resolve(response)),
  };
}
