// The end of a measured load, like k6's gracefulStop: once the duration is over no new request starts, and the
// requests still in flight get a grace period to finish. An answer within it counts (its latency too); a request
// that reaches its own request-timeout counts as a timeout; one still unanswered when the grace period ends is
// counted as unanswered and, like a timeout, as an error. Before this, requests in flight at the end were
// dropped uncounted, so a target that never answered produced no latency and no error, and passed the gate.
//
// Kept apart from the engine so the rule stays one rule if the engine changes (worker threads, or the cluster
// worker, src/load/cluster/worker.mjs, which gets the value through its config.json).

/**
 * The grace period's upper bound. k6 waits 30 s by default; a gate's runs are short (tens of seconds), and a
 * request still unanswered 5 s after the load ended is already far beyond any latency a gate would accept, so
 * counting it as an error is the honest outcome and a hung target costs the run at most 5 s more.
 */
export const MAX_GRACE_MS = 5000;

/** How long requests in flight at the end of the load may take to finish: min(request-timeout, 5 s). */
export function gracePeriodMs(requestTimeoutMs: number): number {
  return Math.max(0, Math.min(requestTimeoutMs, MAX_GRACE_MS));
}

/**
 * The requests in flight of one pass, by connection. HTTP/1.1 without pipelining has one at a time; each
 * connection keeps a count all the same, so that an engine learning of an outcome after the connection's next
 * request went out (autocannon, the engine before this one, did) cannot lose a request. The engine reports every send and every
 * outcome; after `stop` it learns when the last one settled or the grace period ran out.
 */
export class InFlight {
  /** Requests in flight by connection; a connection with none has no entry. */
  private readonly connections = new Map<number, number>();
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private onDrained: ((unanswered: number[]) => void) | undefined;

  sent(connection: number): void {
    this.connections.set(connection, (this.connections.get(connection) ?? 0) + 1);
  }

  /** A request on `connection` was answered, timed out or failed; true when one was in flight. */
  settled(connection: number): boolean {
    const count = this.connections.get(connection) ?? 0;
    if (count > 1) this.connections.set(connection, count - 1);
    else this.connections.delete(connection);
    if (this.draining && this.connections.size === 0) this.drained([]);
    return count > 0;
  }

  has(connection: number): boolean {
    return this.connections.has(connection);
  }

  /**
   * No more requests start. `done` is called once: at once when nothing is in flight, when the last request
   * settles, or when `graceMs` runs out, with the connections whose requests were still unanswered.
   */
  stop(graceMs: number, done: (unanswered: number[]) => void): void {
    if (this.draining) return;
    this.draining = true;
    this.onDrained = done;
    if (this.connections.size === 0) return this.drained([]);
    this.timer = setTimeout(() => {
      const unanswered = [...this.connections].flatMap(([connection, n]) =>
        Array<number>(n).fill(connection),
      );
      this.drained(unanswered);
    }, graceMs);
  }

  /** Ends the grace period early (the run was cancelled): nothing more is counted. */
  cancel(): void {
    clearTimeout(this.timer);
    this.onDrained = undefined;
    this.connections.clear();
  }

  private drained(unanswered: number[]): void {
    clearTimeout(this.timer);
    const done = this.onDrained;
    this.onDrained = undefined;
    this.connections.clear();
    done?.(unanswered);
  }
}
