// The data plane of one revision: its routable pods, whether the activator is in the request path, and the
// activator's buffer (pkg/activator/net/throttler.go, pkg/activator/handler). The controllers keep the pod lists
// and the mode current; the gateway calls `dispatch` for every request.
//
// In "Serve" mode (enough excess burst capacity) the ingress sends requests straight to the pods, round-robin.
// In "Proxy" mode they go through the activator, which picks a pod with spare capacity by upstream's policy
// (containerConcurrency 0: the less loaded of two random pods; 1-3: first available; more: round-robin) and
// otherwise buffers them — with zero pods it asks the autoscaler for a pod right away (upstream's "poke") and
// forwards once one is ready. A request still unanswered after the revision's timeoutSeconds — buffered or
// forwarded — gets 504 "activator request timeout".
import http from "node:http";
import type { PodServer } from "./pod-server.js";

export type Mode = "Proxy" | "Serve";

/** Upstream's breakerQueueDepth: requests the activator holds per revision before refusing more. */
export const ACTIVATOR_QUEUE_DEPTH = 10_000;

/** A request in the activator: its whole-request deadline and, once forwarded, the upstream request. */
interface Flight {
  deadline: NodeJS.Timeout;
  up?: http.ClientRequest;
}

interface Waiter {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  flight: Flight;
}

const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "upgrade",
  "te",
  "trailer",
  "transfer-encoding",
];

export class RevisionDataPlane {
  mode: Mode = "Proxy";
  containerConcurrency = 0;
  /** spec.timeoutSeconds in ms: the activator's deadline for a whole request. */
  timeoutMs = 300_000;
  /** Gateway-side delay for this revision's traffic (sim network-latency annotation), real ms. */
  networkLatencyMs = 0;
  /** Called when a request is buffered with no pod to take it: the autoscaler should scale from zero now. */
  onDemand: () => void = () => {};

  private ready: PodServer[] = [];
  private reserve: PodServer[] = [];
  private readonly buffered: Waiter[] = [];
  private readonly flights = new Set<Flight>();
  private readonly sent = new Map<PodServer, number>();
  private rr = 0;
  private area = 0;
  private lastChange = performance.now();
  private sampleStart = performance.now();
  private arrivals = 0;
  private stopped = false;

  constructor(
    readonly namespace: string,
    readonly name: string,
    private readonly agent: http.Agent,
  ) {}

  /** Pods requests may go to: ready serving pods, or (ASK) the reserve pod while there are none. */
  endpoints(): PodServer[] {
    return this.ready.length > 0 ? this.ready : this.reserve;
  }

  setEndpoints(ready: PodServer[], reserve: PodServer[]): void {
    this.ready = ready;
    this.reserve = reserve;
    for (const p of [...this.sent.keys()])
      if (!ready.includes(p) && !reserve.includes(p)) this.sent.delete(p);
    this.drain();
  }

  /** Requests waiting in the activator now. */
  get bufferedCount(): number {
    return this.buffered.length;
  }

  /** Time-weighted average of buffered requests and arrivals at the activator since the previous sample. */
  sample(now = performance.now()): { concurrency: number; requests: number } {
    this.accumulate(now);
    const elapsed = now - this.sampleStart;
    const out = {
      concurrency: elapsed > 0 ? this.area / elapsed : this.buffered.length,
      requests: this.arrivals,
    };
    this.area = 0;
    this.arrivals = 0;
    this.sampleStart = now;
    return out;
  }

  dispatch(req: http.IncomingMessage, res: http.ServerResponse): void {
    const eps = this.endpoints();
    if (this.mode === "Serve" && eps.length > 0) {
      const pod = eps[this.rr++ % eps.length];
      this.forward(pod, req, res, () => {});
      return;
    }
    this.arrivals++;
    // The activator's TimeoutHandler (cmd/activator/main.go, pkg/http/handler/timeout.go): the revision's
    // timeoutSeconds over the whole request, buffering and proxying alike, then 504 "activator request timeout".
    const flight: Flight = {
      deadline: setTimeout(() => {
        this.flights.delete(flight);
        const w = this.buffered.find((b) => b.flight === flight);
        if (w) this.unbuffer(w);
        flight.up?.destroy();
        timeoutReply(res, "activator request timeout");
      }, this.timeoutMs),
    };
    this.flights.add(flight);
    res.on("close", () => {
      clearTimeout(flight.deadline);
      this.flights.delete(flight);
    });
    const pod = this.pick();
    if (pod) {
      flight.up = this.forwardTracked(pod, req, res);
      return;
    }
    if (this.buffered.length >= ACTIVATOR_QUEUE_DEPTH) {
      reply(res, 503, "pending request queue full\n");
      return;
    }
    const waiter: Waiter = { req, res, flight };
    this.accumulate(performance.now());
    this.buffered.push(waiter);
    res.on("close", () => this.unbuffer(waiter));
    if (this.endpoints().length === 0) this.onDemand();
  }

