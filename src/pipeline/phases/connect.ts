// Phase 1: connect, and prove the API server answers before anything is changed. From here on the cleanup
// plan is saved, so the post step (or `cleanup`) knows this run.
import { checkReachable, openCluster, type Cluster } from "../../kube/cluster.js";
import { SERVING_API_VERSION } from "../../kube/knative.js";
import type { RunScope } from "../scope.js";

export function connect(scope: RunScope): Promise<Cluster> {
  return scope.log.group("Connect to the cluster", async () => {
    const cluster = await openCluster(scope.settings.kubeconfig);
    await checkReachable(cluster);
    scope.log.info(`API server ${cluster.server} (Knative Serving ${SERVING_API_VERSION})`);
    scope.recorder.record({});
    return cluster;
  });
}
