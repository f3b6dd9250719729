// One pass of load with autocannon as the engine (connections, HTTP/1.1 keep-alive, parsing, timeouts), observed
// per request through autocannon's `setupClient` hook. autocannon's summary is not used: see recorder.ts and
// pacer.ts for why latency and fixed-rate pacing are ours. autocannon's own worker threads (`workers`) are not
// used (the bundle is ESM and autocannon's worker entry is CommonJS): src/load/threads/ runs this same pass on
// several threads of our own.
//
// The hook reaches into internals of autocannon 8's Client (lib/httpClient.js): `_doRequest` (to send on our
// schedule and note the send time), `_connect` (to drop a request the server closed on, which autocannon would
// otherwise leave queued and pair with the next response, and to back off from a refusing target instead of
// reconnecting in a busy loop), `_resetConnection` (to honour `Connection: close`, which autocannon ignores, so
// the next request is not written to a socket the server is closing) and `timeout` (autocannon accepts whole
// seconds only).
//
// The end of the load follows grace.ts: at the duration no new request starts, and those in flight may finish
// within the grace period (their outcome counts) or are reported as unanswered.
import type autocannon from "autocannon";
import { performance } from "node:perf_hooks";
import { InFlight } from "./grace.js";
import { RateSchedule, type ScheduleSlots } from "./pacer.js";
import type { HttpRequestTarget } from "./target.js";

/** The parts of autocannon 8's Client this module relies on (not in its public types). */
interface ClientInternals {
  destroyed: boolean;
  reqsMade: number;
  responseMax?: number;
  _doRequest(): void;
  _connect(): void;
  _resetConnection(): void;
  destroy(): void;
  pipelinedRequests: { size(): number; clear(): void };
  /** Request timeout in ms; read after setupClient, when the timeout timer is created. */
  timeout: number;
  timeoutTicker: { reschedule(ms: number): void };
  on(event: "response", listener: (status: number, bytes: number) => void): this;
  on(event: "headers", listener: (info: { shouldKeepAlive?: boolean }) => void): this;
  on(event: "connError" | "timeout" | "done", listener: () => void): this;
}

export interface PassObserver {
  response(status: number, bytes: number, latencyMs: number): void;
  timeout(): void;
  connectionError(): void;
  /** A request still in flight when the grace period after the load ran out (see grace.ts). */
  unanswered?(): void;
  /** The load's duration (or the abort, or the request cap) ended at this performance.now() time. */
  ended?(at: number): void;
}

export interface PassOptions {
  target: HttpRequestTarget;
  method: string;
  body?: string;
  timeoutMs: number;
  connections: number;
  durationMs: number;
  /**
   * After the duration, how long requests in flight may take to finish before they count as unanswered
   * (grace.ts); 0 (the warm-up) drops them uncounted.
   */
  graceMs?: number;
  /** Requests per second across all connections; undefined runs closed loop. */
  rate?: number;
  /** Total requests to send; the pass ends when all are answered (or timed out), or at durationMs. */
  requests?: number;
  /** performance.now() when the pass starts: the origin of the rate schedule. */
  startedAt: number;
  /** On one of several threads: where this pass's connections sit in the whole load's rate schedule. */
  slots?: ScheduleSlots;
  signal?: AbortSignal;
}

export type PassEnd = "duration" | "requests" | "aborted";

export interface PassResult {
  /** performance.now() when sending stopped: the end of the measured window (the grace period follows it). */
  endedAt: number;
  endedBy: PassEnd;
}

/**
 * autocannon takes its timeout in seconds and rejects values below 1; a shorter one is set on each client in
 * setupClient, which runs before the client creates its timeout timer.
 */
const MIN_TIMEOUT_MS = 1000;
/** Reconnect delay after consecutive connection failures: 1, 2, 4 … ms, at most this. */
const MAX_RECONNECT_BACKOFF_MS = 250;
/** autocannon checks its stop flag once per sample interval; keep stopping prompt. */
const SAMPLE_INTERVAL_MS = 50;

/**
 * autocannon is loaded on first use rather than at start-up: with its dependencies and the WebAssembly histogram
 * it initializes on import, it is a large share of the action's cold start, and a run that fails on its inputs
 * never needs it.
 */
export async function loadEngine(): Promise<Engine> {
  return (await import("autocannon")).default;
}

export type Engine = typeof autocannon;