  /** Fails every buffered request and forgets the pods (the revision is gone or the simulator stops). */
  stop(): void {
    this.stopped = true;
    for (const f of this.flights) clearTimeout(f.deadline);
    this.flights.clear();
    for (const w of this.buffered.splice(0)) reply(w.res, 503, "revision is gone\n");
    this.ready = [];
    this.reserve = [];
  }

  private unbuffer(w: Waiter): void {
    const i = this.buffered.indexOf(w);
    if (i < 0) return;
    this.accumulate(performance.now());
    this.buffered.splice(i, 1);
  }

  private drain(): void {
    while (this.buffered.length > 0 && !this.stopped) {
      const pod = this.pick();
      if (!pod) return;
      const w = this.buffered[0];
      this.unbuffer(w);
      if (!w.res.destroyed) w.flight.up = this.forwardTracked(pod, w.req, w.res);
    }
  }

  private capacity(pod: PodServer): number {
    const cc = this.containerConcurrency;
    return cc > 0 ? cc - (this.sent.get(pod) ?? 0) : Infinity;
  }

  private pick(): PodServer | undefined {
    const eps = this.endpoints().filter((p) => this.capacity(p) > 0);
    if (eps.length === 0) return undefined;
    const cc = this.containerConcurrency;
    if (cc === 0) {
      const a = eps[Math.floor(Math.random() * eps.length)];
      const b = eps[Math.floor(Math.random() * eps.length)];
      return (this.sent.get(a) ?? 0) <= (this.sent.get(b) ?? 0) ? a : b;
    }
    if (cc <= 3) return eps[0];
    return eps[this.rr++ % eps.length];
  }

  private forwardTracked(
    pod: PodServer,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): http.ClientRequest {
    this.sent.set(pod, (this.sent.get(pod) ?? 0) + 1);
    return this.forward(pod, req, res, () => {
      const n = (this.sent.get(pod) ?? 1) - 1;
      if (this.sent.has(pod)) this.sent.set(pod, n);
      this.drain();
    });
  }

  private forward(
    pod: PodServer,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    done: () => void,
  ): http.ClientRequest {
    let finished = false;
    const finish = () => {
      if (!finished) {
        finished = true;
        done();
      }
    };
    const headers = { ...req.headers };
    for (const h of HOP_BY_HOP) delete headers[h];
    const up = http.request({
      host: "127.0.0.1",
      port: pod.port,
      method: req.method,
      path: req.url,
      headers,
      agent: this.agent,
    });
    up.on("response", (r) => {
      if (res.headersSent || res.writableEnded) {
        // Answered already (the activator's timeout): drop the late answer.
        r.resume();
        finish();
        return;
      }
      const out = { ...r.headers };
      for (const h of HOP_BY_HOP) delete out[h];
      res.writeHead(r.statusCode ?? 502, out);
      r.pipe(res);
      r.on("end", finish);
      r.on("error", finish);
    });
    up.on("error", (e) => {
      finish();
      reply(res, 502, `upstream pod ${pod.name}: ${e.message}\n`);
    });
    res.on("close", () => {
      finish();
      if (!up.destroyed && !res.writableFinished) up.destroy();
    });
    req.pipe(up);
    return up;
  }

  private accumulate(now: number): void {
    this.area += this.buffered.length * (now - this.lastChange);
    this.lastChange = now;
  }
}

/** TimeoutHandler's answer: 504 with the message (no newline), or a reset when the response had begun. */
function timeoutReply(res: http.ServerResponse, message: string): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(504, { "content-type": "text/plain; charset=utf-8" });
  res.end(message);
}

export function reply(res: http.ServerResponse, status: number, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}
