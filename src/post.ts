// The action's post step: runs only what the main step's cleanup plan still has open (a failed, cancelled
// or crashed main step). It warns instead of failing: the job's outcome is already decided.
import * as core from "@actions/core";
import { actionLog } from "./action-log.js";
import { actionState } from "./action-state.js";
import { readActionInputs } from "./config/action-inputs.js";
import { readFileUpTo } from "./config/files.js";
import { parseCleanupSettings } from "./config/parse.js";
import { openCluster } from "./kube/cluster.js";
import { runCleanup } from "./pipeline/cleanup.js";
import { errorMessage } from "./pipeline/errors.js";

export async function runPost(): Promise<void> {
  try {
    const plan = actionState.load();
    if (!plan || plan.done) {
      core.info(plan ? "cleanup already done by the main step" : "nothing to clean up");
      return;
    }
    // The same inputs and checks as the main step; reading them masks the kubeconfig's credentials one by one.
    const { kubeconfig } = parseCleanupSettings(readActionInputs(), { readFile: readFileUpTo });
    await runCleanup(await openCluster(kubeconfig), plan, actionState, actionLog);
  } catch (error) {
    core.warning(`cleanup: ${errorMessage(error)}`);
  }
}
