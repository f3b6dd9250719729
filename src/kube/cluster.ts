// The connection to a cluster: one KubeConfig and the API clients the gate uses, made once per run.
import type {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  V1APIResource,
  V1APIResourceList,
  Watch,
} from "@kubernetes/client-node";
import { existsSync } from "node:fs";
import { delimiter } from "node:path";
import { findDefaultKubeconfig } from "../config/kubeconfig.js";
import { ClusterError, describeApiError, statusCodeOf } from "./errors.js";
import { SERVING_API_VERSION } from "./knative.js";
import { withRetries } from "./retry.js";

export interface Cluster {
  kc: KubeConfig;
  server: string;
  core: CoreV1Api;
  objects: ObjectApi;
  watch: Watch;
}

/**
 * client-node's object API with its discovery shared: one `GET /apis/<group>/<version>` per group version at a
 * time, however many requests need it at once (client-node's own cache is filled only when an answer arrives,
 * so the pod tracker and the Ready wait starting together each sent one), and `discover` for the first one,
 * which proves the API server answers (checkReachable).
 */
export interface ObjectApi extends KubernetesObjectApi {
  /**
   * Asks for the group version's resources (one request, shared by every caller while it is in flight; `signal`
   * applies to a request this call starts) and caches the answer where client-node's lookups find it.
   */
  discover(apiVersion: string, signal?: AbortSignal): Promise<V1APIResourceList>;
}

// client-node aborts a watch after 30 s without a line. Our watches are quiet for long stretches (a Ready
// service, a steady pod count) and re-watching every 30 s would make API traffic grow with the run's length;
// the server's own watch timeout and our re-watch on close still bound a stuck connection.
const WATCH_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

type ClientNode = typeof import("./client-node.js");
let clientNodeModule: Promise<ClientNode> | undefined;

/**
 * client-node is most of what dist/ ships: loading it only when a cluster is contacted keeps the action's start
 * (and every input error, which needs no cluster) fast. webpackIgnore leaves this import to Node: in dist/ it
 * finds dist/client-node.js, the tree-shaken bundle scripts/client-node/bundle.mjs builds from ./client-node.ts
 * (ncc would bundle the whole package); from source it finds ./client-node.ts itself.
 */
function clientNode(): Promise<ClientNode> {
  clientNodeModule ??= import(/* webpackIgnore: true */ "./client-node.js");
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
    objects: makeObjectApi(k8s, kc),
    watch,
  };
}

function makeObjectApi(k8s: ClientNode, kc: KubeConfig): ObjectApi {
  class SharedDiscoveryObjectApi extends k8s.KubernetesObjectApi implements ObjectApi {
    private readonly discovering = new Map<string, Promise<V1APIResourceList>>();

    discover(apiVersion: string, signal?: AbortSignal): Promise<V1APIResourceList> {
      let pending = this.discovering.get(apiVersion);
      if (!pending) {
        const request = this.configuration.baseServer.makeRequestContext(
          this.apiVersionPath(apiVersion),
          "GET",
        );
        request.setHeaderParam("Accept", "application/json, */*;q=0.8");
        if (signal) request.setSignal(signal);
        pending = this.requestPromise<V1APIResourceList>(request, "V1APIResourceList")
          .then((list) => (this.apiVersionResourceCache[apiVersion] = list))
          .finally(() => this.discovering.delete(apiVersion));
        this.discovering.set(apiVersion, pending);
      }
      return pending;
    }

    /** What client-node's KubernetesObjectApi.makeApiClient does after constructing one. */
    withDefaultNamespace(from: KubeConfig): this {
      this.setDefaultNamespace(from);
      return this;
    }

    // client-node's resource() (object.ts) with the request shared: the cached list first; a kind missing from
    // it is asked again (a CRD installed meanwhile); a failure names the kind, each caller's error its own.
    protected override async resource(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
      const cached = this.apiVersionResourceCache[apiVersion]?.resources.find((r) => r.kind === kind);
      if (cached) return cached;
      try {
        return (await this.discover(apiVersion)).resources.find((r) => r.kind === kind);
      } catch (error) {
        if (!(error instanceof Error)) throw error;
        const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
        for (const key of Reflect.ownKeys(error)) {
          Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(error, key) as PropertyDescriptor);
        }
        copy.message = `Failed to fetch resource metadata for ${apiVersion}/${kind}: ${error.message}`;
        throw copy;
      }
    }
  }
  return kc.makeApiClient(SharedDiscoveryObjectApi).withDefaultNamespace(kc);
}

// client-node sets no request timeout: without one, a server that accepts the connection and never answers
// (a wrong port behind a load balancer, a stopped VM's forwarded port) would hold the run forever.
export const REACHABLE_TIMEOUT_MS = 10_000;

/**
 * Proves the API server answers before anything is changed, with the request the run needs first anyway: the
 * discovery of serving.knative.dev/v1, which the apply would otherwise make (and which, cached, it now skips).
 * A separate `GET /version` cost a round trip for a log line. A 404 there is a server that is not a Kubernetes
 * API server, or one without Knative Serving: both are named.
 */
export async function checkReachable(cluster: Cluster, timeoutMs = REACHABLE_TIMEOUT_MS): Promise<void> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    // A 5xx or 429 is retried; a refused connection is an answer here (a wrong address), not a blip.
    await withRetries(() => cluster.objects.discover(SERVING_API_VERSION, deadline.signal), {
      transport: false,
    });
  } catch (error) {
    const why = deadline.signal.aborted
      ? `no answer within ${Math.round(timeoutMs / 1000)} s`
      : describeApiError(error);
    const hint =
      statusCodeOf(error) === 404
        ? ` (no ${SERVING_API_VERSION} there: not a Kubernetes API server, or Knative Serving is not installed)`
        : "";
    throw new ClusterError(`cannot reach the Kubernetes API at ${cluster.server}: ${why}${hint}`);
  } finally {
    clearTimeout(timer);
  }
}
