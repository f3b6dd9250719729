// Fixed-rate mode: requests go out on an even schedule and latency counts from the intended send time, so a
// stalled target shows in the percentiles (coordinated omission), as with wrk2.
import { performance } from "node:perf_hooks";
import { runLoad } from "../../src/load/index.js";
import { RateSchedule } from "../../src/load/pacer.js";
import { startStallingServer } from "./fixtures/stalling-server.js";
import { load, request, startServer, type TestServer } from "./load-servers.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test("the schedule spreads connections evenly over each interval", () => {
  const schedule = new RateSchedule(1000, 100, 4);
  // 100 req/s over 4 connections: each connection every 40 ms, connections 10 ms apart.
  expect([0, 1, 2, 3].map((c) => schedule.take(c))).toEqual([1000, 1010, 1020, 1030]);
  expect([schedule.take(0), schedule.take(0), schedule.take(3)]).toEqual([1040, 1080, 1070]);
});

test("a fixed rate is held, evenly rather than in bursts", async () => {
  const arrivals: number[] = [];
  server = await startServer((_req, res) => {
    arrivals.push(performance.now());
    res.end("ok");
  });
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ durationMs: 2000, connections: 4, rate: 100 }),
  });
  expect(summary.requests).toBeGreaterThanOrEqual(195);
  expect(summary.requests).toBeLessThanOrEqual(201);
  expect(summary.rps).toBeGreaterThan(85);
  expect(summary.rps).toBeLessThan(105);
  // Even pacing: most 100 ms windows get about their share (10). autocannon's per-second budget (`overallRate`) would put
  // about 100 in the first window of each second and none in the others. (A loaded machine may delay a few
  // sends, which then go out together: hence "most".)
  const windows = new Array<number>(20).fill(0);
  for (const t of arrivals) windows[Math.min(19, Math.floor((t - arrivals[0]) / 100))]++;
  expect(windows.filter((n) => n >= 5 && n <= 15).length).toBeGreaterThanOrEqual(14);
});

test("a 1 s stall shows in p90 and p99, measured from when each request should have been sent", async () => {
  server = await startStallingServer(20, 1000);
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ durationMs: 2000, connections: 2, rate: 200 }),
  });
  // About half the schedule fell into the stall: those requests waited up to 1 s past their slot. A closed-loop
  // measurement would record only the two requests in flight (p90 around 1 ms).
  expect(summary.latency.p99).toBeGreaterThan(900);
  expect(summary.latency.p90).toBeGreaterThan(500);
  expect(summary.latency.max).toBeLessThan(1500);
  expect(summary.requests).toBeGreaterThan(300);
});

test("a request cap at a fixed rate ends the run once the capped requests have gone out on schedule", async () => {
  server = await startServer();
  const started = performance.now();
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ durationMs: 5000, connections: 4, rate: 100, requests: 60 }),
  });
  // 60 requests at 100/s: the last is due at about 0.6 s.
  expect(summary.requests).toBe(60);
  expect(server.seen).toHaveLength(60);
  expect(performance.now() - started).toBeGreaterThanOrEqual(550);
  expect(performance.now() - started).toBeLessThan(1500);
});

test("at a fixed rate against a fast target, no latency is below the time an answer takes (early timers)", async () => {
  server = await startServer();
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ durationMs: 1000, connections: 4, rate: 200 }),
  });
  expect(summary.requests).toBeGreaterThan(150);
  // A request and its answer over loopback take tens of microseconds at least; a send timer that fired early
  // used to be timed from its later intended time, which recorded 1 µs (the histogram's floor) for most requests.
  expect(summary.latency.min).toBeGreaterThanOrEqual(0.02);
  expect(summary.latency.p50).toBeGreaterThan(0.05);
});
