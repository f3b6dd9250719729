// What the load threads and the thread that runs the load say to each other (worker_threads messages).
//
// Outcomes travel in batches of numbers, four per outcome, so that tens of thousands per second cost a few
// hundred small messages rather than one each; the host feeds them, in order, to the one LoadRecorder of the
// run, which therefore sees exactly the outcomes one thread would have reported: no merge, nothing approximated.
// Times cross threads as epoch milliseconds (performance.timeOrigin + performance.now()), since every thread has
// its own performance.timeOrigin.
import type { PassEnd, PassOptions } from "../engine.js";
import type { ScheduleSlots } from "../pacer.js";

/** What one outcome is; the batch holds [kind, status, bytes, latencyMs] per outcome. */
export const OUTCOME = { response: 0, timeout: 1, connectionError: 2, unanswered: 3 } as const;
export const OUTCOME_WIDTH = 4;

/** One pass, as run-load asks for it, with this thread's share of connections, rate and requests. */
export interface ThreadPass extends Omit<PassOptions, "startedAt" | "signal" | "slots" | "graceMs"> {
  graceMs: number;
  slots: ScheduleSlots;
  /** The common start of the pass, epoch ms. */
  startedAtEpochMs: number;
}

export type HostMessage =
  | { type: "pass"; pass: ThreadPass }
  /** Stop the pass now (the run's signal aborted). */
  | { type: "abort" };

export type ThreadMessage =
  /** The engine is loaded: passes start without delay. */
  | { type: "ready" }
  | { type: "outcomes"; batch: Float64Array }
  /** Sending stopped (duration, request cap or abort); outcomes of the grace period may follow. */
  | { type: "ended"; atEpochMs: number }
  | { type: "done"; endedAtEpochMs: number; endedBy: PassEnd }
  | { type: "failed"; message: string };
