// The engine's own HTTP/1.1 (src/load/engine.ts with response-parser.ts) against real loopback servers: the
// framings a Knative Service or a gateway answers with, and targets that do not speak HTTP at all. Every count is
// checked against what the server saw.
import { encodeRequest } from "../../src/load/engine.js";
import { runLoad } from "../../src/load/index.js";
import { load, request, startRawServer, startServer, type TestServer } from "./load-servers.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test("chunked answers (a body written in pieces, no length) are read to their end, keep-alive", async () => {
  server = await startServer((_req, res) => {
    res.write("hello ");
    setImmediate(() => res.end("world"));
  });
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ requests: 40, connections: 2 }),
  });
  expect(summary.requests).toBe(40);
  expect(summary.errors.total).toBe(0);
  expect(server.seen).toHaveLength(40);
});

test("an answer framed by the connection's close (HTTP/1.0, no length) counts as answered, with its bytes", async () => {
  const body = "x".repeat(1000);
  let requests = 0;
  server = await startRawServer((socket) => {
    socket.once("data", () => {
      requests++;
      // 20 ms per answer: the run lasts 100 ms or more, so rounding its duration to the millisecond (the rate
      // below is bytes over that duration) is under 1 %.
      setTimeout(() => socket.end(`HTTP/1.0 200 OK\r\n\r\n${body}`), 20);
    });
  });
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ requests: 10, connections: 2 }),
  });
  expect(summary.requests).toBe(10);
  expect(requests).toBe(10);
  expect(summary.errors.total).toBe(0);
  expect(summary.errors.byStatus).toEqual({});
  // The bodies are counted (10 × 1,000 bytes; heads alone would be 190), within the rounding of the rate.
  expect(summary.bytesPerSecond * summary.durationSeconds).toBeGreaterThan(0.9 * 10 * body.length);
});

test("a HEAD request's answer ends with its head, whatever Content-Length it announces", async () => {
  server = await startServer((_req, res) => {
    res.setHeader("content-length", "5000");
    res.end();
  });
  const summary = await runLoad({
    url: server.url,
    request: request({ method: "HEAD", timeoutMs: 1000 }),
    load: load({ requests: 20, connections: 2 }),
  });
  expect(summary.requests).toBe(20);
  expect(summary.errors.total).toBe(0);
  expect(server.seen.every((seen) => seen.method === "HEAD")).toBe(true);
});

test("a target that does not speak HTTP gives connection errors, and the run ends on time", async () => {
  server = await startRawServer((socket) => {
    socket.once("data", () => socket.write("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
  });
  const started = Date.now();
  const summary = await runLoad({
    url: server.url,
    request: request({ timeoutMs: 2000 }),
    load: load({ durationMs: 500, connections: 2 }),
  });
  expect(Date.now() - started).toBeLessThan(3000);
  expect(summary.requests).toBe(0);
  expect(summary.errors.connectionErrors).toBeGreaterThan(0);
  expect(summary.errors.total).toBe(summary.errors.connectionErrors);
});

test("the request on the wire: Host from the target's header or the URL, Content-Length for a body", () => {
  const text = (buffer: Buffer): string => buffer.toString("latin1");
  expect(text(encodeRequest({ url: "http://10.0.0.1:8080/a?b=1", headers: {} }, "GET"))).toBe(
    "GET /a?b=1 HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n\r\n",
  );
  expect(
    text(
      encodeRequest(
        { url: "http://gw/", headers: { host: "hello.default.example.com", "x-test": "1" } },
        "POST",
        "{}",
      ),
    ),
  ).toBe("POST / HTTP/1.1\r\nHost: hello.default.example.com\r\nx-test: 1\r\nContent-Length: 2\r\n\r\n{}");
  // A body in UTF-8 is framed by its bytes, not its characters.
  expect(text(encodeRequest({ url: "http://x/", headers: {} }, "PUT", "é"))).toMatch(/Content-Length: 2\r\n/);
  // POST without a body still says how long its (empty) body is, so the server does not wait for one.
  expect(text(encodeRequest({ url: "http://x/", headers: {} }, "POST"))).toMatch(
    /Content-Length: 0\r\n\r\n$/,
  );
});

test("at a fixed rate, connections open shortly before their first slot, not all at the start", async () => {
  let opened = 0;
  let answered = 0;
  server = await startRawServer((socket) => {
    opened++;
    socket.on("data", () => {
      answered++;
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
  });
  // 300 connections at 10 req/s: connection i's first slot is at i × 100 ms, so a 1 s load sends on 10 of them.
  const summary = await runLoad({
    url: server.url,
    request: request(),
    load: load({ durationMs: 1000, connections: 300, rate: 10 }),
  });
  expect(summary.requests).toBe(answered);
  expect(summary.requests).toBeGreaterThanOrEqual(9);
  // The 10 that sent, and those whose slot was within the 250 ms look-ahead when the load ended (later on a
  // busy machine, whose timers fire late: hence the measured duration), never the 300.
  expect(opened).toBeGreaterThanOrEqual(summary.requests);
  expect(opened).toBeLessThanOrEqual(Math.ceil((summary.durationSeconds * 1000 + 250) / 100) + 1);
  expect(opened).toBeLessThan(50);
});
