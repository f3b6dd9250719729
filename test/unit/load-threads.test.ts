// The load on several worker threads (src/load/threads/): the same figures as on one thread, recorded exactly,
// rate mode still free of coordinated omission, the grace period and abort across threads. The threads run the
// TypeScript sources here (through tsx); test/e2e/action.test.ts runs them from the bundle.
import { performance } from "node:perf_hooks";
import { prepareLoad, runLoad, threadCount } from "../../src/load/index.js";
import { RateSchedule } from "../../src/load/pacer.js";
import { LoadThreads } from "../../src/load/threads/pool.js";
import { startStallingServer } from "./fixtures/stalling-server.js";
import { load, request, startRawServer, startServer, type TestServer } from "./load-servers.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const bucketTotal = (buckets: Array<[number, number]> | undefined): number =>
  (buckets ?? []).reduce((n, [, count]) => n + count, 0);

test("thread count: load.threads, at most one per connection and per request; 1 when unset", () => {
  expect(threadCount(load())).toBe(1);
  expect(threadCount(load({ threads: 3, connections: 8 }))).toBe(3);
  expect(threadCount(load({ threads: 8, connections: 2 }))).toBe(2);
  expect(threadCount(load({ threads: 8, connections: 10, requests: 3 }))).toBe(3);
});

test("the schedules of several threads together are the one-thread schedule", () => {
  // 100 req/s over 4 connections, split 2 + 2 over two threads (50 req/s each).
  const whole = new RateSchedule(1000, 100, 4);
  const first = new RateSchedule(1000, 50, 2, { first: 0, total: 4 });
  const second = new RateSchedule(1000, 50, 2, { first: 2, total: 4 });
  const expected = [0, 1, 2, 3].map((c) => [whole.take(c), whole.take(c)]);
  const got = [first.take(0), first.take(0), first.take(1), first.take(1)];
  got.push(second.take(0), second.take(0), second.take(1), second.take(1));
  expect(got).toEqual(expected.flat());
});

test("on two threads, a request cap: exactly the requests the server saw, timeline and buckets add up", async () => {
  server = await startServer();
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ requests: 1001, connections: 5, threads: 2 }),
  });
  expect(summary.requests).toBe(1001);
  expect(server.seen).toHaveLength(1001);
  expect(summary).toMatchObject({ sent: 1001, unanswered: 0 });
  expect(summary.errors.total).toBe(0);
  expect(summary.timeline.reduce((n, s) => n + s.requests, 0)).toBe(1001);
  for (const second of summary.timeline) expect(bucketTotal(second.buckets)).toBe(second.requests);
  expect(summary.latency.p50).toBeGreaterThan(0);
  expect(summary.latency.p99).toBeLessThanOrEqual(summary.latency.max);
});

test("on two threads, the duration and the warm-up: seconds line up, no request is cut off", async () => {
  server = await startServer();
  const lines: string[] = [];
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ durationMs: 2000, warmupMs: 300, connections: 4, threads: 2 }),
    log: (line) => lines.push(line),
  });
  expect(summary.warmupRequests).toBeGreaterThan(0);
  expect(lines[0]).toMatch(/^\[load\] warm-up: 0\.3 s, [\d,]+ requests \(discarded\)$/);
  expect(summary.durationSeconds).toBeGreaterThanOrEqual(2);
  expect(summary.durationSeconds).toBeLessThan(2.3);
  expect(summary.timeline.slice(0, 2).map((s) => Math.round(s.t))).toEqual([0, 1]);
  expect(summary.timeline.reduce((n, s) => n + s.requests, 0)).toBe(summary.requests);
  // Measured requests are all answered (the grace period covers those in flight at the end); the warm-up has no
  // grace period, so up to one request per connection in flight at its end is dropped uncounted.
  const counted = summary.requests + summary.warmupRequests;
  expect(server.seen.length).toBeGreaterThanOrEqual(counted);
  expect(server.seen.length).toBeLessThanOrEqual(counted + 4);
  expect(summary).toMatchObject({ sent: summary.requests, unanswered: 0 });
});

