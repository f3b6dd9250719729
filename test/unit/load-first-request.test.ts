// The cold-start probe: one request timed end to end, held as long as the activator needs.
import { measureFirstRequest } from "../../src/load/index.js";
import { request, startRawServer, startServer, type TestServer } from "./load-servers.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test("times a held request end to end, with the Host header, method and body", async () => {
  server = await startServer((_req, res) => setTimeout(() => res.writeHead(201).end("made"), 300));
  const before = Date.now();
  const first = await measureFirstRequest({
    url: server.url,
    host: "hello.default.example.com",
    request: request({ method: "POST", path: "/start", body: "{}", timeoutMs: 1000 }),
  });
  expect(first.status).toBe(201);
  expect(first.firstResponseMs).toBeGreaterThanOrEqual(299);
  expect(first.firstResponseMs).toBeLessThan(1000);
  expect(first.sentAt).toBeGreaterThanOrEqual(before);
  expect(first.sentAt).toBeLessThanOrEqual(before + 100);
  expect(server.seen).toEqual([expect.objectContaining({ method: "POST", url: "/start", body: "{}" })]);
  expect(server.seen[0].headers.host).toBe("hello.default.example.com");
});

test("waits past the load's request timeout (the activator may hold the request for long)", async () => {
  server = await startServer((_req, res) => setTimeout(() => res.end("ok"), 1200));
  const first = await measureFirstRequest({ url: server.url, request: request({ timeoutMs: 1000 }) });
  expect(first.status).toBe(200);
  expect(first.firstResponseMs).toBeGreaterThanOrEqual(1199);
});

test("a target that never answers is unanswered at the deadline, with a clear reason (not a thrown error)", async () => {
  server = await startRawServer(() => {});
  const first = await measureFirstRequest({ url: server.url, request: request(), timeoutMs: 300 });
  expect(first).toMatchObject({
    status: 0,
    unanswered: `${server.url}/: no complete response within 0.3 s`,
  });
  expect(first.firstResponseMs).toBeGreaterThanOrEqual(299);
  expect(first.firstResponseMs).toBeLessThan(1000);
});

test("a reset connection is unanswered, naming the target and the cause", async () => {
  server = await startRawServer((socket) => socket.resetAndDestroy());
  const first = await measureFirstRequest({ url: server.url, request: request() });
  expect(first.status).toBe(0);
  expect(first.unanswered).toMatch(
    /^http:\/\/127\.0\.0\.1:\d+\/: ((connect |read )?ECONNRESET.*|socket hang up)$/,
  );
});

test("a cancelled run still rejects (cancellation is not a measurement)", async () => {
  server = await startRawServer(() => {});
  const controller = new AbortController();
  const pending = measureFirstRequest({ url: server.url, request: request(), signal: controller.signal });
  controller.abort();
  await expect(pending).rejects.toThrow(/^cold-start request to http:\/\/127\.0\.0\.1:\d+\/: /);
});
