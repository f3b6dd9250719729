// Load from inside the cluster: an Indexed Job of stock-Node pods running worker.mjs, merged exactly into one
// LoadSummary. Also what cleanup (main and post step) needs to remove a run's Job and ConfigMap.
export { runClusterLoad, workerScript, type ClusterLoadOptions, type ClusterLoadResult } from "./run.js";
export { deleteClusterLoad, type ClusterLoadDeletion } from "./cleanup.js";
export {
  checkWorkers,
  DEFAULT_START_DELAY_MS,
  DEFAULT_WORKER_IMAGE,
  MAX_WORKERS,
} from "../../worker-limits.js";
export type { ClusterLoadNames } from "./plan.js";
export type { ClusterWorkerSummary } from "./merge.js";
