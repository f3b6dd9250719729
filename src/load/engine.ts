// One pass of load: `connections` keep-alive HTTP/1.1 connections, each sending one request at a time (closed
// loop: the next as soon as the answer is in; fixed rate: at its slot in pacer.ts's schedule), every outcome
// reported to an observer the moment it is known. The recorder (recorder.ts) keeps the figures; threads/ runs
// this same pass on several event loops.
//
// The engine owns its sockets (node:net, node:tls) and reads responses with response-parser.ts. It used to drive
// autocannon, but needed its own send schedule, its own timing, its own handling of `Connection: close`, of a
// request lost with its connection, of reconnect back-off and of sub-second timeouts — each patched into
// autocannon's internals — and autocannon's parser and per-request bookkeeping were a quarter of the engine's cost
// (bench/README.md, issue 16). What is left is small: a pre-built request written to a socket and the end of its
// response found in the bytes that come back.
//
// The end of the load follows grace.ts: at the duration no new request starts, and those in flight may finish
// within the grace period (their outcome counts) or are reported as unanswered.
import net from "node:net";
import { performance } from "node:perf_hooks";
import tls from "node:tls";
import { InFlight } from "./grace.js";
import { RateSchedule, type ScheduleSlots } from "./pacer.js";
import { Fed, ResponseParser } from "./response-parser.js";
import type { HttpRequestTarget } from "./target.js";

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

/** Reconnect delay after consecutive connection failures: 1, 2, 4 … ms, at most this. */
const MAX_RECONNECT_BACKOFF_MS = 250;
/**
 * At a fixed rate, a connection opens this long before its first slot rather than at the start: 300 connections
 * at 10 req/s send one request every 100 ms, and opening all 300 at once would put a burst of connections the
 * load does not have into the first requests' latency (and into the target). Long enough for a TCP and TLS
 * handshake to a remote cluster.
 */
const CONNECT_AHEAD_MS = 250;

/** Where and what to send, built once per pass. */
interface Wire {
  host: string;
  port: number;
  /** TLS server name (SNI), for https targets; undefined for http. */
  servername?: string;
  secure: boolean;
  request: Buffer;
  /** A HEAD request: its response has no body. */
  head: boolean;
}

/**
 * The request as bytes: request line, Host (the target's header when set, e.g. a gateway's Knative host, else
 * the URL's), the other headers as given, and the body with its Content-Length (config refuses a user's own
 * framing headers, values.ts).
 */
