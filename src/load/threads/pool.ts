// The load on several event loops: this thread and worker threads, each running the engine's pass (engine.ts) on
// its share of the connections, rate and request cap (the cluster load's splitLoad), all from one common start.
// One event loop saturates near the rate of a single bare-socket client (bench/README.md); threads use the other
// cores. N threads are this one plus N - 1 workers: the main thread would otherwise only record, and every
// worker is a V8 isolate of its own (about 30 MB with the engine loaded).
//
// What stays as on one thread, by construction rather than by merging:
// - every outcome goes back to the caller's one observer (the run's LoadRecorder), in order per thread, so the
//   histogram, the counters and the per-second timeline with its buckets are exactly what one thread would
//   record (protocol.ts);
// - fixed-rate pacing: each thread paces its connections from the common start at their place in the whole
//   load's schedule (pacer.ts, `slots`), so a stall still shows from each request's intended send time;
// - the end: each thread stops sending at the duration and gives its requests in flight the grace period
//   (grace.ts) itself; `ended` reaches the observer once, when the last thread stopped sending; the pass ends
//   when every thread is done;
// - abort: the signal reaches every thread at once, and a thread that does not finish promptly is terminated.
//
// Threads start when a load is prepared (run-load.ts), never at the action's start-up, and end with it.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { splitLoad } from "../cluster/plan.js";
import { runPass, type PassEnd, type PassObserver, type PassOptions, type PassResult } from "../engine.js";
import { OUTCOME, OUTCOME_WIDTH, type HostMessage, type ThreadMessage, type ThreadPass } from "./protocol.js";

// Kept in a variable of its own: ncc copies the file next to the bundle and rewrites this to its path there.
const ENTRY = new URL("./entry.mjs", import.meta.url);
const HERE = import.meta.url;

/** After an abort, how long a thread may take to report before it is terminated. */
const ABORT_BACKSTOP_MS = 2000;

/** The default of `load-threads`: one thread per core the process may use. */
export function defaultLoadThreads(): number {
  return Math.max(1, availableParallelism());
}

/** Where the thread finds the engine: the bundle that holds this code, or the TypeScript sources (tests). */
function threadModule(): { module: string; typescript: boolean } {
  if (HERE.endsWith(".ts")) return { module: HERE.replace(/pool\.ts$/, "thread.ts"), typescript: true };
  return { module: HERE, typescript: false };
}

export class ThreadError extends Error {}

interface Thread {
  worker: Worker;
  /** Set while a pass runs: where this thread's messages and failure go. */
  onMessage?: (message: ThreadMessage) => void;
  onFailure?: (error: Error) => void;
  /** Why the worker died, if it did: a later pass fails at once rather than wait for it. */
  failure?: Error;
}

/** One event loop's part of a pass: `onMessage` gets what a worker would post, outcomes go to the observer. */
interface Lane {
  start(pass: ThreadPass, observer: PassObserver, onMessage: (message: ThreadMessage) => void): void;
  abort(): void;
  stop(): void;
}

export class LoadThreads {
  private closed = false;

  private constructor(private readonly threads: Thread[]) {}

