// The load thread's side: runs each pass it is given (engine.ts's runPass, the same
// code a single-thread load runs) and streams every outcome back in batches (protocol.ts). It keeps no figures
// of its own: the host records them all.
import type { MessagePort } from "node:worker_threads";
import { runPass, type PassObserver } from "../engine.js";
import { OUTCOME, OUTCOME_WIDTH, type HostMessage, type ThreadMessage } from "./protocol.js";

/** Outcomes per batch at most; a batch also goes out at the end of each event-loop turn. */
const BATCH_OUTCOMES = 512;

export async function runLoadThread(port: MessagePort): Promise<void> {
  const post = (message: ThreadMessage, transfer?: ArrayBuffer[]): void =>
    port.postMessage(message, transfer);
  let abort: AbortController | undefined;

  // One buffer, reused; each flush sends a copy of its filled part (a few hundred bytes, usually), so a busy load
  // does not churn through large buffers that only a garbage collection would free.
  const batch = new Float64Array(BATCH_OUTCOMES * OUTCOME_WIDTH);
  let filled = 0;
  let flushScheduled = false;
  // Sent at the end of the turn rather than on a timer: an outcome reaches the host's recorder within about a
  // millisecond, so it lands in the same timeline second it would have on one thread.
  const flush = (): void => {
    flushScheduled = false;
    if (filled === 0) return;
    const out = batch.slice(0, filled);
    filled = 0;
    post({ type: "outcomes", batch: out }, [out.buffer as ArrayBuffer]);
  };
  const add = (kind: number, status = 0, bytes = 0, latencyMs = 0): void => {
    batch[filled] = kind;
    batch[filled + 1] = status;
    batch[filled + 2] = bytes;
    batch[filled + 3] = latencyMs;
    filled += OUTCOME_WIDTH;
    if (filled === batch.length) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };
  const observer: PassObserver = {
    response: (status, bytes, latencyMs) => add(OUTCOME.response, status, bytes, latencyMs),
    timeout: () => add(OUTCOME.timeout),
    connectionError: () => add(OUTCOME.connectionError),
    unanswered: () => add(OUTCOME.unanswered),
    ended: (at) => {
      flush();
      post({ type: "ended", atEpochMs: performance.timeOrigin + at });
    },
  };

  port.on("message", (message: HostMessage) => {
    if (message.type === "abort") return abort?.abort();
    const { startedAtEpochMs, ...pass } = message.pass;
    abort = new AbortController();
    runPass(
      { ...pass, startedAt: startedAtEpochMs - performance.timeOrigin, signal: abort.signal },
      observer,
    ).then(
      ({ endedAt, endedBy }) => {
        flush();
        post({ type: "done", endedAtEpochMs: performance.timeOrigin + endedAt, endedBy });
      },
      (error: unknown) => {
        flush();
        post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
      },
    );
  });
  post({ type: "ready" });
}