export function runPass(engine: Engine, options: PassOptions, observer: PassObserver): Promise<PassResult> {
  const { signal, startedAt } = options;
  if (signal?.aborted) return Promise.resolve({ endedAt: startedAt, endedBy: "aborted" });

  const connections = Math.max(1, Math.min(options.connections, options.requests ?? Infinity));
  const schedule = options.rate
    ? new RateSchedule(startedAt, options.rate, connections, options.slots)
    : undefined;
  const graceMs = options.graceMs ?? 0;
  /** New requests may start. */
  let sending = true;
  /** Outcomes are reported to the observer (through the grace period after sending stopped). */
  let measuring = true;
  let clientsDone = 0;
  let result: PassResult | undefined;
  let instance: autocannon.Instance | undefined;
  const clients: ClientInternals[] = [];
  const inFlight = new InFlight();

  // Closes every connection now rather than at autocannon's next sample tick, so the target sees no request
  // after the end and no late answer is counted.
  const close = (): void => {
    if (!measuring) return;
    measuring = false;
    inFlight.cancel();
    signal?.removeEventListener("abort", onAbort);
    for (const client of clients) client.destroy();
    instance?.stop();
  };
  const stopSending = (endedBy: PassEnd): void => {
    if (!sending) return;
    sending = false;
    result = { endedAt: performance.now(), endedBy };
    observer.ended?.(result.endedAt);
    clearTimeout(durationTimer);
    if (endedBy === "aborted") return close();
    // Connections with nothing in flight close now; the others when their request settles (grace.ts).
    clients.forEach((client, index) => {
      if (!inFlight.has(index)) client.destroy();
    });
    inFlight.stop(graceMs, (unanswered) => {
      for (const _ of unanswered) observer.unanswered?.();
      close();
    });
  };
  /** A request of connection `index` was answered or failed; while draining, its connection is done. */
  const settled = (index: number): void => {
    if (!sending && measuring) clients[index]?.destroy();
    inFlight.settled(index);
  };
  const onAbort = (): void => {
    if (sending) return stopSending("aborted");
    if (result) result.endedBy = "aborted";
    close();
  };
  // libuv's timer clock is coarser than performance.now(): a timer can fire a millisecond early, and the
  // measured pass must last at least the duration asked for, so wait out any remainder.
  const endOfDuration = (): void => {
    const remaining = startedAt + options.durationMs - performance.now();
    if (remaining > 0) durationTimer = setTimeout(endOfDuration, Math.ceil(remaining));
    else stopSending("duration");
  };
  // From the common start, which on a load thread lies a little before this pass received it (threads/pool.ts).
  let durationTimer = setTimeout(
    endOfDuration,
    Math.max(0, Math.ceil(startedAt + options.durationMs - performance.now())),
  );
  signal?.addEventListener("abort", onAbort, { once: true });

  const setupClient = (publicClient: unknown): void => {
    const client = publicClient as ClientInternals;
    const index = clients.length;
    clients.push(client);
    client.timeout = options.timeoutMs;
    const send = client._doRequest.bind(client);
    const connect = client._connect.bind(client);
    let intendedAt = 0;
    let sendTimer: NodeJS.Timeout | undefined;
    let reconnectTimer: NodeJS.Timeout | undefined;
    let failures = 0;
    let failureJustReported = false;
    let closeAfterResponse = false;

    const sendNow = (at: number): void => {
      if (!sending) return;
      // Late (the connection was busy): timed from when it should have gone out. Early (libuv's timers run on a
      // coarser clock and fire up to a millisecond before `at`): timed from now, or a fast answer would show a
      // latency of zero, or below zero.
      intendedAt = Math.min(at, performance.now());
      const capReached = !!client.responseMax && client.reqsMade >= client.responseMax;
      // At the cap autocannon's _doRequest destroys the client instead of sending.
      if (!capReached) inFlight.sent(index);
      send();
    };

    client._doRequest = () => {
      quietTimeoutTicker(client.timeoutTicker);
      if (sendTimer || reconnectTimer || client.destroyed || !sending) return;
      if (closeAfterResponse) {
        // The server said Connection: close; _resetConnection reconnects and calls _doRequest again.
        closeAfterResponse = false;
        client._resetConnection();
        return;
      }
      const capReached = !!client.responseMax && client.reqsMade >= client.responseMax;
      // autocannon's _doRequest destroys a client that reached its share of `requests`: do it without waiting.
      if (!schedule || capReached) return sendNow(performance.now());
      const due = schedule.take(index);
      const wait = due - performance.now();
      if (wait <= 0) return sendNow(due);
      // Keep autocannon's per-request timeout from firing while we wait for the slot.
      client.timeoutTicker.reschedule(wait + client.timeout);
      sendTimer = setTimeout(() => {
        sendTimer = undefined;
        if (!client.destroyed && !reconnectTimer) sendNow(due);
      }, wait);
    };

    client._connect = () => {
      // A request still queued here was lost with its connection. After an 'error' autocannon has already
      // reported it; after an 'end' nobody has.
      if (client.pipelinedRequests.size() > 0 && !failureJustReported && measuring) {
        observer.connectionError();
        settled(index);
      }
      client.pipelinedRequests.clear();
      failureJustReported = false;
      closeAfterResponse = false;
      // After the load (grace period) there is nothing to send on a new connection.
      if (client.destroyed || !sending) return;
      if (failures === 0) return connect();
      const backoff = Math.min(MAX_RECONNECT_BACKOFF_MS, 2 ** (failures - 1));
      reconnectTimer = setTimeout(() => {
        reconnectTimer = undefined;
        if (!client.destroyed) connect();
      }, backoff);
    };

    client.on("headers", (info) => {
      closeAfterResponse = info.shouldKeepAlive === false;
    });
    client.on("response", (status, bytes) => {
      failures = 0;
      if (!measuring) return;
      observer.response(status, bytes, performance.now() - intendedAt);
      settled(index);
    });
    client.on("timeout", () => {
      // While draining, only a request in flight can time out (an idle connection is already closed).
      if (!measuring || (!sending && !inFlight.has(index))) return;
      observer.timeout();
      settled(index);
    });
    client.on("connError", () => {
      failures++;
      failureJustReported = true;
      if (!measuring) return;
      observer.connectionError();
      settled(index);
    });
    client.on("done", () => {
      clearTimeout(sendTimer);
      clearTimeout(reconnectTimer);
      if (++clientsDone === connections && sending && options.requests !== undefined) {
        stopSending("requests");
      }
    });
  };

  return new Promise<PassResult>((resolve, reject) => {
    instance = withoutUrlParseWarning(() =>
      engine(
        {
          url: options.target.url,
          method: options.method as autocannon.Request["method"],
          headers: options.target.headers,
          body: options.body,
          connections,
          // Our timers end the pass; autocannon's own duration is only a backstop, after the grace period.
          duration: (options.durationMs + graceMs) / 1000 + 1,
          timeout: Math.max(options.timeoutMs, MIN_TIMEOUT_MS) / 1000,
          maxOverallRequests: options.requests,
          sampleInt: SAMPLE_INTERVAL_MS,
          setupClient: setupClient as autocannon.Options["setupClient"],
        },
        (error: Error | null) => {
          stopSending("duration");
          close();
          if (error) return reject(new Error(`load: ${error.message}`));
          resolve(result as PassResult);
        },
      ),
    );
  });
}

