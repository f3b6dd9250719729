// The load engine's public surface: the measured load phase and the cold-start probe.
export { prepareLoad, runLoad, threadCount, type PreparedLoad, type RunLoadOptions } from "./run-load.js";
export { chooseTarget, describeTarget, requestFor, type LoadTarget } from "./target.js";
export { measureFirstRequest, type FirstRequestOptions, type FirstResponse } from "./first-request.js";
export { runStages, describeStage, type RunStagesOptions } from "./stages.js";
