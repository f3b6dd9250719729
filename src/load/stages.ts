// A staged load (the stages input): a layer over runLoad, one measured pass per stage, back to back, after one
// warm-up at the first stage's level. Each pass is a complete runLoad (its own grace period for the requests in
// flight when it ends), so the next stage starts on fresh connections at its own level; the gap between two
// stages is that drain, normally a few milliseconds, and is measured, not assumed: each stage's start is read
// on the clock, and the timeline of the whole load is the stages' timelines shifted by their starts.
//
// Per stage the figures are runLoad's own (exact HDR percentiles); the whole load's percentiles come from the
// per-second latency buckets of every stage merged (1 % wide, src/latency-buckets.ts), since runLoad returns
// summaries, not histograms.
import { performance } from "node:perf_hooks";
import type { LoadSettings, LoadStage } from "../config/settings.js";
import { addInto, BUCKET_COUNT, percentilesOf } from "../latency-buckets.js";
import type { LoadSample, LoadSummary, StageSummary } from "../results.js";
import { runLoad, type RunLoadOptions } from "./run-load.js";

export interface RunStagesOptions extends Omit<RunLoadOptions, "load"> {
  /** warmupMs, and the connections of open-loop stages; duration, rate and request cap do not apply. */
  load: Pick<LoadSettings, "warmupMs" | "connections">;
  stages: LoadStage[];
  /** Serving pods now (undefined when not known): sampled each second of a stage for its pods figures. */
  servingPods?: () => number | undefined;
  /** How often servingPods is sampled within a stage; every second unless set. */
  podSampleIntervalMs?: number;
  /**
   * After the listed stages: the next stage from what the stages so far measured (an adaptive load, e.g. the
   * capacity search), or undefined to end. The listed stages may then be just the first.
   */
  next?: (done: StageSummary[]) => LoadStage | undefined;
  /** The single-load runner; runLoad unless a test replaces it. */
  run?: (options: RunLoadOptions) => Promise<LoadSummary>;
}

export async function runStages(options: RunStagesOptions): Promise<LoadSummary> {
  const { stages, signal, log = () => {}, run = runLoad } = options;
  const base = { ...options, stages: undefined, servingPods: undefined, run: undefined, next: undefined };
  const loadOf = (stage: LoadStage, durationMs: number): LoadSettings => ({
    durationMs,
    connections: stage.connections ?? options.load.connections,
    rate: stage.rate,
    warmupMs: 0,
  });

  let warmupRequests = 0;
  if (options.load.warmupMs > 0 && !signal?.aborted) {
    const warmup = await run({ ...base, load: loadOf(stages[0], options.load.warmupMs), log: () => {} });
    warmupRequests = warmup.requests;
    log(
      `[load] warm-up at ${describeStage(stages[0], options.load.connections)}: ` +
        `${options.load.warmupMs / 1000} s, ${warmupRequests.toLocaleString("en-US")} requests (discarded)`,
    );
  }

  const passes: Pass[] = [];
  const origin = performance.now();
  const queue = [...stages];
  for (let index = 0; ; index++) {
    const stage =
      queue.shift() ??
      options.next?.(passes.map((pass, i) => stageSummary(i, pass, options.load.connections)));
    if (!stage || signal?.aborted) break;
    const of = options.next ? "" : `/${stages.length}`;
    log(
      `[load] stage ${index + 1}${of}: ${stage.durationMs / 1000} s at ` +
        describeStage(stage, options.load.connections),
    );
    const pods: number[] = [];
    const samplePods = () => {
      const serving = options.servingPods?.();
      if (serving !== undefined) pods.push(serving);
    };
    const timer = setInterval(samplePods, options.podSampleIntervalMs ?? 1000);
    const start = (performance.now() - origin) / 1000;
    const startedAt = Date.now();
    try {
      const summary = await run({ ...base, load: loadOf(stage, stage.durationMs) });
      samplePods();
      passes.push({ stage, start, startedAt, summary, pods });
    } finally {
      clearInterval(timer);
    }
  }
  return mergeStages(passes, options.load.connections, warmupRequests, options);
}

/** One stage as run: its offset on the load's clock (s), its start on the wall clock (epoch ms), its figures. */
export interface Pass {
  stage: LoadStage;
  start: number;
  startedAt: number;
  summary: LoadSummary;
  pods: number[];
}

