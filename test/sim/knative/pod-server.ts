// One pod's data plane: a real HTTP server on 127.0.0.1 standing for the queue-proxy sidecar and the user
// container behind it. Like the queue-proxy (pkg/queue), it counts the requests inside the pod — waiting for a
// slot or being served — and reports their time-weighted average, which is the concurrency the autoscaler
// sees. Requests still on the network between the client and the pod are not counted: that is why a load
// tool's connection count and the pod's concurrency differ. With containerConcurrency > 0 at most that many
// requests reach the user container at once; the rest queue in the pod.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { CpuBudget } from "./cpu.js";
import type { App, Tunables } from "./images.js";

export interface PodServerOptions {
  name: string;
  namespace: string;
  revision: string;
  app: App;
  tunables: Tunables;
  containerConcurrency: number;
  env: Record<string, string>;
  /** The revision's timeoutSeconds in ms (queue-proxy REVISION_TIMEOUT_SECONDS); default 300 s. */
  timeoutMs?: number;
  /** The user container's CPU (limit, else request) in cores; unset = no contention. */
  cpuCores?: number;
  /** The node's current slowdown factor (noise.ts); default 1. */
  slowdown?: () => number;
}

/**
 * The time-varying factor of the service-time-variation annotation: 1 + a·sin(2π t / T), t in real time since
 * the Unix epoch, so every pod of a revision sees the same phase.
 */
export function variationFactor(amplitude: number, periodMs: number, now = Date.now()): number {
  if (amplitude <= 0) return 1;
  return 1 + amplitude * Math.sin((2 * Math.PI * (now % periodMs)) / periodMs);
}

/** One request inside the pod: reading its body, queued in the breaker, being served, or done. */
interface InPod {
  state: "reading" | "queued" | "serving" | "done";
  /** Undoes what the current state holds (queue place or slot). */
  cancel: () => void;
}

export interface PodStats {
  /** Time-weighted average of requests in the pod since the previous sample. */
  concurrency: number;
  /** Requests that arrived since the previous sample. */
  requests: number;
}

export class PodServer {
  readonly name: string;
  port = 0;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private inPod = 0;
  private serving = 0;
  private readonly waiting: (() => void)[] = [];
  private area = 0;
  private lastChange = performance.now();
  private arrivals = 0;
  private sampleStart = performance.now();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** The container's CPU (cpu.ts): requests' cpu-time shares its cores. */
  readonly cpu: CpuBudget;

