// Undoes what a run changed, exactly once: the load workers' Job and ConfigMap (always), the Service if it is
// ours (per the teardown policy) or else its lease released, this run's place in a namespace this tool created
// (the last run out deletes it), and the PrivateZone flag. Every step is idempotent, so the post step after a cancelled
// main step, or a second call, is safe.
import type { Cluster } from "../kube/cluster.js";
import { deleteService } from "../kube/deploy.js";
import { describeApiError } from "../kube/errors.js";
import { restorePrivateZone } from "../kube/private-zone.js";
import { deleteClusterLoad } from "../load/cluster/index.js";
import type { Log } from "./log.js";
import { leaveNamespace, releaseKeptService } from "./sharing.js";
import type { CleanupPlan, StateStore } from "./state.js";

export function shouldTearDown(plan: CleanupPlan): boolean {
  if (plan.teardown === "never") return false;
  if (plan.teardown === "on-success") return plan.passed === true;
  return true;
}

/**
 * Runs the plan; problems are logged as warnings, never thrown, so the run's own verdict stands. The plan is
 * marked done only when every step succeeded, so the post step tries again after a failure.
 */
export async function runCleanup(
  cluster: Cluster,
  plan: CleanupPlan,
  state: StateStore,
  log: Log,
): Promise<void> {
  if (plan.done) {
    log.info("cleanup already done");
    return;
  }
  const { namespace, service } = plan;
  let ok = true;
  const attempt = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      ok = false;
      log.warn(`cleanup: ${what} failed: ${describeApiError(error)}`);
    }
  };
  if (plan.clusterLoad) {
    // Whatever the teardown policy: the workers are load generators, not the thing under test, and a Job
    // left behind would keep running pods. Deleted before the Service, so no worker outlives its target.
    const names = plan.clusterLoad;
    await attempt(`delete load Job ${names.namespace}/${names.job}`, async () => {
      const deleted = await deleteClusterLoad(cluster, names);
      if (deleted.job || deleted.configMap)
        log.info(`deleted load Job and ConfigMap ${names.namespace}/${names.job}`);
    });
  }
  // The candidate, and in an A/B run the baseline: each deleted only if this run created it.
  const services = [
    { service, deleteService: plan.deleteService },
    ...(plan.baseline ? [plan.baseline] : []),
  ];
  if (shouldTearDown(plan)) {
    for (const { service: name, deleteService: ours } of services) {
      if (!ours) continue;
      await attempt(`delete service ${namespace}/${name}`, async () => {
        const outcome = await deleteService(cluster, namespace, name, plan.runId);
        log.info(
          {
            deleted: `deleted service ${namespace}/${name}`,
            gone: `service ${namespace}/${name} was already gone`,
            "held-by-another-run": `service ${namespace}/${name} is held by another run now; leaving it`,
          }[outcome],
        );
      });
    }
  } else {
    for (const { service: name, deleteService: ours } of services) {
      if (!ours) continue;
      log.info(`teardown: ${plan.teardown}: leaving service ${namespace}/${name} in place`);
      await attempt(`release service ${namespace}/${name}`, () =>
        releaseKeptService(cluster, { namespace, service: name, runId: plan.runId }, log.info),
      );
    }
  }
  if (plan.deleteNamespace) {
    await attempt(`release namespace ${namespace}`, () =>
      leaveNamespace(cluster, plan, shouldTearDown(plan), log.info),
    );
  }
  if (plan.privateZone) {
    const change = plan.privateZone;
    await attempt("restore enablePrivateZone", async () => {
      const outcome = await restorePrivateZone(cluster, change);
      log.info(
        outcome === "restored"
          ? `enablePrivateZone restored to ${change.previous === undefined ? "(unset)" : `"${change.previous}"`}`
          : `enablePrivateZone was changed by someone else during the run; leaving their value`,
      );
    });
  }
  state.save({ ...plan, done: ok });
}
