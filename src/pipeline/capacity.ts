// The capacity search's decisions, pure: from the steps run so far (each a stage of the load), the next rate
// to try, and in the end what was found. Doubling from the start rate until a rule breaks, then halving the
// gap between the highest rate that held and the lowest that broke until they are within 5 %, all within
// MAX_CAPACITY_STEPS steps and the rate input's upper limit. A step holds when every rule holds on its own
// figures and it was answered at 90 % of the rate asked (an open loop that falls behind is over capacity even
// before its latency shows it: the engine's connections are all waiting).
//
// Until a break is confirmed, a step that breaks is run once more at the same rate, and a rate that held once
// counts as held: a single hiccup (a GC pause, a noisy neighbour, a node's CPU taken for a moment) in a step of a
// few seconds would otherwise end the doubling early and report a fraction of the capacity (measured on the
// simulator on a busy machine: 19/s found for a Service that sustains 80/s). Later breaks only narrow a bracket
// that already holds a confirmed break, so they are not repeated; the confirmation costs one step per search.
import { LIMITS, MAX_CAPACITY_STEPS } from "../config/limits.js";
import type { Settings } from "../config/settings.js";
import { gracePeriodMs } from "../load/grace.js";
import { metricValue, type ThresholdRule } from "../metrics.js";
import type { CapacityResult, ResultsDocument, StageSummary } from "../results.js";
import { compare } from "../verdict/evaluate.js";
import { formatMetric } from "../verdict/format.js";
import { findMetric } from "../metrics.js";

/**
 * The longest the measured load may last: a staged load or a search is one pass per stage or step, each with
 * its own grace period after it (load/grace.ts), the search up to MAX_CAPACITY_STEPS steps of `duration`.
 */
export function loadBoundMs(
  settings: Pick<Settings, "load" | "stages" | "capacitySearch" | "request">,
): number {
  const grace = gracePeriodMs(settings.request.timeoutMs);
  if (settings.capacitySearch) return MAX_CAPACITY_STEPS * (settings.load.durationMs + grace);
  if (settings.stages) return settings.load.durationMs + settings.stages.length * grace;
  return settings.load.durationMs;
}

export const RESOLUTION = 1.05;
export const KEEP_UP = 0.9;

/** Why a step broke the rules, or undefined when it held. */
export function stepProblem(rules: ThresholdRule[], step: StageSummary): string | undefined {
  const asked = step.rate ?? 0;
  if (step.requests === 0) return `nothing answered at ${asked}/s`;
  const doc = { load: { stages: [step] } } as unknown as ResultsDocument;
  for (const rule of rules) {
    const observed = metricValue(doc, `stage[1].${rule.metric}`);
    if (observed === null || !compare(observed, rule.operator, rule.limit)) {
      const kind = findMetric(rule.metric)?.kind ?? "count";
      return `${rule.metric} ${formatMetric(kind, observed)} at ${asked}/s (${rule.source})`;
    }
  }
  if (step.rps < KEEP_UP * asked) return `answered ${step.rps}/s of ${asked}/s asked`;
  return undefined;
}

interface Bounds {
  held?: StageSummary;
  broke?: StageSummary;
  why?: string;
}

function bounds(rules: ThresholdRule[], steps: StageSummary[]): Bounds {
  const out: Bounds = {};
  const problems = steps.map((step) => stepProblem(rules, step));
  const heldAt = new Set(steps.filter((_, i) => problems[i] === undefined).map((step) => step.rate ?? 0));
  steps.forEach((step, i) => {
    const rate = step.rate ?? 0;
    const problem = problems[i];
    if (problem === undefined) {
      if (!out.held || rate > (out.held.rate ?? 0)) out.held = step;
    } else if (!heldAt.has(rate) && (!out.broke || rate < (out.broke.rate ?? 0))) {
      out.broke = step;
      out.why = problem;
    }
  });
  return out;
}

/** A break to confirm: the last step broke, no earlier step broke at a rate that held nowhere, and it is not a repeat. */
function unconfirmedBreak(rules: ThresholdRule[], steps: StageSummary[]): number | undefined {
  const last = steps.at(-1);
  if (!last || stepProblem(rules, last) === undefined) return undefined;
  const rate = last.rate ?? 0;
  const earlier = steps.slice(0, -1);
  if (earlier.some((step) => step.rate === rate)) return undefined;
  return bounds(rules, earlier).broke === undefined ? rate : undefined;
}

/** The next rate to try, or undefined when the search is over. */
export function nextRate(
  rules: ThresholdRule[],
  steps: StageSummary[],
  startRate: number,
): number | undefined {
  if (steps.length === 0) return startRate;
  if (steps.length >= MAX_CAPACITY_STEPS) return undefined;
  const repeat = unconfirmedBreak(rules, steps);
  if (repeat !== undefined) return repeat;
  const { held, broke } = bounds(rules, steps);
  const low = held?.rate ?? undefined;
  const high = broke?.rate ?? undefined;
  if (low === undefined) return undefined;
  if (high === undefined) return low >= LIMITS.rate.max ? undefined : Math.min(LIMITS.rate.max, low * 2);
  if (high <= low * RESOLUTION || high - low <= 1) return undefined;
  return Math.round((low + high) / 2);
}

/** What the search found, from its steps. */
export function capacityResult(
  rules: ThresholdRule[],
  steps: StageSummary[],
  aborted: boolean,
): CapacityResult {
  const { held, broke, why } = bounds(rules, steps);
  const low = held?.rate ?? null;
  const high = broke?.rate ?? null;
  let ended: CapacityResult["ended"] = "resolution";
  if (aborted) ended = "aborted";
  else if (low === null) ended = "first-step";
  else if (high === null) ended = low >= LIMITS.rate.max ? "max-rate" : "steps";
  else if (!(high <= low * RESOLUTION || high - low <= 1)) ended = "steps";
  return {
    rules: rules.map((r) => r.source),
    highestRate: low,
    pods: held?.pods?.max ?? null,
    brokeAt: high,
    brokeBecause: why ?? null,
    steps: steps.length,
    ended,
  };
}
