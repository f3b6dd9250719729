// Phase 5: the load, from the runner or from worker pods in the cluster, while the subject's pods are watched;
// then the pod watch is closed and summarised. The one place a load is described in the log.
import type { LoadFrom, Settings } from "../../config/settings.js";
import type { Cluster } from "../../kube/cluster.js";
import { CancelledError, ClusterError } from "../../kube/errors.js";
import { runClusterLoad } from "../../load/cluster/index.js";
import { describeTarget, runLoad, type LoadTarget } from "../../load/index.js";
import type { LoadSummary, PodSummary } from "../../results.js";
import { podSummary } from "../document.js";
import type { RunScope } from "../scope.js";
import type { DeployedSubject } from "../subject.js";

export async function runLoadPhase(
  scope: RunScope,
  cluster: Cluster,
  subject: DeployedSubject,
  target: LoadTarget,
): Promise<LoadSummary> {
  const { settings, signal, log } = scope;
  const podCounts = () => {
    const c = subject.pods.counts();
    return `pods ${c.serving}${c.reserve ? ` (+${c.reserve} reserve)` : ""}`;
  };
  const common = {
    ...target,
    request: settings.request,
    load: settings.load,
    signal,
    log: log.info,
    progressExtra: podCounts,
  };
  const summary = await log.group(`Load: ${describeLoad(settings, target)}`, async () => {
    if (settings.loadFrom !== "cluster") return runLoad(common);
    const result = await runClusterLoad({
      ...common,
      cluster,
      namespace: subject.namespace,
      workers: settings.loadWorkers,
      image: settings.loadWorkerImage,
      startDelayMs: settings.loadStartDelayMs,
      service: subject.name,
      onNames: (names) => scope.recorder.record({ clusterLoad: names }),
    });
    return { ...result.summary, workers: result.workers };
  });
  if (signal.aborted) throw new CancelledError("cancelled during the load test");
  return summary;
}

/** Stops the subject's pod watch and summarises it; a refused watch fails the run rather than report zeros. */
export function collectPods(subject: DeployedSubject, settings: Settings): PodSummary {
  subject.pods.stop();
  // Without the pod watch the counts would be zeros that pass `pods.max` rules on no data.
  const failure = subject.pods.failure();
  if (failure) throw new ClusterError(failure);
  return podSummary(subject.pods, settings.manifest);
}

export function describeLoad(
  settings: Pick<Settings, "load" | "loadWorkers"> & { loadFrom: LoadFrom },
  target: LoadTarget,
): string {
  const { load, loadWorkers } = settings;
  const shape = load.rate ? `${load.rate} req/s` : "closed loop";
  const origin =
    settings.loadFrom === "cluster"
      ? `from ${loadWorkers} worker pod${loadWorkers === 1 ? "" : "s"} in the cluster, `
      : "";
  return `${origin}${load.connections} connections, ${load.durationMs / 1000} s, ${shape} -> ${describeTarget(target)}`;
}
