// Cluster-side noise for A/B work: random episodes (seeded, so a run can be repeated) during which every pod
// of the node is slowed — a noisy neighbour, CPU steal, a node under memory pressure. During an episode the
// wall-clock service time of requests that start is multiplied by the slowdown factor and the CPU budget runs
// that much slower. Gaps and durations are exponential around their means, in real time (like service times).

export interface NoiseOptions {
  /** Factor by which pods slow down during an episode, > 1 (e.g. 3). */
  slowdown: number;
  /** Mean time between episodes, ms. */
  everyMs: number;
  /** Mean length of an episode, ms. */
  forMs: number;
  /** PRNG seed: the same seed gives the same schedule. Default 1. */
  seed?: number;
}

export interface Episode {
  /** Offsets from the noise's start, ms. */
  startMs: number;
  endMs: number;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The first `count` episodes of a seeded schedule (pure: what NodeNoise will play). */
export function noiseSchedule(opts: NoiseOptions, count: number): Episode[] {
  const rnd = seededRandom(opts.seed ?? 1);
  const exp = (mean: number) => -mean * Math.log(1 - rnd());
  const out: Episode[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    const start = t + exp(opts.everyMs);
    const end = start + Math.max(1, exp(opts.forMs));
    out.push({ startMs: start, endMs: end });
    t = end;
  }
  return out;
}

export function validateNoise(opts: NoiseOptions): string | undefined {
  if (!(opts.slowdown > 1)) return `noise slowdown must be a factor above 1, got ${opts.slowdown}`;
  if (!(opts.everyMs > 0)) return `noise every must be a positive duration, got ${opts.everyMs} ms`;
  if (!(opts.forMs > 0)) return `noise duration must be a positive duration, got ${opts.forMs} ms`;
  return undefined;
}

export class NodeNoise {
  private active = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();
  private readonly rnd: () => number;
  /** Episodes played so far (offsets from the start). */
  readonly episodes: Episode[] = [];
  /** Called when an episode starts (true) or ends (false). */
  onChange: (active: boolean) => void = () => {};

  constructor(readonly opts: NoiseOptions) {
    this.rnd = seededRandom(opts.seed ?? 1);
    this.next();
  }

  /** The current slowdown factor: opts.slowdown during an episode, else 1. */
  slowdown(): number {
    return this.active ? this.opts.slowdown : 1;
  }

  get isActive(): boolean {
    return this.active;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private exp(mean: number): number {
    return -mean * Math.log(1 - this.rnd());
  }

  private next(): void {
    const gap = this.exp(this.opts.everyMs);
    const length = Math.max(1, this.exp(this.opts.forMs));
    this.timer = setTimeout(() => {
      this.active = true;
      const startMs = performance.now() - this.started;
      this.onChange(true);
      this.timer = setTimeout(() => {
        this.active = false;
        this.episodes.push({ startMs, endMs: performance.now() - this.started });
        this.onChange(false);
        this.next();
      }, length);
    }, gap);
  }
}