/** "40 connections" or "500 req/s over 50 connections". */
export function describeStage(stage: LoadStage, connections: number): string {
  return stage.rate !== undefined
    ? `${stage.rate} req/s over ${connections} connections`
    : `${stage.connections} connections`;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** The whole staged load as one LoadSummary, with each stage's own figures in `stages`. Pure. */
export function mergeStages(
  passes: Pass[],
  connections: number,
  warmupRequests: number,
  target: Pick<RunLoadOptions, "url" | "host">,
): LoadSummary {
  const sum = (pick: (s: LoadSummary) => number): number =>
    passes.reduce((total, p) => total + pick(p.summary), 0);
  const last = passes[passes.length - 1];
  const durationSeconds = last ? round(last.start + last.summary.durationSeconds, 3) : 0;
  const requests = sum((s) => s.requests);
  const sent = sum((s) => s.sent ?? s.requests + s.errors.timeouts + s.errors.connectionErrors);
  const errorsTotal = sum((s) => s.errors.total);
  const byStatus: Record<string, number> = {};
  for (const { summary } of passes) {
    for (const [status, count] of Object.entries(summary.errors.byStatus)) {
      byStatus[status] = (byStatus[status] ?? 0) + count;
    }
  }
  const timeline: LoadSample[] = passes.flatMap(({ start, summary }) =>
    summary.timeline.map((sample) => ({ ...sample, t: round(start + sample.t, 3) })),
  );

  return {
    target:
      passes[0]?.summary.target ??
      (target.host ? { url: target.url, host: target.host } : { url: target.url }),
    durationSeconds,
    sent,
    requests,
    unanswered: sum((s) => s.unanswered ?? 0),
    rps: durationSeconds > 0 ? round(requests / durationSeconds, 1) : 0,
    bytesPerSecond:
      durationSeconds > 0
        ? Math.round(sum((s) => s.bytesPerSecond * s.durationSeconds) / durationSeconds)
        : 0,
    latency: mergedLatency(passes.map((p) => p.summary)),
    errors: {
      total: errorsTotal,
      rate: sent > 0 ? errorsTotal / sent : 0,
      byStatus,
      timeouts: sum((s) => s.errors.timeouts),
      connectionErrors: sum((s) => s.errors.connectionErrors),
    },
    timeline,
    warmupRequests,
    stages: passes.map((pass, i) => stageSummary(i, pass, connections)),
  };
}

function stageSummary(index: number, pass: Pass, connections: number): StageSummary {
  const { stage, start, summary, pods } = pass;
  const { latency, errors } = summary;
  return {
    index: index + 1,
    stage: stage.source,
    start: round(start, 3),
    durationSeconds: summary.durationSeconds,
    connections: stage.connections ?? connections,
    rate: stage.rate ?? null,
    sent: summary.sent ?? summary.requests + errors.timeouts + errors.connectionErrors,
    requests: summary.requests,
    rps: summary.rps,
    latency: { p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max },
    errors: {
      total: errors.total,
      rate: errors.rate,
      timeouts: errors.timeouts,
      connectionErrors: errors.connectionErrors,
    },
    pods: pods.length > 0 ? { max: Math.max(...pods), final: pods[pods.length - 1] } : null,
    startedAt: new Date(pass.startedAt).toISOString(),
  };
}

/**
 * Percentiles of every stage's requests together, from their per-second buckets (each within 0.5 % of the
 * value); min and max exact, mean weighted by requests; none above max. All 0 when nothing was answered.
 */
function mergedLatency(summaries: LoadSummary[]): LoadSummary["latency"] {
  const answered = summaries.filter((s) => s.requests > 0);
  const requests = answered.reduce((total, s) => total + s.requests, 0);
  if (requests === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const dense = new Float64Array(BUCKET_COUNT);
  let counted = 0;
  for (const summary of answered) {
    for (const sample of summary.timeline) {
      addInto(dense, sample.buckets ?? []);
      counted += (sample.buckets ?? []).reduce((total, [, count]) => total + count, 0);
    }
  }
  const max = Math.max(...answered.map((s) => s.latency.max));
  const min = Math.min(...answered.map((s) => s.latency.min));
  // Without buckets (never from runLoad) the worst stage's percentile is the honest upper bound.
  const worst = (pick: (l: LoadSummary["latency"]) => number) =>
    Math.max(...answered.map((s) => pick(s.latency)));
  const [p50, p90, p99, p999] =
    counted > 0
      ? percentilesOf(dense, counted, [50, 90, 99, 99.9]).map((v) =>
          round(Math.min(Math.max(v, min), max), 3),
        )
      : [worst((l) => l.p50), worst((l) => l.p90), worst((l) => l.p99), worst((l) => l.p999)];
  const mean = answered.reduce((total, s) => total + s.latency.mean * s.requests, 0) / requests;
  return { min, mean: round(mean, 3), p50, p90, p99, p999, max };
}