  /**
   * `count` event loops: this thread and `count - 1` workers, each waited for until it loaded the engine;
   * fails if one cannot start.
   */
  static async start(count: number): Promise<LoadThreads> {
    const { module, typescript } = threadModule();
    const threads: Thread[] = Array.from({ length: Math.max(0, count - 1) }, () => {
      const worker = new Worker(ENTRY, { workerData: { module, typescript } });
      // Threads started ahead of a load that never came (the deploy failed) must not keep the process alive;
      // each is held only while a pass runs (threadLane).
      worker.unref();
      return { worker };
    });
    const pool = new LoadThreads(threads);
    try {
      await Promise.all(threads.map((thread, index) => pool.watch(thread, index)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Event loops, this one included. */
  get size(): number {
    return this.threads.length + 1;
  }

  private lanes(): Lane[] {
    const local: Lane = this.localLane();
    return [local, ...this.threads.map((thread) => this.threadLane(thread))];
  }

  private localLane(): Lane {
    let controller: AbortController | undefined;
    return {
      start: (pass, observer, onMessage) => {
        controller = new AbortController();
        const { startedAtEpochMs, ...rest } = pass;
        runPass(
          { ...rest, startedAt: startedAtEpochMs - performance.timeOrigin, signal: controller.signal },
          {
            response: (status, bytes, latencyMs) => observer.response(status, bytes, latencyMs),
            timeout: () => observer.timeout(),
            connectionError: () => observer.connectionError(),
            unanswered: () => observer.unanswered?.(),
            ended: (at) => onMessage({ type: "ended", atEpochMs: performance.timeOrigin + at }),
          },
        ).then(
          ({ endedAt, endedBy }) =>
            onMessage({ type: "done", endedAtEpochMs: performance.timeOrigin + endedAt, endedBy }),
          (error: unknown) =>
            onMessage({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
        );
      },
      abort: () => controller?.abort(),
      stop: () => {},
    };
  }

  private threadLane(thread: Thread): Lane {
    return {
      start: (pass, observer, onMessage) => {
        thread.onMessage = (message) =>
          message.type === "outcomes" ? record(message.batch, observer) : onMessage(message);
        // Held while the pass runs: this thread may have nothing else to wait for (its own lane done).
        thread.worker.ref();
        thread.worker.postMessage({ type: "pass", pass } satisfies HostMessage);
      },
      abort: () => thread.worker.postMessage({ type: "abort" } satisfies HostMessage),
      stop: () => {
        thread.onMessage = undefined;
        thread.onFailure = undefined;
        thread.worker.unref();
      },
    };
  }

  /**
   * Resolves at the worker's "ready"; wires its later messages and failures to the pass that runs. Workers are
   * load threads 2, 3, …: thread 1 is this one.
   */
  private watch(thread: Thread, index: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const fail = (error: Error): void => {
        thread.failure ??= error;
        if (!ready) return reject(error);
        thread.onFailure?.(error);
      };
      thread.worker.on("message", (message: ThreadMessage) => {
        if (message.type === "ready") {
          ready = true;
          return resolve();
        }
        thread.onMessage?.(message);
      });
      thread.worker.on("error", (error) =>
        fail(new ThreadError(`load thread ${index + 2} failed: ${error.message}`)),
      );
      thread.worker.on("exit", (code) => {
        if (!this.closed) fail(new ThreadError(`load thread ${index + 2} exited (code ${code})`));
      });
    });
  }

  /** One pass over all threads (or as many as there are connections): the same contract as engine.runPass. */
  runPass(options: PassOptions, observer: PassObserver): Promise<PassResult> {
    const { signal, startedAt } = options;
    if (this.closed) return Promise.reject(new ThreadError("load threads: already closed"));
    const dead = this.threads.find((thread) => thread.failure);
    if (dead?.failure) return Promise.reject(dead.failure);
    if (signal?.aborted) return Promise.resolve({ endedAt: startedAt, endedBy: "aborted" });

    const connections = Math.max(1, Math.min(options.connections, options.requests ?? Infinity));
    const count = Math.min(this.size, connections);
    const shares = splitLoad(
      {
        connections,
        rate: options.rate,
        requests: options.requests,
        durationMs: options.durationMs,
        warmupMs: 0,
      },
      count,
    );
    const lanes = this.lanes().slice(0, count);
    const fromEpoch = (epochMs: number): number => epochMs - performance.timeOrigin;

    return new Promise<PassResult>((resolve, reject) => {
      const ends: PassEnd[] = [];
      let endedAt = startedAt;
      let stoppedSending = 0;
      let latestStop = startedAt;
      let backstop: NodeJS.Timeout | undefined;
      let settled = false;

      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(backstop);
        signal?.removeEventListener("abort", onAbort);
        for (const lane of lanes) lane.stop();
        if (error) {
          // The other lanes may still be sending: stop them before reporting.
          for (const lane of lanes) lane.abort();
          return reject(error);
        }
        const endedBy: PassEnd = ends.includes("aborted")
          ? "aborted"
          : ends.every((end) => end === "requests")
            ? "requests"
            : "duration";
        resolve({ endedAt, endedBy });
      };
      const onAbort = (): void => {
        for (const lane of lanes) lane.abort();
        // A thread busy beyond reason must not hold the run: terminate what has not reported.
        backstop = setTimeout(() => {
          ends.push("aborted");
          void this.close();
          finish();
        }, ABORT_BACKSTOP_MS);
      };

      lanes.forEach((lane, index) => {
        const onMessage = (message: ThreadMessage): void => {
          switch (message.type) {
            case "ended":
              latestStop = Math.max(latestStop, fromEpoch(message.atEpochMs));
              // Sending has stopped everywhere: the measured window ends at the last lane's stop.
              if (++stoppedSending === lanes.length) observer.ended?.(latestStop);
              return;
            case "done":
              ends.push(message.endedBy);
              endedAt = Math.max(endedAt, fromEpoch(message.endedAtEpochMs));
              if (ends.length === lanes.length) finish();
              return;
            case "failed":
              return finish(new ThreadError(`${message.message} (load thread ${index + 1})`));
          }
        };
        if (index > 0) this.threads[index - 1].onFailure = (error) => finish(error);
        const share = shares[index];
        lane.start(
          {
            target: options.target,
            method: options.method,
            body: options.body,
            timeoutMs: options.timeoutMs,
            connections: share.connections,
            durationMs: options.durationMs,
            graceMs: options.graceMs ?? 0,
            rate: share.rate,
            requests: share.requests,
            slots: { first: share.firstConnection, total: connections },
            startedAtEpochMs: performance.timeOrigin + startedAt,
          },
          observer,
          onMessage,
        );
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Ends every worker; safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }
}

/** A worker's batch of outcomes, in order, to the observer. */
function record(batch: Float64Array, observer: PassObserver): void {
  for (let i = 0; i < batch.length; i += OUTCOME_WIDTH) {
    switch (batch[i]) {
      case OUTCOME.response:
        observer.response(batch[i + 1], batch[i + 2], batch[i + 3]);
        break;
      case OUTCOME.timeout:
        observer.timeout();
        break;
      case OUTCOME.connectionError:
        observer.connectionError();
        break;
      case OUTCOME.unanswered:
        observer.unanswered?.();
        break;
    }
  }
}
