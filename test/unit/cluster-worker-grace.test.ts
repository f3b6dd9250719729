// The cluster worker (worker.mjs) ends its measured phase like the runner's engine (src/load/grace.ts): no
// request starts after the duration, those in flight get config.graceMs, and what is still unanswered then is a
// timeout counted as `unanswered`. Against loopback servers.
import { runWorker, type WorkerConfig } from "../../src/load/cluster/worker.mjs";
import { startRawServer, startServer, type TestServer } from "./load-servers.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function config(url: string, extra: Partial<WorkerConfig>): WorkerConfig {
  return {
    url: `${url}/`,
    method: "GET",
    headers: {},
    timeoutMs: 30_000,
    startAt: Date.now(),
    warmupMs: 0,
    durationMs: 300,
    connections: 2,
    shares: [{ connections: 2, firstConnection: 0 }],
    progressIntervalMs: 60_000,
    ...extra,
  };
}

test("a target that never answers: every request sent is unanswered when the grace period ends", async () => {
  let connections = 0;
  server = await startRawServer(() => void connections++);
  const started = Date.now();
  const result = await runWorker(config(server.url, { graceMs: 400 }), 0, () => {});
  expect(Date.now() - started).toBeGreaterThanOrEqual(300 + 400 - 5);
  expect(connections).toBe(2);
  expect(result).toMatchObject({ requests: 0, timeouts: 2, unanswered: 2, connectionErrors: 0 });
  expect(result.seconds.reduce((n, s) => n + s.errors, 0)).toBe(2);
});

test("an answer during the grace period counts, with its latency, in the last second of the phase", async () => {
  let arrivals = 0;
  server = await startServer((_req, res) => {
    arrivals++;
    setTimeout(() => res.end("ok"), 500);
  });
  const result = await runWorker(config(server.url, { graceMs: 2000, durationMs: 1200 }), 0, () => {});
  // Each connection: one answer at ~500 ms, then one sent at ~500 ms and answered at ~1000 ms, then one sent
  // at ~1000 ms and answered in the grace period at ~1500 ms. Nothing is sent after 1200 ms.
  expect(arrivals).toBe(6);
  expect(result).toMatchObject({ requests: 6, timeouts: 0, unanswered: 0 });
  expect(result.latency.min).toBeGreaterThanOrEqual(500_000 - 1000);
  // Seconds of the 1.2 s phase: [0, 1 s) and [1 s, 1.2 s); the grace period's answers join the last one.
  expect(result.seconds).toHaveLength(2);
  expect(result.seconds.map((s) => s.requests)).toEqual([2, 4]);
});

test("with no grace period (an older config) requests in flight at the end are unanswered at once", async () => {
  server = await startRawServer(() => {});
  const started = Date.now();
  const result = await runWorker(config(server.url, {}), 0, () => {});
  expect(Date.now() - started).toBeLessThan(300 + 250);
  expect(result).toMatchObject({ requests: 0, timeouts: 2, unanswered: 2 });
});
