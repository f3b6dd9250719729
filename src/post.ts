// The action's post step: runs only what the main step's cleanup plan still has open (a failed, cancelled
// or crashed main step). It warns instead of failing: the job's outcome is already decided.
import * as core from "@actions/core";
import { openCluster } from "./kube/cluster.js";
import { runCleanup } from "./pipeline/cleanup.js";
import { errorMessage } from "./pipeline/errors.js";
import { actionLog } from "./pipeline/log.js";
import { actionState } from "./pipeline/state.js";

export async function runPost(): Promise<void> {
  try {
    const plan = actionState.load();
    if (!plan || plan.done) {
      core.info(plan ? "cleanup already done by the main step" : "nothing to clean up");
      return;
    }
    const kubeconfig = core.getInput("kubeconfig");
    if (kubeconfig) core.setSecret(kubeconfig);
    await runCleanup(await openCluster(kubeconfig || undefined), plan, actionState, actionLog);
  } catch (error) {
    core.warning(`cleanup: ${errorMessage(error)}`);
  }
}
