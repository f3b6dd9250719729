// A controller work queue in the spirit of client-go's: keys are deduplicated, reconciled one at a time off the
// event that queued them (never inside a store callback), retried with a short back-off when a reconcile
// throws, and re-queued after a delay when a reconcile asks for it. `stop()` clears every timer.

export type Reconcile = (key: string) => { requeueAfterMs?: number } | void;

export class WorkQueue {
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private scheduled: NodeJS.Immediate | undefined;
  private stopped = false;
  private failures = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly reconcile: Reconcile,
    private readonly onError: (name: string, key: string, err: unknown) => void = () => {},
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.dirty.add(key);
    if (!this.scheduled) this.scheduled = setImmediate(() => this.run());
  }

  /** Queues `key` after `ms`, unless it is already due sooner. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + Math.max(0, ms);
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.delayed.delete(key);
        this.add(key);
      },
      Math.max(0, ms),
    );
    this.delayed.set(key, { at, timer });
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    this.dirty.clear();
  }

  private run(): void {
    this.scheduled = undefined;
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) {
      if (this.stopped) return;
      try {
        const r = this.reconcile(key);
        this.failures.delete(key);
        if (r?.requeueAfterMs !== undefined) this.addAfter(key, r.requeueAfterMs);
      } catch (err) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        this.onError(this.name, key, err);
        this.addAfter(key, Math.min(1000, 5 * 2 ** n));
      }
    }
  }
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}
