// The load phase as a capacity search (the capacity-search input): open-loop steps of `duration` each, run as
// the stages of a staged load whose next stage the search decides from the steps so far (pipeline/capacity.ts).
import type { Settings } from "../../config/settings.js";
import type { LoadStage } from "../../config/settings.js";
import { describeTarget, type LoadTarget, type RunLoadOptions } from "../../load/index.js";
import type { ThresholdRule } from "../../metrics.js";
import type { LoadSummary } from "../../results.js";
import { capacityResult, nextRate } from "../capacity.js";
import type { DeployedSubject } from "../subject.js";
import { runStagedLoad } from "./stages.js";

/** When no rate input gives the first step's. */
export const DEFAULT_START_RATE = 10;

export async function runCapacitySearch(
  options: RunLoadOptions,
  settings: Pick<Settings, "load"> & { capacitySearch: ThresholdRule[] },
  subject: DeployedSubject,
): Promise<LoadSummary> {
  const rules = settings.capacitySearch;
  const stepMs = settings.load.durationMs;
  const step = (rate: number): LoadStage => ({
    source: `${stepMs / 1000}s:${rate}/s`,
    durationMs: stepMs,
    rate,
  });
  const start = settings.load.rate ?? DEFAULT_START_RATE;
  const summary = await runStagedLoad(options, [step(start)], subject, (done) => {
    const rate = nextRate(rules, done, start);
    return rate === undefined ? undefined : step(rate);
  });
  const capacity = capacityResult(rules, summary.stages ?? [], options.signal?.aborted ?? false);
  options.log?.(
    capacity.highestRate === null
      ? `[capacity] no step held ${capacity.rules.join("; ")}: ${capacity.brokeBecause ?? "nothing measured"}`
      : `[capacity] ${capacity.highestRate}/s held ${capacity.rules.join("; ")}` +
          (capacity.pods !== null ? ` with ${capacity.pods} pods` : "") +
          (capacity.brokeAt !== null ? `; ${capacity.brokeBecause}` : "") +
          ` (${capacity.steps} steps, ended: ${capacity.ended})`,
  );
  return { ...summary, capacity };
}

export function describeCapacitySearch(
  settings: Pick<Settings, "load"> & { capacitySearch: ThresholdRule[] },
  target: LoadTarget,
): string {
  const rules = settings.capacitySearch.map((r) => r.source).join("; ");
  const start = settings.load.rate ?? DEFAULT_START_RATE;
  return (
    `capacity search (${rules}): steps of ${settings.load.durationMs / 1000} s from ${start} req/s over ` +
    `${settings.load.connections} connections -> ${describeTarget(target)}`
  );
}
