// Everything the measured load phase reports is recorded here, from the engine's events, one per request.
// Latency is recorded in microseconds, so percentiles keep sub-millisecond precision (autocannon, the engine
// before ours, truncated to whole milliseconds: it records float ms into an HDR histogram whose lowest
// discernible value is 1).
import { latencySummary, microsecondHistogram, ms, type Histogram } from "./histogram.js";
import { SecondBuckets } from "../latency-buckets.js";
import type { ErrorSummary, LatencySummary, LoadSample, LoadSummary } from "../results.js";

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** Counters of one window (a second of the timeline, or the window of a progress line). */
interface Window {
  requests: number;
  errors: number;
  latency: Histogram;
}

function emptyWindow(): Window {
  return { requests: 0, errors: 0, latency: microsecondHistogram() };
}

function resetWindow(window: Window): void {
  window.requests = 0;
  window.errors = 0;
  window.latency.reset();
}

export interface ProgressSnapshot {
  elapsedSeconds: number;
  requests: number;
  errors: number;
  /** Over the window since the previous snapshot. */
  rps: number;
  p99: number;
}

/**
 * Accumulates responses and failures of the measured phase. Times are milliseconds on one monotonic clock
 * (performance.now()); the caller decides when a second or a progress window ends.
 */
export class LoadRecorder {
  private readonly latency = microsecondHistogram();
  private readonly second = emptyWindow();
  private readonly progressWindow = emptyWindow();
  private readonly byStatus: Record<string, number> = {};
  private readonly timeline: LoadSample[] = [];
  /** This second's latencies on the verdict's grid, their sum, and its requests that got no response. */
  private readonly secondBuckets = new SecondBuckets();
  private secondSumMs = 0;
  private secondUnanswered = 0;
  private requests = 0;
  private bytes = 0;
  private timeouts = 0;
  private connectionErrors = 0;
  private unansweredAtEnd = 0;
  private secondStartedAt: number;
  private progressStartedAt: number;
  private endedAt: number | undefined;
  private lastClosed = false;

  constructor(private readonly startedAt: number) {
    this.secondStartedAt = startedAt;
    this.progressStartedAt = startedAt;
  }

  /** A complete response of any status; latencyMs is float milliseconds. */
  response(status: number, bytes: number, latencyMs: number): void {
    const micros = Math.max(1, Math.round(latencyMs * 1000));
    const failed = status < 200 || status >= 400;
    this.requests++;
    this.bytes += bytes;
    this.latency.recordValue(micros);
    this.secondBuckets.record(latencyMs);
    this.secondSumMs += latencyMs;
    for (const window of [this.second, this.progressWindow]) {
      window.requests++;
      window.latency.recordValue(micros);
      if (failed) window.errors++;
    }
    if (failed) this.byStatus[String(status)] = (this.byStatus[String(status)] ?? 0) + 1;
  }

  timeout(): void {
    this.timeouts++;
    this.countError();
  }

  connectionError(): void {
    this.connectionErrors++;
    this.countError();
  }

  /** Still in flight when the grace period after the load ran out (grace.ts): a timeout, and counted apart. */
  unanswered(): void {
    this.unansweredAtEnd++;
    this.timeout();
  }

  private countError(): void {
    this.secondUnanswered++;
    this.second.errors++;
    this.progressWindow.errors++;
  }

  /** Closes the current timeline second at `now`. */
  endSecond(now: number): void {
    if (this.endedAt !== undefined) return;
    this.closeWindow(now);
  }

  /**
   * The load ended at `at`. Outcomes of the grace period that follows still count, in the last, partial second
   * (closed by `summary`), so the timeline adds up to the totals.
   */
  ended(at: number): void {
    if (this.endedAt !== undefined) return;
    this.endedAt = at;
  }

  /** The last, partial second is kept if anything happened in it. */
  private closeLastSecond(): void {
    if (this.endedAt === undefined || this.lastClosed) return;
    this.lastClosed = true;
    if (this.second.requests === 0 && this.second.errors === 0) return;
    if (this.endedAt > this.secondStartedAt) return this.closeWindow(this.endedAt);
    // The load ended on a second's boundary: what came after belongs to the second just closed.
    const last = this.timeline[this.timeline.length - 1];
    if (!last) return this.closeWindow(this.secondStartedAt + 1);
    last.requests += this.second.requests;
    last.errors += this.second.errors;
    last.rps = round(last.requests, 1);
    if (this.second.requests > 0)
      last.p99 = Math.max(last.p99, ms(this.second.latency.getValueAtPercentile(99)));
  }

  private closeWindow(now: number): void {
    const length = (now - this.secondStartedAt) / 1000;
    if (length <= 0) return;
    this.timeline.push({
      t: round((this.secondStartedAt - this.startedAt) / 1000, 3),
      requests: this.second.requests,
      rps: round(this.second.requests / length, 1),
      p99: this.second.requests > 0 ? ms(this.second.latency.getValueAtPercentile(99)) : 0,
      errors: this.second.errors,
      buckets: this.secondBuckets.take(),
      sumMs: round(this.secondSumMs, 3),
      unanswered: this.secondUnanswered,
    });
    this.secondSumMs = 0;
    this.secondUnanswered = 0;
    resetWindow(this.second);
    this.secondStartedAt = now;
  }

  /** Figures for a progress line: totals so far, rate and p99 since the previous snapshot. */
  progress(now: number): ProgressSnapshot {
    const length = (now - this.progressStartedAt) / 1000;
    const snapshot: ProgressSnapshot = {
      elapsedSeconds: (now - this.startedAt) / 1000,
      requests: this.requests,
      errors: this.errorTotal(),
      rps: length > 0 ? this.progressWindow.requests / length : 0,
      p99: this.progressWindow.requests > 0 ? ms(this.progressWindow.latency.getValueAtPercentile(99)) : 0,
    };
    resetWindow(this.progressWindow);
    this.progressStartedAt = now;
    return snapshot;
  }

  private errorTotal(): number {
    const statusErrors = Object.values(this.byStatus).reduce((sum, n) => sum + n, 0);
    return statusErrors + this.timeouts + this.connectionErrors;
  }

  summary(endedAt: number, target: LoadSummary["target"], warmupRequests: number): LoadSummary {
    this.closeLastSecond();
    const durationSeconds = Math.max(0, (endedAt - this.startedAt) / 1000);
    const total = this.errorTotal();
    const attempts = this.requests + this.timeouts + this.connectionErrors;
    const errors: ErrorSummary = {
      total,
      rate: attempts > 0 ? total / attempts : 0,
      byStatus: { ...this.byStatus },
      timeouts: this.timeouts,
      connectionErrors: this.connectionErrors,
    };
    return {
      target,
      durationSeconds: round(durationSeconds, 3),
      sent: attempts,
      requests: this.requests,
      unanswered: this.unansweredAtEnd,
      rps: durationSeconds > 0 ? round(this.requests / durationSeconds, 1) : 0,
      bytesPerSecond: durationSeconds > 0 ? Math.round(this.bytes / durationSeconds) : 0,
      latency: this.latencySummary(),
      errors,
      timeline: [...this.timeline],
      warmupRequests,
    };
  }

  private latencySummary(): LatencySummary {
    return latencySummary(this.latency);
  }
}
