// The end of a load (src/load/grace.ts): no request starts after the duration; those in flight get
// min(request-timeout, 5 s) to finish, and their answers count; what is still unanswered then counts as a
// timeout and as `unanswered`. Against real loopback servers that record when each request arrived.
import { performance } from "node:perf_hooks";
import { gracePeriodMs, InFlight, MAX_GRACE_MS } from "../../src/load/grace.js";
import { runLoad } from "../../src/load/index.js";
import { load, request, startRawServer, startServer, type TestServer } from "./load-servers.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test("the grace period is the request timeout, at most 5 s", () => {
  expect(MAX_GRACE_MS).toBe(5000);
  expect(gracePeriodMs(300)).toBe(300);
  expect(gracePeriodMs(5000)).toBe(5000);
  expect(gracePeriodMs(30_000)).toBe(5000);
});

describe("InFlight", () => {
  test("an outcome reported after the connection's next send leaves that send in flight", () => {
    // An engine may learn of an outcome after the connection's next request went out (autocannon, the engine
    // before this one, reconnected and sent before it emitted 'timeout'); the count per connection allows it.
    const inFlight = new InFlight();
    inFlight.sent(0);
    inFlight.sent(0);
    expect(inFlight.settled(0)).toBe(true);
    expect(inFlight.has(0)).toBe(true);
    expect(inFlight.settled(0)).toBe(true);
    expect(inFlight.has(0)).toBe(false);
    expect(inFlight.settled(0)).toBe(false);
  });

  test("stop: done at once when idle, at the last settle, or with the unanswered when the grace runs out", async () => {
    const idle = new InFlight();
    const idleDone: number[][] = [];
    idle.stop(1000, (u) => idleDone.push(u));
    expect(idleDone).toEqual([[]]);

    const settling = new InFlight();
    settling.sent(1);
    const settlingDone: number[][] = [];
    settling.stop(1000, (u) => settlingDone.push(u));
    expect(settlingDone).toEqual([]);
    settling.settled(1);
    expect(settlingDone).toEqual([[]]);

    const stuck = new InFlight();
    stuck.sent(0);
    stuck.sent(2);
    stuck.sent(2);
    const unanswered = await new Promise<number[]>((resolve) => stuck.stop(20, resolve));
    expect(unanswered).toEqual([0, 2, 2]);

    const cancelled = new InFlight();
    cancelled.sent(0);
    const cancelledDone: number[][] = [];
    cancelled.stop(10, (u) => cancelledDone.push(u));
    cancelled.cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cancelledDone).toEqual([]);
  });
});

test("a target that accepts and never answers: every request sent is unanswered, none is answered", async () => {
  let connections = 0;
  server = await startRawServer(() => void connections++);
  const started = performance.now();
  const summary = await runLoad({
    url: server.url,
    request: request({ timeoutMs: 30_000 }),
    load: load({ durationMs: 500, connections: 3 }),
  });
  const took = performance.now() - started;
  // One request per connection, held by the server: sent, never answered, cut after the 5 s grace period.
  expect(connections).toBe(3);
  expect(summary).toMatchObject({ sent: 3, requests: 0, unanswered: 3, rps: 0 });
  expect(summary.errors).toEqual({ total: 3, rate: 1, byStatus: {}, timeouts: 3, connectionErrors: 0 });
  expect(summary.durationSeconds).toBeGreaterThanOrEqual(0.5);
  expect(summary.durationSeconds).toBeLessThan(0.8);
  // The duration, then the whole grace period (the requests were still in flight), and no more.
  expect(took).toBeGreaterThanOrEqual(500 + 5000 - 5);
  expect(took).toBeLessThan(500 + 5000 + 1500);
  expect(summary.timeline.reduce((n, s) => n + s.errors, 0)).toBe(3);
});

test("an answer that arrives during the grace period counts, with its latency; nothing new is sent", async () => {
  const arrivals: number[] = [];
  const started = performance.now();
  server = await startServer((_req, res) => {
    arrivals.push(performance.now() - started);
    setTimeout(() => res.end("ok"), 400);
  });
  const summary = await runLoad({
    url: server.url,
    request: request({ timeoutMs: 2000 }),
    load: load({ durationMs: 200, connections: 2 }),
  });
  // Both connections sent at once and waited 400 ms, past the 200 ms duration.
  expect(arrivals).toHaveLength(2);
  expect(Math.max(...arrivals)).toBeLessThan(200);
  expect(summary).toMatchObject({ sent: 2, requests: 2, unanswered: 0 });
  expect(summary.errors.total).toBe(0);
  expect(summary.latency.min).toBeGreaterThanOrEqual(400);
  expect(summary.latency.max).toBeLessThan(400 + 150);
  // rps is answered / the load's duration (0.2 s), not / the time including the grace period.
  expect(summary.rps).toBeCloseTo(summary.requests / summary.durationSeconds, 0);
  expect(summary.durationSeconds).toBeLessThan(0.35);
  expect(summary.timeline.reduce((n, s) => n + s.requests, 0)).toBe(2);
});

test("a request that reaches its timeout within the grace period is a timeout, not unanswered", async () => {
  server = await startRawServer(() => {});
  const summary = await runLoad({
    url: server.url,
    request: request({ timeoutMs: 1000 }),
    load: load({ durationMs: 300, connections: 2 }),
  });
  expect(summary).toMatchObject({ sent: 2, requests: 0, unanswered: 0 });
  expect(summary.errors.timeouts).toBe(2);
});

test("in closed loop, sent = answered + errors and the server saw exactly the requests sent", async () => {
  server = await startServer((_req, res) => setTimeout(() => res.end("ok"), 20));
  const summary = await runLoad({
    url: server.url,
    request: request({ timeoutMs: 2000 }),
    load: load({ durationMs: 600, connections: 4 }),
  });
  expect(summary.unanswered).toBe(0);
  expect(summary.errors.total).toBe(0);
  expect(summary.sent).toBe(summary.requests);
  // Requests in flight at the end were answered in the grace period, so none the server saw is missing.
  expect(server.seen).toHaveLength(summary.requests);
});
