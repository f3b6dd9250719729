// Fixed-rate mode, measured from the intended send time (as wrk2 does), so a stalled target cannot hide.
//
// Why not autocannon's own `overallRate`: its client sends a per-second budget of requests as fast as answers
// come at the start of each second, then pauses until the next second (lib/httpClient.js, reqsMadeThisSecond),
// so there is no intended send time to measure from; and its coordinated-omission correction
// (lib/run.js: recordValueWithExpectedInterval(responseTime, Math.ceil(1 / rate))) passes an interval of
// ceil(1 / requests-per-second) — a number of seconds rounded up to 1 — where latencies are milliseconds. For
// any rate of one request per second per connection or more that is an interval of 1 ms, so every response of
// N ms also records N-1, N-2, ... 1 ms: ordinary latencies are dragged down (a 20 ms service shows p50 ≈ 10 ms).
//
// Here every connection owns an evenly spaced schedule: connection i of n sends its k-th request at
// start + (i / n + k) × n / rate seconds. A request sent late (its connection was still waiting for an answer)
// is timed from when it should have been sent, so a 1 s stall shows as up to 1 s of latency on every request
// scheduled during it, not on just the one request per connection that happened to be in flight.
//
// On several threads (src/load/threads/) each thread paces its own connections from the same common start, as
// connections `first` … `first + n - 1` of the whole load: together they keep exactly the single-thread schedule.

/** Where one thread's connections sit in the whole load's schedule. */
export interface ScheduleSlots {
  /** The whole load's index of this schedule's connection 0. */
  first: number;
  /** Connections of the whole load. */
  total: number;
}

export class RateSchedule {
  private readonly intervalMs: number;
  private readonly next: number[];

  /** `rate` is this schedule's share: its connections' share of the whole load's rate. */
  constructor(startedAt: number, rate: number, connections: number, slots?: ScheduleSlots) {
    this.intervalMs = (connections * 1000) / rate;
    const { first, total } = slots ?? { first: 0, total: connections };
    this.next = Array.from(
      { length: connections },
      (_, i) => startedAt + ((first + i) * this.intervalMs) / total,
    );
  }

  /** The intended send time of the next request on this connection, without consuming it. */
  peek(connection: number): number {
    return this.next[connection];
  }

  /** The intended send time of the next request on this connection; each call consumes one slot. */
  take(connection: number): number {
    const due = this.next[connection];
    this.next[connection] = due + this.intervalMs;
    return due;
  }
}