/**
 * autocannon 8 (lib/run.js) parses the target with the legacy `url.parse()` on every run, whatever form the URL
 * is given in, and Node prints DEP0169 for it once per process. Installed, Node stays quiet (it skips this warning
 * for code under node_modules); bundled into dist/ it does not. Only that one warning is dropped, and only
 * during autocannon's synchronous start: every other warning, and DEP0169 from anywhere else, still shows.
 */
const QUIETED = Symbol("knative-perf-gate: retimer re-arm clamped");

/**
 * autocannon's request timer (retimer 3, `timeoutTicker` in lib/httpClient.js) re-arms itself with "the
 * rescheduled time minus the time elapsed", which is below zero when its timer fires late on a busy event loop;
 * Node then prints a TimeoutNegativeWarning into the run's output and waits 1 ms. This gives it the same 1 ms
 * without the warning. The class is reached through an instance (it is bundled inside autocannon's chunk, so it
 * cannot be imported), once.
 */
export function quietTimeoutTicker(ticker: object | undefined): void {
  const proto = ticker && (Object.getPrototypeOf(ticker) as { _schedule?: unknown; [QUIETED]?: boolean });
  if (!proto || proto[QUIETED] || typeof proto._schedule !== "function") return;
  const schedule = proto._schedule as (this: unknown, timeout: number) => void;
  proto._schedule = function (this: unknown, timeout: number) {
    schedule.call(this, Math.max(1, timeout));
  };
  proto[QUIETED] = true;
}

export function withoutUrlParseWarning<T>(start: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, ...args: Parameters<typeof emitWarning>) {
    const [, typeOrOptions, code] = args as unknown[];
    const warningCode =
      typeof typeOrOptions === "object" && typeOrOptions !== null
        ? (typeOrOptions as { code?: unknown }).code
        : code;
    if (warningCode === "DEP0169") return;
    return emitWarning.apply(this, args);
  } as typeof emitWarning;
  try {
    return start();
  } finally {
    process.emitWarning = emitWarning;
  }
}