export function encodeRequest(target: HttpRequestTarget, method: string, body?: string): Buffer {
  const url = new URL(target.url);
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`];
  const hostHeader = Object.keys(target.headers).find((name) => name.toLowerCase() === "host");
  lines.push(`Host: ${hostHeader ? target.headers[hostHeader] : url.host}`);
  for (const [name, value] of Object.entries(target.headers)) {
    if (name !== hostHeader) lines.push(`${name}: ${value}`);
  }
  const payload = body === undefined || body === "" ? undefined : Buffer.from(body);
  if (payload || !["GET", "HEAD", "DELETE", "OPTIONS"].includes(method)) {
    lines.push(`Content-Length: ${payload?.length ?? 0}`);
  }
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return payload ? Buffer.concat([head, payload]) : head;
}

function wireFor(options: PassOptions): Wire {
  const url = new URL(options.target.url);
  const secure = url.protocol === "https:";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    host,
    port: Number(url.port) || (secure ? 443 : 80),
    // SNI takes a name, never an address.
    servername: secure && net.isIP(host) === 0 ? host : undefined,
    secure,
    request: encodeRequest(options.target, options.method, options.body),
    head: options.method === "HEAD",
  };
}

export function runPass(options: PassOptions, observer: PassObserver): Promise<PassResult> {
  const { signal, startedAt } = options;
  if (signal?.aborted) return Promise.resolve({ endedAt: startedAt, endedBy: "aborted" });

  const wire = wireFor(options);
  const connections = Math.max(1, Math.min(options.connections, options.requests ?? Infinity));
  const schedule = options.rate
    ? new RateSchedule(startedAt, options.rate, connections, options.slots)
    : undefined;
  const graceMs = options.graceMs ?? 0;
  /** New requests may start. */
  let sending = true;
  /** Outcomes are reported to the observer (through the grace period after sending stopped). */
  let measuring = true;
  let sent = 0;
  let result: PassResult | undefined;
  const inFlight = new InFlight();
  const conns: Connection[] = [];
  let resolvePass: (result: PassResult) => void = () => {};

  // Closes every connection now, so the target sees no request after the end and no late answer is counted.
  const close = (): void => {
    if (!measuring) return;
    measuring = false;
    inFlight.cancel();
    signal?.removeEventListener("abort", onAbort);
    clearTimeout(durationTimer);
    for (const conn of conns) conn.destroy();
    resolvePass(result as PassResult);
  };
  const stopSending = (endedBy: PassEnd): void => {
    if (!sending) return;
    sending = false;
    result = { endedAt: performance.now(), endedBy };
    observer.ended?.(result.endedAt);
    clearTimeout(durationTimer);
    if (endedBy === "aborted") return close();
    // Connections with nothing in flight close now; the others when their request settles (grace.ts).
    conns.forEach((conn, index) => {
      if (!inFlight.has(index)) conn.destroy();
    });
    inFlight.stop(graceMs, (unanswered) => {
      for (const _ of unanswered) observer.unanswered?.();
      close();
    });
  };
  const capReached = (): boolean => options.requests !== undefined && sent >= options.requests;
  /** A request of connection `index` was answered or failed; while draining, its connection is done. */
  const settled = (index: number): void => {
    if (!sending && measuring) conns[index]?.destroy();
    inFlight.settled(index);
    if (sending && capReached() && !conns.some((_, i) => inFlight.has(i))) stopSending("requests");
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

  class Connection {
    private socket: net.Socket | undefined;
    private readonly parser = new ResponseParser(wire.head);
    /** A request is on the wire, waiting for its response. */
    private busy = false;
    private intendedAt = 0;
    private sendTimer: NodeJS.Timeout | undefined;
    private reconnectTimer: NodeJS.Timeout | undefined;
    /** One timer per connection, re-armed per request with refresh() rather than created per request. */
    private timeoutTimer: NodeJS.Timeout | undefined;
    private failures = 0;
    private destroyed = false;

    constructor(private readonly index: number) {}

    /** Opens the connection now (closed loop), or shortly before its first slot (fixed rate). */
    start(): void {
      const wait = schedule ? schedule.peek(this.index) - CONNECT_AHEAD_MS - performance.now() : 0;
      if (wait <= 0) return this.connect();
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        this.connect();
      }, wait);
    }

    private connect(): void {
      if (this.destroyed || !sending) return;
      const socket = wire.secure
        ? // Like the cold-start probe (first-request.ts): Knative certificates are often self-signed or issued
          // for the Host, not the gateway address.
          tls.connect({
            host: wire.host,
            port: wire.port,
            servername: wire.servername,
            rejectUnauthorized: false,
          })
        : net.connect({ host: wire.host, port: wire.port });
      socket.setNoDelay(true);
      socket.on("data", (chunk: Buffer) => this.data(chunk));
      socket.on("error", () => this.lost(socket, true));
      socket.on("close", () => this.lost(socket, false));
      this.socket = socket;
      // Written now and sent once connected: the first request's time includes the connection's set-up, as a
      // client's first request does; a target that never accepts shows as requests that time out or fail.
      this.next();
    }

    /** Sends the next request now, or at its slot in the rate schedule. */
    private next(): void {
      if (this.destroyed || !sending || this.sendTimer || this.busy) return;
      if (capReached()) return this.destroy();
      if (!schedule) return this.send(performance.now());
      const due = schedule.take(this.index);
      const wait = due - performance.now();
      if (wait <= 0) return this.send(due);
      this.sendTimer = setTimeout(() => {
        this.sendTimer = undefined;
        this.send(due);
      }, wait);
    }

    private send(at: number): void {
      const socket = this.socket;
      if (this.destroyed || !sending || !socket || capReached()) return;
      // Late (the connection was busy): timed from when it should have gone out. Early (libuv's timers run on a
      // coarser clock and fire up to a millisecond before `at`): timed from now, or a fast answer would show a
      // latency of zero, or below zero.
      this.intendedAt = Math.min(at, performance.now());
      this.busy = true;
      sent++;
      inFlight.sent(this.index);
      this.parser.reset();
      if (this.timeoutTimer) this.timeoutTimer.refresh();
      else this.timeoutTimer = setTimeout(() => this.timedOut(), options.timeoutMs);
      socket.write(wire.request);
    }

    private data(chunk: Buffer): void {
      // Bytes nobody asked for (e.g. a 408 on an idle connection): the connection is no longer in step.
      if (!this.busy) return this.drop();
      const fed = this.parser.feed(chunk);
      if (fed === Fed.Partial) return;
      if (fed === Fed.Invalid) return this.drop();
      this.answered();
    }

    private answered(): void {
      this.busy = false;
      this.failures = 0;
      const closes = this.parser.closes || (this.parser.rest?.length ?? 0) > 0;
      if (measuring) {
        observer.response(this.parser.status, this.parser.bytes, performance.now() - this.intendedAt);
        settled(this.index);
      }
      // The server said Connection: close (or sent more than one response): the next request goes on a new
      // connection rather than on one the server is closing.
      if (closes) this.reconnect();
      else this.next();
    }

    private timedOut(): void {
      if (!this.busy) return;
      this.busy = false;
      if (measuring && (sending || inFlight.has(this.index))) {
        observer.timeout();
        settled(this.index);
      }
      // The response may still come on this connection and would be taken for the next request's: start over.
      this.reconnect();
    }

    /** The socket ended or failed; a request on it is lost (unless its response was framed by the close). */
    private lost(socket: net.Socket, failed: boolean): void {
      if (socket !== this.socket) return;
      if (this.busy && !failed && this.parser.endsAtClose) {
        // A response without a length ends when the connection does.
        this.socket = undefined;
        socket.destroy();
        this.parser.closes = true;
        return this.answered();
      }
      if (failed && !this.busy) this.failures++;
      this.drop();
    }

    /** The connection cannot go on (lost, or out of step with the protocol): its request failed; connect again. */
    private drop(): void {
      const socket = this.socket;
      if (!socket) return;
      this.socket = undefined;
      socket.destroy();
      if (this.busy) {
        this.busy = false;
        this.failures++;
        if (measuring) {
          observer.connectionError();
          settled(this.index);
        }
      }
      this.later();
    }

    private reconnect(): void {
      const socket = this.socket;
      this.socket = undefined;
      socket?.destroy();
      this.later();
    }

    /** Connects again: at once after a clean close, after 1, 2, 4 … ms while connecting keeps failing. */
    private later(): void {
      if (this.destroyed || !sending || this.reconnectTimer) return;
      if (this.failures === 0) return this.connect();
      const backoff = Math.min(MAX_RECONNECT_BACKOFF_MS, 2 ** (this.failures - 1));
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        this.connect();
      }, backoff);
    }

    destroy(): void {
      if (this.destroyed) return;
      this.destroyed = true;
      clearTimeout(this.sendTimer);
      clearTimeout(this.reconnectTimer);
      clearTimeout(this.timeoutTimer);
      const socket = this.socket;
      this.socket = undefined;
      socket?.destroy();
    }
  }

  // From the common start, which on a load thread lies a little before this pass received it (threads/pool.ts).
  let durationTimer = setTimeout(
    endOfDuration,
    Math.max(0, Math.ceil(startedAt + options.durationMs - performance.now())),
  );
  signal?.addEventListener("abort", onAbort, { once: true });
  const done = new Promise<PassResult>((resolve) => (resolvePass = resolve));
  for (let index = 0; index < connections; index++) conns.push(new Connection(index));
  for (const conn of conns) conn.start();
  return done;
}