test("on two threads at a fixed rate, a 1 s stall still shows in p90 and p99", async () => {
  server = await startStallingServer(20, 1000);
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ durationMs: 2000, connections: 4, rate: 200, threads: 2 }),
  });
  expect(summary.latency.p99).toBeGreaterThan(900);
  expect(summary.latency.p90).toBeGreaterThan(500);
  expect(summary.latency.max).toBeLessThan(1500);
  // The rate is the whole load's, not each thread's: about 400 in 2 s.
  expect(summary.requests).toBeGreaterThan(300);
  expect(summary.requests).toBeLessThanOrEqual(401);
});

test("on two threads, a target that never answers: every request sent is unanswered after the grace period", async () => {
  let connections = 0;
  server = await startRawServer(() => void connections++);
  const started = performance.now();
  const summary = await runLoad({
    url: server.url,
    request: request({ timeoutMs: 1500 }),
    load: load({ durationMs: 500, connections: 4, threads: 2 }),
  });
  // Each connection sent one request that stayed in flight; each thread cut its own after the grace period
  // (the request timeout, 1.5 s): timeouts or unanswered, never lost.
  expect(connections).toBe(4);
  expect(summary).toMatchObject({ sent: 4, requests: 0 });
  expect(summary.errors.timeouts).toBe(4);
  expect(summary.errors.total).toBe(4);
  expect(performance.now() - started).toBeLessThan(500 + 1500 + 1500);
  expect(summary.timeline.reduce((n, s) => n + s.errors, 0)).toBe(4);
});

test("on two threads, aborting stops every thread promptly", async () => {
  const controller = new AbortController();
  let started = 0;
  server = await startServer((_req, res) => {
    res.end("ok");
    // Abort once the load is well under way (both threads sending).
    if (server!.seen.length === 2000) {
      started = performance.now();
      controller.abort();
    }
  });
  const lines: string[] = [];
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ durationMs: 30_000, connections: 4, threads: 2 }),
    signal: controller.signal,
    log: (line) => lines.push(line),
  });
  expect(started).toBeGreaterThan(0);
  expect(performance.now() - started).toBeLessThan(1000);
  expect(summary.durationSeconds).toBeLessThan(10);
  expect(summary.requests).toBeGreaterThan(0);
  expect(lines.at(-1)).toMatch(/^\[load\] aborted after \d+\.\d+ s$/);
  const seen = server.seen.length;
  await new Promise((resolve) => setTimeout(resolve, 200));
  // Nothing is sent after the run returned.
  expect(server.seen.length).toBe(seen);
});

test("threads prepared ahead of the load are used by it and closed with it", async () => {
  server = await startServer();
  const settings = load({ requests: 100, connections: 2, threads: 2 });
  const prepared = prepareLoad(settings);
  await prepared.ready;
  const summary = await runLoad({ url: server.url, request: request(), load: settings, prepared });
  expect(summary.requests).toBe(100);
  // runLoad closed them: the same prepared engine cannot run another pass.
  await expect(
    (await prepared.ready)(
      {
        target: { url: server.url, headers: {} },
        method: "GET",
        timeoutMs: 1000,
        connections: 2,
        durationMs: 100,
        startedAt: performance.now(),
      },
      { response: () => {}, timeout: () => {}, connectionError: () => {} },
    ),
  ).rejects.toThrow(/closed/);
});

test("a thread pool starts the threads asked for and closes them", async () => {
  const pool = await LoadThreads.start(2);
  expect(pool.size).toBe(2);
  await pool.close();
});

test("a worker that died between passes fails the next pass at once instead of holding it", async () => {
  server = await startServer();
  const pool = await LoadThreads.start(2);
  try {
    const [thread] = pool["threads"];
    const exited = new Promise((resolve) => thread.worker.once("exit", resolve));
    await thread.worker.terminate();
    await exited;
    const pass = pool.runPass(
      {
        target: { url: server.url, headers: {} },
        method: "GET",
        timeoutMs: 1000,
        connections: 2,
        durationMs: 60_000,
        startedAt: performance.now(),
      },
      { response: () => {}, timeout: () => {}, connectionError: () => {} },
    );
    await expect(pass).rejects.toThrow(/load thread 2 exited/);
    expect(server.seen).toHaveLength(0);
  } finally {
    await pool.close();
  }
});
