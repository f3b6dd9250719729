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
  type RunStagesOptions,
} from "../../load/index.js";
import type { ScaleDecision } from "../../kube/pod-autoscaler.js";
import type { LoadSummary, PodSummary } from "../../results.js";
import { stageChanges, withDesired } from "../scale-changes.js";
import type { DeployedSubject } from "../subject.js";

export async function runStagedLoad(
  options: RunLoadOptions,
  stages: LoadStage[],
  subject: DeployedSubject,
  next?: RunStagesOptions["next"],
): Promise<LoadSummary> {
  const summary = await runStages({
    ...options,
    stages,
    next,
    // Unknown (not 0) when the pod watch was refused: a stage's pods are then null, never zeros.
    servingPods: () => (subject.pods.failure() ? undefined : subject.pods.counts().serving),
  });
  const run = summary.stages ?? [];
  const last = run[run.length - 1];
  if (!last) return summary;
  const { decisions, unknown } = decisionsOf(subject);
  const changed = stageChanges(run, {
    decisions,
    decisionsUnknown: unknown,
    servingHistory: subject.pods.servingHistory(),
    timeline: summary.timeline,
    endedAt: Date.parse(last.startedAt) + last.durationSeconds * 1000,
  });
  return { ...summary, stages: changed };
}

/** The measured revision's decisions as watched, or why they are unknown. */
export function decisionsOf(subject: DeployedSubject): { decisions: ScaleDecision[]; unknown?: string } {
  const tracker = subject.autoscaler;
  if (!tracker) return { decisions: [], unknown: "the PodAutoscaler was not watched" };
  const failure = tracker.failure();
  if (failure) return { decisions: [], unknown: failure };
  return { decisions: tracker.decisions(subject.ready.revision) };
}

/**
 * The pod summary with the autoscaler's decision beside each second's pods (pods.timeline[].desired) and the
 * watch's start on the wall clock (so the report can mark the stages on the pods' own time line).
 */
export function withDecisions(summary: PodSummary, subject: DeployedSubject): PodSummary {
  const { decisions } = decisionsOf(subject);
  return {
    startedAt: new Date(subject.pods.startedAt).toISOString(),
    ...summary,
    timeline: withDesired(summary.timeline, subject.pods.startedAt, decisions),
  };
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
