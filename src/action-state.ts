// The action's cleanup-plan store: core.saveState writes to GITHUB_STATE, which the post step reads as STATE_*
// (actions/checkout's state-helper). Apart from pipeline/state.ts so that the CLI, which keeps its plan in a
// file, never loads @actions/core (src/index.ts, issue 16).
import * as core from "@actions/core";
import { parsePlan, type StateStore } from "./pipeline/state.js";

const PLAN_KEY = "cleanup-plan";

export const actionState: StateStore = {
  save: (plan) => core.saveState(PLAN_KEY, JSON.stringify(plan)),
  load: () => parsePlan(core.getState(PLAN_KEY)),
};