  constructor(private readonly opts: PodServerOptions) {
    this.name = opts.name;
    this.cpu = new CpuBudget(opts.cpuCores ?? Infinity, opts.slowdown);
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /** Requests in the pod now (queued or being served). */
  get inFlight(): number {
    return this.inPod;
  }

  get containerConcurrency(): number {
    return this.opts.containerConcurrency;
  }

  /** The queue-proxy's report: average concurrency and request count since the previous call. */
  sample(now = performance.now()): PodStats {
    this.accumulate(now);
    const elapsed = now - this.sampleStart;
    const stats = { concurrency: elapsed > 0 ? this.area / elapsed : this.inPod, requests: this.arrivals };
    this.area = 0;
    this.arrivals = 0;
    this.sampleStart = now;
    return stats;
  }

  /** Stops listening and drops every connection (a killed container). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cpu.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accumulate(now: number): void {
    this.area += this.inPod * (now - this.lastChange);
    this.lastChange = now;
  }

  private change(delta: number): void {
    this.accumulate(performance.now());
    this.inPod += delta;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.arrivals++;
    this.change(+1);
    const r: InPod = { state: "reading", cancel: () => {} };
    // Gives up the request's queue place or slot (timeout, client gone); a finished one holds neither.
    const abandon = () => {
      if (r.state === "done") return;
      r.cancel();
      r.state = "done";
    };
    // The request counts as in the pod until its response is sent (or the connection closes).
    res.on("close", () => {
      abandon();
      this.change(-1);
    });
    // The queue-proxy's TimeoutHandler (pkg/queue/sharedmain/handlers.go, pkg/http/handler/timeout.go): the
    // revision's timeoutSeconds over the whole request — queueing included — then 504 "request timeout".
    const timeout = setTimeout(() => {
      this.timers.delete(timeout);
      if (r.state === "done") return;
      abandon();
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(504, { "content-type": "text/plain; charset=utf-8" });
        res.end("request timeout");
      } else res.destroy();
    }, this.opts.timeoutMs ?? 300_000);
    this.timers.add(timeout);
    res.on("close", () => {
      clearTimeout(timeout);
      this.timers.delete(timeout);
    });
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    req.on("end", () => {
      if (r.state === "done") return;
      // The breaker (pkg/queue/breaker.go Maybe): containerConcurrency slots plus a queue of 10 × CC; beyond,
      // ProxyHandler answers 503 with the breaker's error (http.Error adds the newline).
      if (!this.acquire(r, () => this.serve(req, res, Buffer.concat(body).toString("utf8"), r))) {
        res.writeHead(503, {
          "content-type": "text/plain; charset=utf-8",
          "x-content-type-options": "nosniff",
        });
        res.end("pending request queue full\n");
      }
    });
  }

  /** Requests the breaker holds (serving or queued); its limit is 11 × containerConcurrency. */
  get breakerInFlight(): number {
    return this.serving + this.waiting.length;
  }

  /**
   * The queue-proxy breaker: containerConcurrency slots, a FIFO queue of 10 × CC above them (buildBreaker in
   * pkg/queue/sharedmain/main.go: totalSlots = QueueDepth + MaxConcurrency); false when it is full. With CC 0
   * there is no breaker.
   */
  private acquire(r: InPod, run: () => void): boolean {
    const cc = this.opts.containerConcurrency;
    if (cc <= 0 || this.serving < cc) {
      this.serving++;
      r.state = "serving";
      r.cancel = () => this.release();
      run();
      return true;
    }
    if (this.serving + this.waiting.length >= 11 * cc) return false;
    const start = () => {
      this.serving++;
      r.state = "serving";
      r.cancel = () => this.release();
      run();
    };
    this.waiting.push(start);
    r.state = "queued";
    r.cancel = () => {
      const i = this.waiting.indexOf(start);
      if (i >= 0) this.waiting.splice(i, 1);
    };
    return true;
  }

  private release(): void {
    this.serving--;
    const next = this.waiting.shift();
    if (next) next();
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse, body: string, r: InPod): void {
    const t = this.opts.tunables;
    // Time-varying service (annotation) and node noise stretch the wall-clock part; the CPU part is slowed
    // through the CPU budget's speed.
    const factor = variationFactor(t.serviceTimeVariation, t.serviceTimePeriodMs);
    const slowdown = Math.max(1, this.opts.slowdown?.() ?? 1);
    const work =
      (t.serviceTimeMs + (t.serviceTimeJitterMs > 0 ? Math.random() * t.serviceTimeJitterMs : 0)) *
      factor *
      slowdown;
    const cpuWork = t.cpuTimeMs * factor;
    const respond = () => {
      if (r.state !== "serving") return;
      r.state = "done";
      this.release();
      if (res.destroyed) return;
      res.setHeader("x-sim-pod", this.name);
      if (t.errorRate > 0 && Math.random() < t.errorRate) {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("simulated error\n");
        return;
      }
      if (this.opts.app === "hello") {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
        res.end(`Hello ${this.opts.env.TARGET || "World"}!\n`);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          pod: this.name,
          namespace: this.opts.namespace,
          revision: this.opts.revision,
          method: req.method,
          url: req.url,
          headers: req.headers,
          body,
        }) + "\n",
      );
    };
    const wait = () => {
      if (work <= 0) {
        respond();
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        respond();
      }, work);
      this.timers.add(timer);
      // Cancelled (timeout, client gone): the proxy returns and frees its slot; the app's work is dropped.
      r.cancel = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.release();
      };
    };
    if (cpuWork <= 0) {
      wait();
      return;
    }
    const cancelCpu = this.cpu.run(cpuWork, () => {
      if (r.state === "serving") wait();
    });
    r.cancel = () => {
      cancelCpu();
      this.release();
    };
  }
}
