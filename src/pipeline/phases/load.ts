// Phase 5: the load, from the runner or from worker pods in the cluster, while the subject's pods are watched;
// then the pod watch is closed and summarised. The one place a load is described in the log. In an A/B run
// (duet benchmarking) both subjects get the same load at the same time from this process: the same
// connections, rate, warm-up and duration each, so that whatever slows the machine or the cluster meanwhile
// slows both, and the per-second figures of the two sides can be compared pairwise.
import type { LoadFrom, Settings } from "../../config/settings.js";
import type { Cluster } from "../../kube/cluster.js";
import { CancelledError, ClusterError } from "../../kube/errors.js";
import type { KnativeClusterConfig } from "../../kube/knative-config.js";
import { runClusterLoad } from "../../load/cluster/index.js";
import { describeTarget, runLoad, type LoadTarget, type PreparedLoad } from "../../load/index.js";
import type { LoadSummary, PodSummary } from "../../results.js";
import { podSummary } from "../document.js";
import type { RunScope } from "../scope.js";
import type { DeployedSubject } from "../subject.js";
import { describeCapacitySearch, runCapacitySearch } from "./capacity.js";
import { describeStagedLoad, runStagedLoad, withDecisions } from "./stages.js";

/** Loads every subject at once, each at its own target; the summaries come back in the subjects' order. */
export async function runDuetLoad(
  scope: RunScope,
  subjects: Array<{ subject: DeployedSubject; target: LoadTarget }>,
  prepared: PreparedLoad[] = [],
): Promise<LoadSummary[]> {
  const { settings, signal, log } = scope;
  const title = subjects
    .map(({ subject, target }) => `${subject.side} -> ${describeTarget(target)}`)
    .join(", ");
  const summaries = await log.group(
    `Load (A/B, side by side): ${describeLoad(settings, undefined)}; ${title}`,
    () =>
      Promise.all(
        subjects.map(({ subject, target }, index) =>
          runLoad({
            ...engineOptions(scope, subject, target, (line) => log.info(`[${subject.side}] ${line}`)),
            prepared: prepared[index],
          }),
        ),
      ),
  );
  if (signal.aborted) throw new CancelledError("cancelled during the load test");
  return summaries;
}

/** What the engine needs for one subject: its target, the run's request and load, and a progress line with its pods. */
function engineOptions(
  scope: RunScope,
  subject: DeployedSubject,
  target: LoadTarget,
  log: (line: string) => void,
) {
  const { settings, signal } = scope;
  const podCounts = () => {
    const c = subject.pods.counts();
    return `pods ${c.serving}${c.reserve ? ` (+${c.reserve} reserve)` : ""}`;
  };
  return { ...target, request: settings.request, load: settings.load, signal, log, progressExtra: podCounts };
}

export async function runLoadPhase(
  scope: RunScope,
  cluster: Cluster,
  subject: DeployedSubject,
  target: LoadTarget,
  /** The runner's engine, started ahead (run.ts). */
  prepared?: PreparedLoad,
): Promise<LoadSummary> {
  const { settings, signal, log } = scope;
  const common = engineOptions(scope, subject, target, log.info);
  const { stages, capacitySearch } = settings;
  const title = capacitySearch
    ? describeCapacitySearch({ ...settings, capacitySearch }, target)
    : stages
      ? describeStagedLoad({ ...settings, stages }, target)
      : describeLoad(settings, target);
  const summary = await log.group(`Load: ${title}`, async () => {
    if (capacitySearch) return runCapacitySearch(common, { ...settings, capacitySearch }, subject);
    if (stages) return runStagedLoad(common, stages, subject);
    if (settings.loadFrom !== "cluster") return runLoad({ ...common, prepared });
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
export function collectPods(subject: DeployedSubject, knative?: KnativeClusterConfig): PodSummary {
  subject.pods.stop();
  // Without the pod watch the counts would be zeros that pass `pods.max` rules on no data.
  const failure = subject.pods.failure();
  if (failure) throw new ClusterError(failure);
  return withDecisions(podSummary(subject.pods, subject.manifest, knative), subject);
}

export function describeLoad(
  settings: Pick<Settings, "load" | "loadWorkers"> & { loadFrom: LoadFrom },
  target: LoadTarget | undefined,
): string {
  const { load, loadWorkers } = settings;
  const shape = load.rate ? `${load.rate} req/s` : "closed loop";
  const origin =
    settings.loadFrom === "cluster"
      ? `from ${loadWorkers} worker pod${loadWorkers === 1 ? "" : "s"} in the cluster, `
      : "";
  const each = target ? ` -> ${describeTarget(target)}` : " each";
  return `${origin}${load.connections} connections, ${load.durationMs / 1000} s, ${shape}${each}`;
}
