// The engine's HTTP/1.1 response reader: one response at a time per connection (the engine never pipelines), fed
// the socket's chunks as they arrive, telling when the response is complete, its status, its size and whether the
// server will close the connection. It frames responses as RFC 9112 section 6 says (a status without a body, then
// Transfer-Encoding: chunked, then Content-Length, else until the connection closes) and reads header values only
// for those three fields, so a typical response costs one search for the end of its head and a few compares.
//
// Why not Node's http client or a general parser: the engine sends a request, waits for its response and sends
// the next one on the same connection, a hundred thousand times a second; what it needs from a response is
// where it ends. Everything else a parser builds (header objects, strings for every value, a body stream) is
// allocation per request that shows in the engine's throughput and memory (bench/README.md, issue 16).

/** What one chunk did to the response being read. */
export const Fed = {
  /** More bytes are needed. */
  Partial: 0,
  /** The response is complete; `rest` may hold bytes after it. */
  Complete: 1,
  /** Not HTTP/1.x as this reader understands it: the connection must be dropped. */
  Invalid: 2,
} as const;
export type Fed = (typeof Fed)[keyof typeof Fed];

const HEAD_END = Buffer.from("\r\n\r\n");
/** A head larger than this is refused (Node's own limit is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;

const enum State {
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

export class ResponseParser {
  /** Status of the response read (the final one, after any 1xx). */
  status = 0;
  /** Bytes of the response read so far, head and body (any 1xx heads included). */
  bytes = 0;
  /** The server will close the connection after this response (HTTP/1.0 without keep-alive, or Connection: close). */
  closes = false;
  /** Why the response was refused, when feed returned Invalid. */
  error = "";
  /** Bytes after the complete response (the engine never pipelines, so normally none). */
  rest: Buffer | undefined;

  private state = State.Head;
  private head: Buffer | undefined;
  private remaining = 0;
  private line = "";

  /** @param noBody the request was HEAD: its response has a head only (RFC 9112 section 6.3). */
  constructor(private readonly noBody = false) {}

  /** Starts reading the next response on the same connection. */
  reset(): void {
    this.status = 0;
    this.bytes = 0;
    this.closes = false;
    this.error = "";
    this.rest = undefined;
    this.state = State.Head;
    this.head = undefined;
    this.remaining = 0;
    this.line = "";
  }

  /** Whether the response in progress ends when the connection closes (no length given): then it is complete. */
  get endsAtClose(): boolean {
    return this.state === State.UntilClose;
  }

  feed(chunk: Buffer): Fed {
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case State.Head: {
          const used = this.readHead(chunk, at);
          if (used < 0) return this.error ? Fed.Invalid : Fed.Partial;
          at = used;
          break;
        }
        case State.Fixed:
        case State.ChunkData: {
          const take = Math.min(this.remaining, chunk.length - at);
          this.remaining -= take;
          this.bytes += take;
          at += take;
          if (this.remaining === 0) this.state = this.state === State.Fixed ? State.Done : State.ChunkDataEnd;
          break;
        }
        case State.ChunkSize:
        case State.ChunkDataEnd:
        case State.Trailers: {
          const end = chunk.indexOf(0x0a, at);
          const stop = end < 0 ? chunk.length : end + 1;
          this.bytes += stop - at;
          this.line += chunk.toString("latin1", at, stop);
          at = stop;
          if (end < 0) {
            if (this.line.length > MAX_HEAD_BYTES) return this.invalid("chunk line too long");
            break;
          }
          const line = this.line.replace(/\r?\n$/, "");
          this.line = "";
          if (!this.chunkLine(line)) return Fed.Invalid;
          break;
        }
        case State.UntilClose:
          this.bytes += chunk.length - at;
          return Fed.Partial;
        case State.Done:
          this.rest = chunk.subarray(at);
          return Fed.Complete;
      }
    }
    if (this.state === State.Done) return Fed.Complete;
    return Fed.Partial;
  }

  /** Reads the head from `chunk` at `at`; returns where the body starts, or -1 (incomplete, or `error` set). */
  private readHead(chunk: Buffer, at: number): number {
    let source = chunk;
    let start = at;
    if (this.head) {
      // Rare: the head arrived in pieces. Keep what came so far and look again at the joined bytes.
      source = Buffer.concat([this.head, chunk.subarray(at)]);
      start = 0;
    }
    const end = source.indexOf(HEAD_END, start);
    if (end < 0) {
      if (source.length - start > MAX_HEAD_BYTES) {
        this.error = "response head too large";
        return -1;
      }
      this.head = Buffer.from(source.subarray(start));
      return -1;
    }
    const headLength = end + 4 - start;
    const fromHead = this.head ? this.head.length : 0;
    this.head = undefined;
    this.bytes += headLength;
    if (!this.parseHead(source.toString("latin1", start, end))) return -1;
    // Where the body starts in `chunk`.
    return at + headLength - fromHead;
  }

  private parseHead(head: string): boolean {
    // "HTTP/1.1 200 OK": the version, a space, three digits.
    if (!head.startsWith("HTTP/1.") || head.charCodeAt(8) !== 0x20)
      return this.fail("not an HTTP/1.x response");
    const status = Number(head.slice(9, 12));
    if (!Number.isInteger(status) || status < 100 || status > 999) return this.fail("bad status line");
    const http10 = head.charCodeAt(7) === 0x30;
    let length = -1;
    let chunked = false;
    let connection = "";
    let lineStart = head.indexOf("\r\n");
    while (lineStart >= 0) {
      const next = head.indexOf("\r\n", lineStart + 2);
      const lineEnd = next < 0 ? head.length : next;
      const colon = head.indexOf(":", lineStart + 2);
      if (colon > 0 && colon < lineEnd) {
        const nameLength = colon - lineStart - 2;
        // Only three names matter; compare lengths first so most header lines cost one comparison.
        if (nameLength === 14 || nameLength === 17 || nameLength === 10) {
          const name = head.slice(lineStart + 2, colon).toLowerCase();
          const value = head.slice(colon + 1, lineEnd).trim();
          if (name === "content-length") {
            if (!/^\d+$/.test(value) || (length >= 0 && Number(value) !== length)) {
              return this.fail("bad Content-Length");
            }
            length = Number(value);
          } else if (name === "transfer-encoding") {
            chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
          } else if (name === "connection") {
            connection = connection ? `${connection},${value.toLowerCase()}` : value.toLowerCase();
          }
        }
      }
      lineStart = next;
    }
    if (status >= 100 && status < 200 && status !== 101) {
      // An interim response (100 Continue, 103 Early Hints): the final one follows on the same connection.
      this.state = State.Head;
      return true;
    }
    this.status = status;
    const tokens = connection.split(",").map((token) => token.trim());
    this.closes = tokens.includes("close") || (http10 && !tokens.includes("keep-alive"));
    if (this.noBody || status === 204 || status === 304) this.state = State.Done;
    else if (chunked) this.state = State.ChunkSize;
    else if (length >= 0) {
      this.remaining = length;
      this.state = length === 0 ? State.Done : State.Fixed;
    } else {
      // No framing: the body is whatever comes until the server closes, and the connection cannot be reused.
      this.closes = true;
      this.state = State.UntilClose;
    }
    return true;
  }

  private chunkLine(line: string): boolean {
    if (this.state === State.ChunkDataEnd) {
      if (line !== "") return this.fail("chunk not followed by CRLF");
      this.state = State.ChunkSize;
      return true;
    }
    if (this.state === State.Trailers) {
      if (line === "") this.state = State.Done;
      return true;
    }
    const size = line.split(";", 1)[0].trim();
    if (!/^[0-9a-fA-F]{1,15}$/.test(size)) return this.fail("bad chunk size");
    this.remaining = parseInt(size, 16);
    this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
    return true;
  }

  private fail(reason: string): false {
    this.error = reason;
    return false;
  }

  private invalid(reason: string): Fed {
    this.error = reason;
    return Fed.Invalid;
  }
}
