// The load phase's staged form (the stages input): the stages run from the runner over runLoad, with the
// subject's serving pods sampled for each stage's figures. Kept apart from load.ts so that the constant load's
// phase only dispatches here.
import type { LoadStage, Settings } from "../../config/settings.js";
import {
  describeStage,
  describeTarget,
  runStages,
  type LoadTarget,
  type RunLoadOptions,
} from "../../load/index.js";
import type { LoadSummary } from "../../results.js";
import type { DeployedSubject } from "../subject.js";

export function runStagedLoad(
  options: RunLoadOptions,
  stages: LoadStage[],
  subject: DeployedSubject,
): Promise<LoadSummary> {
  return runStages({
    ...options,
    stages,
    // Unknown (not 0) when the pod watch was refused: a stage's pods are then null, never zeros.
    servingPods: () => (subject.pods.failure() ? undefined : subject.pods.counts().serving),
  });
}

/** "3 stages (30s:2, 1m:40, 30s:2), 2 m -> <target>". */
export function describeStagedLoad(
  settings: Pick<Settings, "load"> & { stages: LoadStage[] },
  target: LoadTarget,
): string {
  const { stages, load } = settings;
  const list = stages.map((s) => s.source).join(", ");
  const levels = stages.map((s) => describeStage(s, load.connections));
  const shape = new Set(levels).size === 1 ? `, ${levels[0]}` : "";
  return `${stages.length} stage${stages.length === 1 ? "" : "s"} (${list}), ${load.durationMs / 1000} s${shape} -> ${describeTarget(target)}`;
}
