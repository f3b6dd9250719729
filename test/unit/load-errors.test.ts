// Errors by kind: status codes, timeouts and connection errors, each counted once per attempt.
import { runLoad } from "../../src/load/index.js";
import { load, request, startRawServer, startServer, unusedPort, type TestServer } from "./load-servers.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test("non-2xx/3xx answers are split by status code; 2xx and 3xx are not errors", async () => {
  let n = 0;
  const statuses = [200, 503, 302, 404, 503];
  server = await startServer((_req, res) => {
    res.statusCode = statuses[n++ % statuses.length];
    res.end();
  });
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ requests: 100, connections: 1 }),
  });
  expect(summary.requests).toBe(100);
  expect(summary.errors).toEqual({
    total: 60,
    rate: 0.6,
    byStatus: { "503": 40, "404": 20 },
    timeouts: 0,
    connectionErrors: 0,
  });
  expect(summary.timeline.reduce((sum, s) => sum + s.errors, 0)).toBe(60);
});

test("a target that never answers produces timeouts, one per request, also below one second", async () => {
  let connections = 0;
  server = await startRawServer(() => void connections++);
  const summary = await runLoad({
    url: server.url,
    request: request({ timeoutMs: 300 }),
    load: load({ durationMs: 1000, connections: 2 }),
  });
  expect(summary.requests).toBe(0);
  // Each connection sends at about 0, 300, 600 and 900 ms, and each request times out 300 ms later: the last
  // one within the grace period after the load (min(300 ms, 5 s)). A loaded machine may send only three.
  expect(summary.errors.timeouts).toBeGreaterThanOrEqual(6);
  expect(summary.errors.timeouts).toBeLessThanOrEqual(8);
  expect(summary.sent).toBe(summary.errors.timeouts);
  expect(summary.errors.connectionErrors).toBe(0);
  expect(summary.errors.total).toBe(summary.errors.timeouts);
  expect(summary.errors.rate).toBe(1);
  // The engine reconnects after each timeout (the late answer must not be taken for the next request's), and
  // sends one request per connection: every one was counted.
  expect(connections).toBe(summary.sent);
});

test("a target that resets connections produces connection errors, with backoff instead of a busy loop", async () => {
  server = await startRawServer((socket) => socket.once("data", () => socket.resetAndDestroy()));
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ durationMs: 1000, connections: 2 }),
  });
  expect(summary.requests).toBe(0);
  expect(summary.errors.timeouts).toBe(0);
  expect(summary.errors.connectionErrors).toBeGreaterThanOrEqual(2);
  // Backoff doubles to 250 ms: about a dozen attempts per connection in a second, not thousands.
  expect(summary.errors.connectionErrors).toBeLessThan(60);
  expect(summary.errors.rate).toBe(1);
});

test("a refused port produces connection errors and the run still ends on time", async () => {
  const port = await unusedPort();
  const summary = await runLoad({
    url: `http://127.0.0.1:${port}`,
    request: request(),
    load: load({ durationMs: 800, connections: 2 }),
  });
  expect(summary.requests).toBe(0);
  expect(summary.errors.connectionErrors).toBeGreaterThanOrEqual(2);
  expect(summary.errors.connectionErrors).toBeLessThan(60);
  expect(summary.durationSeconds).toBeGreaterThanOrEqual(0.8);
  expect(summary.durationSeconds).toBeLessThan(1.2);
});

test("a server that drops a connection with a request in flight: one connection error, the next answer is timed right", async () => {
  let n = 0;
  server = await startServer((req, res) => {
    // The 4th request is held 300 ms, then its connection closed without an answer.
    if (n++ === 3) return setTimeout(() => req.socket.end(), 300);
    setTimeout(() => res.end("ok"), 5);
  });
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ requests: 20, connections: 1 }),
  });
  expect(summary.errors.connectionErrors).toBe(1);
  expect(summary.requests).toBe(19);
  // The lost request counts once, and each later answer is timed from its own send (autocannon, the engine
  // before this one, kept the lost request queued and paired its start with the next response: over 300 ms).
  expect(summary.latency.max).toBeLessThan(150);
});
