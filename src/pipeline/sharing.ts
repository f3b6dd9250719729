// What a run shares with other runs on the same cluster, as steps of the deploy phase and of cleanup: its
// registration on a namespace this tool created (kube/namespace-lease.ts: the last run out deletes it) and its
// lease on a Service it keeps (kube/service-lease.ts: released, so the next run takes the Service over).
import type { Cluster } from "../kube/cluster.js";
import { claimNamespace, releaseNamespace } from "../kube/namespace-lease.js";
import { releaseServiceLease } from "../kube/service-lease.js";
import type { RunScope } from "./scope.js";
import type { CleanupPlan } from "./state.js";

/**
 * create-namespace: the namespace exists afterwards (created, joined, or created again after an earlier run's
 * delete finished), and this run is registered on it when it is ours. The plan says so before each write.
 */
export async function claimRunNamespace(scope: RunScope, cluster: Cluster): Promise<void> {
  const { settings, log } = scope;
  const name = settings.namespace;
  const claim = await claimNamespace(cluster, name, scope.lease, {
    timeoutMs: settings.readyTimeoutMs,
    signal: scope.signal,
    log: log.info,
    beforeWrite: () => scope.recorder.record({ deleteNamespace: true }),
  });
  scope.recorder.record({ deleteNamespace: claim.registered });
  if (claim.created) log.info(`created namespace ${name}`);
  else if (!claim.registered)
    log.info(`namespace ${name} exists (not created by knative-perf-gate; never deleted)`);
  else
    log.info(
      `namespace ${name} exists (created by knative-perf-gate); joined ${claim.others} other run(s) using it`,
    );
}

/** Cleanup: this run no longer holds the Service it keeps; the next run on the name may take it over. */
export async function releaseKeptService(
  cluster: Cluster,
  target: { namespace: string; service: string; runId?: string },
  log: (line: string) => void,
): Promise<void> {
  if (!target.runId) return;
  const { namespace, service } = target;
  const outcome = await releaseServiceLease(cluster, namespace, service, target.runId);
  if (outcome === "released") log(`released this run's lease on service ${namespace}/${service}`);
}

/** Cleanup: leaves the namespace; the last registered run out deletes it (when its teardown deletes). */
export async function leaveNamespace(
  cluster: Cluster,
  plan: Readonly<CleanupPlan>,
  mayDelete: boolean,
  log: (line: string) => void,
): Promise<void> {
  if (!plan.runId) return;
  const { namespace } = plan;
  const left = await releaseNamespace(cluster, namespace, plan.runId, { mayDelete });
  log(
    {
      deleted: `deleted namespace ${namespace} (created by knative-perf-gate; no other run is using it)`,
      gone: `namespace ${namespace} was already gone`,
      "not-ours": `namespace ${namespace} is not managed by knative-perf-gate; leaving it`,
      "in-use": `namespace ${namespace} is still used by ${"runs" in left ? left.runs : 0} other run(s); the last one deletes it`,
      kept: `teardown: ${plan.teardown}: leaving namespace ${namespace} in place`,
    }[left.outcome],
  );
}
