// A container's CPU budget as processor sharing: each request in the CPU phase needs `cpu-time` of work at one
// core; with n such requests and c cores each progresses at min(1, c / n) of a core (the CFS scheduler sharing
// a cgroup's quota fairly, to a first approximation), so once concurrent work exceeds the cores every request
// takes longer, p99 grows and throughput flattens at c / cpu-time per second. A `slowdown` factor (node noise,
// noise.ts) divides the speed of every core. The busy core-time is integrated for the HPA's CPU metric.

/** Parses a Kubernetes CPU quantity ("500m", "1", "1.5", "2000m") to cores; undefined when absent or bad. */
export function parseCpu(q: unknown): number | undefined {
  if (typeof q === "number") return q > 0 ? q : undefined;
  if (typeof q !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
  if (!m) return undefined;
  const v = Number(m[1]) / (m[2] ? 1000 : 1);
  return v > 0 ? v : undefined;
}

interface Job {
  remaining: number;
  done: () => void;
}

export class CpuBudget {
  private readonly jobs = new Set<Job>();
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private busyArea = 0;
  private sampleStart = performance.now();

  constructor(
    /** Cores the container may use (its limit, else its request); Infinity = no contention. */
    readonly cores: number,
    /** Current slowdown factor ≥ 1 (1 = full speed). */
    private readonly slowdown: () => number = () => 1,
  ) {}

  /** Runs `workMs` of one-core work; calls `done` when finished. Returns a cancel function. */
  run(workMs: number, done: () => void): () => void {
    this.advance(performance.now());
    const job: Job = { remaining: workMs, done };
    this.jobs.add(job);
    this.schedule();
    return () => {
      if (!this.jobs.has(job)) return;
      this.advance(performance.now());
      this.jobs.delete(job);
      this.schedule();
    };
  }

  /** Requests in the CPU phase now. */
  get running(): number {
    return this.jobs.size;
  }

  /** Average cores busy since the previous call (the HPA's CPU usage). */
  sampleUsage(now = performance.now()): number {
    this.advance(now);
    const elapsed = now - this.sampleStart;
    const cores = elapsed > 0 ? this.busyArea / elapsed : 0;
    this.busyArea = 0;
    this.sampleStart = now;
    return cores;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.jobs.clear();
  }

  private rate(): number {
    const n = this.jobs.size;
    if (n === 0) return 0;
    return Math.min(1, this.cores / n) / Math.max(1, this.slowdown());
  }

  private advance(now: number): void {
    const dt = now - this.last;
    this.last = now;
    if (dt <= 0 || this.jobs.size === 0) return;
    const r = this.rate();
    for (const j of this.jobs) j.remaining -= dt * r;
    this.busyArea += dt * Math.min(this.jobs.size, this.cores);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.jobs.size === 0) return;
    let min = Infinity;
    for (const j of this.jobs) min = Math.min(min, j.remaining);
    const wait = Math.max(0, min / this.rate());
    this.timer = setTimeout(() => this.tick(), Math.min(wait, 250));
  }

  private tick(): void {
    this.timer = undefined;
    this.advance(performance.now());
    const finished = [...this.jobs].filter((j) => j.remaining <= 0.05);
    for (const j of finished) this.jobs.delete(j);
    this.schedule();
    for (const j of finished) j.done();
  }
}
