// "Watch until a decision or a deadline", written once. The decision is a pure reducer over events
// (`step(state, event)`): it says done, fail, or wait (optionally: wake me at time t). This module owns
// everything around it that is easy to get wrong by hand: settling exactly once, the overall timeout, the
// decision's own timer (e.g. Ready's error window), a periodic progress callback, the abort signal, and stopping
// the event source on every way out. Modelled on knative/client's pkg/wait (wait_for_ready.go), whose decision
// loop reads a watch channel, an error-window timer and a timeout in one select.
import type { Cluster } from "./cluster.js";
import { CancelledError } from "./errors.js";
import { resilientWatch, type Selectors, type WatchedKind, type WatchedObject } from "./watch.js";

/** What a watch delivers: the complete set after each (re-)list, then single changes. */
export type WatchEvent<T> =
  | { type: "SYNC"; items: T[]; now: number }
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T; now: number };

/** The decision's own timer fired: the time it asked for with `wakeAt` has come. */
export interface Wake {
  type: "WAKE";
  now: number;
}

/** One step of a decision: the new state and what to do. `report` lines go to `options.report`. */
export type Step<S, R, F = Error> = { state: S; report?: string[] } & (
  | { done: R }
  | { fail: F }
  /** Keep waiting; when `wakeAt` (epoch ms) is set, a WAKE event comes then (unless it changes first). */
  | { wakeAt?: number }
);

/** How a wait ends when time runs out or it is cancelled: a value or an error. */
export type Settle<R> = { done: R } | { error: Error };

export interface UntilOptions<E, S, R, F = Error> {
  initial: S;
  /** Pure: every event carries `now`, so a reducer never reads the clock. */
  step(state: S, event: E | Wake): Step<S, R, F>;
  /**
   * Turns a decision's failure into the error to reject with; may read the cluster for detail (then it is
   * async). Once a decision fails, the failure is what is reported: later events and the timeout are ignored
   * while it is explained, only an abort still wins. Without it, the failure must be an Error.
   */
  explain?(failure: F, state: S): Error | Promise<Error>;
  /** A first WAKE (epoch ms), for a decision with deadlines of its own that must come even with no events. */
  wakeAt?: number;
  timeoutMs?: number;
  /** Default: an Error that names the timeout. */
  onTimeout?(state: S): Settle<R>;
  signal?: AbortSignal;
  /** Default: a CancelledError("cancelled"). */
  onAbort?(state: S): Settle<R>;
  /** Called every `ms` with the current state while waiting (progress lines). */
  every?: { ms: number; run(state: S): void };
  report?(line: string): void;
}

/** Starts delivering events; `fail` ends the wait with an error (e.g. the API server refused the watch). */
export type Source<E> = (deliver: (event: E) => void, fail: (error: Error) => void) => { stop(): void };

