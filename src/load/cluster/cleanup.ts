// Removes what a cluster load created: the Job (its pods go with it, by owner reference) and the ConfigMap.
// Idempotent, so the run itself and the post step after a cancelled run can both call it.
import type { Cluster } from "../../kube/cluster.js";
import { ClusterError, describeApiError, isNotFound } from "../../kube/errors.js";
import { withRetries } from "../../kube/retry.js";
import type { ClusterLoadNames } from "./plan.js";

export interface ClusterLoadDeletion {
  job: boolean;
  configMap: boolean;
}

/** Deletes the Job (Background propagation: its pods follow) and the ConfigMap; true for each that existed. */
export async function deleteClusterLoad(
  cluster: Cluster,
  names: ClusterLoadNames,
): Promise<ClusterLoadDeletion> {
  const { namespace } = names;
  const remove = async (what: string, call: () => Promise<unknown>): Promise<boolean> => {
    try {
      await withRetries(call);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new ClusterError(`cannot delete ${what}: ${describeApiError(error)}`);
    }
  };
  const job = await remove(`load Job ${namespace}/${names.job}`, () =>
    cluster.objects.delete(
      { apiVersion: "batch/v1", kind: "Job", metadata: { name: names.job, namespace } },
      undefined,
      undefined,
      undefined,
      undefined,
      "Background",
    ),
  );
  const configMap = await remove(`load ConfigMap ${namespace}/${names.configMap}`, () =>
    cluster.core.deleteNamespacedConfigMap({ name: names.configMap, namespace }),
  );
  return { job, configMap };
}
