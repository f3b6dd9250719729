// The engine's response reader (src/load/response-parser.ts) against the framings of RFC 9112 section 6: every
// case is fed whole, byte by byte, and split at every offset, and must give the same answer each way.
import { Fed, ResponseParser } from "../../src/load/response-parser.js";

interface Answer {
  fed: Fed;
  status: number;
  bytes: number;
  closes: boolean;
  rest: string;
}

/** Feeds `pieces` in order; returns what the reader said after the last piece that completed or refused it. */
function read(pieces: Buffer[], head = false): Answer {
  const parser = new ResponseParser(head);
  let fed: Fed = Fed.Partial;
  for (const piece of pieces) {
    fed = parser.feed(piece);
    if (fed !== Fed.Partial) break;
  }
  return {
    fed,
    status: parser.status,
    bytes: parser.bytes,
    closes: parser.closes,
    rest: parser.rest?.toString("latin1") ?? "",
  };
}

/** The same bytes whole, one byte at a time, and split in two at every offset: all must agree. */
function readEveryWay(text: string, head = false): Answer {
  const bytes = Buffer.from(text, "latin1");
  const whole = read([bytes], head);
  expect(
    read(
      [...bytes].map((byte) => Buffer.from([byte])),
      head,
    ),
  ).toEqual(whole);
  for (let at = 1; at < bytes.length; at++) {
    expect(read([bytes.subarray(0, at), bytes.subarray(at)], head)).toEqual(whole);
  }
  return whole;
}

const ok = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";

test("Content-Length: complete after that many body bytes; bytes count head and body", () => {
  expect(readEveryWay(ok)).toEqual({
    fed: Fed.Complete,
    status: 200,
    bytes: ok.length,
    closes: false,
    rest: "",
  });
});

test("fewer body bytes than Content-Length is still partial", () => {
  expect(read([Buffer.from(ok.slice(0, -1))]).fed).toBe(Fed.Partial);
});

test("header names in any case; a zero length completes with the head", () => {
  const text = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nCONNECTION: Close\r\n\r\n";
  expect(readEveryWay(text)).toMatchObject({
    fed: Fed.Complete,
    status: 503,
    bytes: text.length,
    closes: true,
  });
});

test("chunked: sizes in hex with extensions, trailers, and the last chunk", () => {
  const text =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "5;name=value\r\nhello\r\n" +
    "A\r\n0123456789\r\n" +
    "0\r\nX-Trailer: yes\r\n\r\n";
  expect(readEveryWay(text)).toMatchObject({ fed: Fed.Complete, status: 200, bytes: text.length });
});

test("chunked wins over Content-Length (RFC 9112 6.3)", () => {
  const text =
    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
  expect(readEveryWay(text)).toMatchObject({ fed: Fed.Complete, bytes: text.length });
});

test("interim 1xx heads are skipped and counted; the final status is the one reported", () => {
  const text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
  expect(readEveryWay(text)).toMatchObject({ fed: Fed.Complete, status: 201, bytes: text.length });
});

test("204, 304 and the answer to HEAD have no body whatever their Content-Length says", () => {
  expect(readEveryWay("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n")).toMatchObject({
    fed: Fed.Complete,
    status: 204,
  });
  expect(readEveryWay("HTTP/1.1 304 Not Modified\r\n\r\n").fed).toBe(Fed.Complete);
  expect(readEveryWay("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true)).toMatchObject({
    fed: Fed.Complete,
    status: 200,
  });
});

test("no length and not chunked: the body lasts until the connection closes", () => {
  const parser = new ResponseParser();
  expect(parser.feed(Buffer.from("HTTP/1.1 200 OK\r\n\r\nsome"))).toBe(Fed.Partial);
  expect(parser.feed(Buffer.from(" more"))).toBe(Fed.Partial);
  expect(parser.endsAtClose).toBe(true);
  expect(parser.closes).toBe(true);
  expect(parser.bytes).toBe("HTTP/1.1 200 OK\r\n\r\nsome more".length);
});

test("HTTP/1.0 closes unless it says keep-alive", () => {
  expect(readEveryWay("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").closes).toBe(true);
  expect(readEveryWay("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").closes).toBe(
    false,
  );
});

test("bytes after the response are kept apart (the engine never pipelines, so it drops the connection)", () => {
  const answer = read([Buffer.from(`${ok}HTTP/1.1 408`)]);
  expect(answer).toEqual({
    fed: Fed.Complete,
    status: 200,
    bytes: ok.length,
    closes: false,
    rest: "HTTP/1.1 408",
  });
});

test.each([
  ["not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n"],
  ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
  ["a bad status", "HTTP/1.1 2x0 OK\r\n\r\n"],
  ["a bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n"],
  ["two different Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"],
  ["a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
  ["a chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nok\r\n"],
])("refuses %s", (_, text) => {
  const answer = read([Buffer.from(text, "latin1")]);
  expect(answer.fed).toBe(Fed.Invalid);
});

test("a head larger than 64 KiB is refused rather than buffered without end", () => {
  const parser = new ResponseParser();
  parser.feed(Buffer.from("HTTP/1.1 200 OK\r\n"));
  let fed: Fed = Fed.Partial;
  for (let i = 0; i < 100 && fed === Fed.Partial; i++) fed = parser.feed(Buffer.alloc(1024, "a"));
  expect(fed).toBe(Fed.Invalid);
  expect(parser.error).toMatch(/too large/);
});

test("reset reads the next response on the same connection from a clean state", () => {
  const parser = new ResponseParser();
  expect(
    parser.feed(Buffer.from("HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")),
  ).toBe(Fed.Complete);
  parser.reset();
  expect(parser.feed(Buffer.from(ok))).toBe(Fed.Complete);
  expect(parser).toMatchObject({ status: 200, closes: false, bytes: ok.length });
});