/** Runs a decision over the events of `source` until it is done, fails, times out or is aborted. */
export function until<E, S, R, F = Error>(source: Source<E>, options: UntilOptions<E, S, R, F>): Promise<R> {
  const { signal } = options;
  return new Promise<R>((resolve, reject) => {
    let state = options.initial;
    let phase: "waiting" | "explaining" | "settled" = "waiting";
    // Declared before anything can call quiet(): a source may deliver (and so settle) while it is subscribing.
    let subscription: { stop(): void } | undefined;
    let stopWhenSubscribed = false;
    let timeout: NodeJS.Timeout | undefined;
    let wake: NodeJS.Timeout | undefined;
    let wakeAt: number | undefined;
    let progress: NodeJS.Timeout | undefined;

    /** Stops everything that can deliver an event: the source and every timer. */
    const quiet = () => {
      clearTimeout(timeout);
      clearTimeout(wake);
      clearInterval(progress);
      wakeAt = undefined;
      if (subscription) subscription.stop();
      else stopWhenSubscribed = true;
      subscription = undefined;
    };
    const settle = (outcome: Settle<R>) => {
      if (phase === "settled") return;
      phase = "settled";
      quiet();
      signal?.removeEventListener("abort", onAbort);
      if ("error" in outcome) reject(outcome.error);
      else resolve(outcome.done);
    };
    const failWith = (failure: F) => {
      phase = "explaining";
      quiet();
      const explain = options.explain ?? ((f: F) => asError(f));
      // An explanation that throws is reported as it is rather than lost.
      void Promise.resolve()
        .then(() => explain(failure, state))
        .then(
          (error) => settle({ error }),
          (error: unknown) => settle({ error: asError(error) }),
        );
    };
    const arm = (at: number | undefined) => {
      if (at === wakeAt) return;
      clearTimeout(wake);
      wakeAt = at;
      if (at === undefined) return;
      wake = setTimeout(
        () => {
          wakeAt = undefined;
          apply({ type: "WAKE", now: Date.now() });
        },
        Math.max(0, at - Date.now()),
      );
    };
    const apply = (event: E | Wake) => {
      if (phase !== "waiting") return;
      let next: Step<S, R, F>;
      try {
        next = options.step(state, event);
      } catch (error) {
        settle({ error: asError(error) });
        return;
      }
      state = next.state;
      for (const line of next.report ?? []) options.report?.(line);
      if ("done" in next) settle({ done: next.done });
      else if ("fail" in next) failWith(next.fail);
      else arm(next.wakeAt);
    };
    const onAbort = () => settle(options.onAbort?.(state) ?? { error: new CancelledError() });

    // A signal that fired before the wait began (during a deploy) has already sent its event: stop now.
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      const ms = options.timeoutMs;
      timeout = setTimeout(
        () => settle(options.onTimeout?.(state) ?? { error: new Error(`timed out after ${ms} ms`) }),
        Math.max(0, ms),
      );
    }
    arm(options.wakeAt);
    if (options.every) {
      const { ms, run } = options.every;
      progress = setInterval(() => phase === "waiting" && run(state), ms);
    }
    let started: { stop(): void };
    try {
      started = source(apply, (error) => settle({ error }));
    } catch (error) {
      return settle({ error: asError(error) });
    }
    if (stopWhenSubscribed) started.stop();
    else subscription = started;
  });
}

export interface WatchSourceHandlers {
  /** A transient watch problem that is being retried; for logs. */
  onRetry?(message: string): void;
  /**
   * The API server refused the watch (401/403): the error to fail with, or undefined to go on without this
   * source (its watch has stopped). Without the handler the watch retries, blind.
   */
  onRefused?(message: string): Error | undefined;
}

/**
 * A resilientWatch as a source: list first (so an object that is already there decides at once), then watch
 * from the list's resourceVersion, re-watch when the connection drops and re-list on 410 Gone.
 */
export function watchSource<T extends WatchedObject>(
  cluster: Cluster,
  kind: WatchedKind,
  selectors: Selectors,
  handlers: WatchSourceHandlers = {},
): Source<WatchEvent<T>> {
  const { onRefused } = handlers;
  return (deliver, fail) =>
    resilientWatch<T>(cluster, kind, selectors, {
      onSync: (items) => deliver({ type: "SYNC", items, now: Date.now() }),
      onEvent: (type, object) => deliver({ type, object, now: Date.now() }),
      onRetry: handlers.onRetry,
      onRefused:
        onRefused &&
        ((message) => {
          const error = onRefused(message);
          if (error) fail(error);
        }),
    });
}

/** Each event of `source` as `wrap(event)`: tags events from several sources for one decision. */
export function mapSource<E, F>(source: Source<E>, wrap: (event: E) => F): Source<F> {
  return (deliver, fail) => source((event) => deliver(wrap(event)), fail);
}

/** The events of all sources as one; stopping it stops them all. */
export function mergeSources<E>(...sources: Source<E>[]): Source<E> {
  return (deliver, fail) => {
    const started: { stop(): void }[] = [];
    for (const source of sources) started.push(source(deliver, fail));
    return { stop: () => started.forEach((s) => s.stop()) };
  };
}

export interface WatchUntilOptions<T, S, R, F>
  extends UntilOptions<WatchEvent<T>, S, R, F>, WatchSourceHandlers {}

/** `until` over one watch (see watchSource). */
export function watchUntil<T extends WatchedObject, S, R, F = Error>(
  cluster: Cluster,
  kind: WatchedKind,
  selectors: Selectors,
  options: WatchUntilOptions<T, S, R, F>,
): Promise<R> {
  return until<WatchEvent<T>, S, R, F>(watchSource<T>(cluster, kind, selectors, options), options);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
