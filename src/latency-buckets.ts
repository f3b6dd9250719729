// A compact latency histogram for each second of a load: counts on one fixed log-spaced grid (1% wide buckets,
// so any value is within 0.5% of its bucket's middle), stored sparsely as [bucket, count] pairs. Seconds merge by
// adding counts, which is what the verdict's bootstrap does thousands of times, and what a results file keeps
// so that a later run can compare with it. A leaf: the load recorder writes it, the verdict reads it.

const LOWEST_MS = 0.001;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** 1 µs to 60 s. */
export const BUCKET_COUNT = Math.ceil(Math.log(60_000 / LOWEST_MS) / LOG_GROWTH) + 1;

/** Sparse [bucket, count] pairs, buckets ascending. */
export type BucketCounts = Array<[number, number]>;

export function bucketOf(latencyMs: number): number {
  if (!(latencyMs > LOWEST_MS)) return 0;
  return Math.min(BUCKET_COUNT - 1, Math.floor(Math.log(latencyMs / LOWEST_MS) / LOG_GROWTH));
}

/** The bucket's geometric middle, ms. */
export function bucketValue(bucket: number): number {
  return LOWEST_MS * GROWTH ** (bucket + 0.5);
}

/** Counts one second's latencies into sparse form. */
export class SecondBuckets {
  private readonly counts = new Map<number, number>();

  record(latencyMs: number): void {
    const bucket = bucketOf(latencyMs);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
  }

  /** The counts so far, and starts over. */
  take(): BucketCounts {
    const pairs = [...this.counts].sort((a, b) => a[0] - b[0]);
    this.counts.clear();
    return pairs;
  }
}

/** Adds sparse counts into a dense array of BUCKET_COUNT. */
export function addInto(dense: Float64Array, sparse: BucketCounts): void {
  for (const [bucket, count] of sparse) dense[bucket] += count;
}

/** The values at `percentiles` (0..100, ascending) of dense counts with `total` values, in one pass; NaN when empty. */
export function percentilesOf(dense: Float64Array, total: number, percentiles: number[]): number[] {
  if (total <= 0) return percentiles.map(() => NaN);
  const ranks = percentiles.map((p) => Math.max(1, Math.ceil((p / 100) * total)));
  const values: number[] = [];
  let seen = 0;
  for (let bucket = 0; bucket < dense.length && values.length < ranks.length; bucket++) {
    seen += dense[bucket];
    while (values.length < ranks.length && seen >= ranks[values.length]) values.push(bucketValue(bucket));
  }
  while (values.length < ranks.length) values.push(bucketValue(dense.length - 1));
  return values;
}
