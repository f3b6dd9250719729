// Single-value parsers: what each accepts (and normalizes to) and what it refuses, with the input named.
import type { InputErrors } from "../../src/config/errors.js";
import {
  formatDurationMs,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseGateway,
  parseHeaders,
  parseInteger,
  parseMethod,
  parsePath,
  parsePercent,
  parseTargetUrl,
} from "../../src/config/values.js";
import { errorOf } from "./input-errors.js";

const ANY = { minMs: 0, maxMs: 86_400_000 };

describe("parseDuration", () => {
  it.each([
    ["1500ms", 1500],
    ["30s", 30_000],
    ["0.5s", 500],
    [".5s", 500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["1m30s", 90_000],
    ["1h 2m", 3_720_000],
    [" 10s ", 10_000],
    ["0s", 0],
  ])("%s → %d ms", (text, ms) => {
    expect(parseDuration("duration", text, ANY)).toBe(ms);
  });

  it.each([
    ["", /duration: is empty/],
    ["30", /"30" has no unit; add one of ms, s, m, h \(e\.g\. 30s\)/],
    ["-5s", /"-5s" is negative/],
    ["NaNs", /"NaNs" is not a duration/],
    ["s", /"s" is not a duration/],
    ["10 seconds", /unknown unit "seconds"/],
    ["5d", /unknown unit "d"; valid units: ms, s, m, h/],
    ["1e3s", /unknown unit "e"/],
    ["9".repeat(400) + "s", /is too large/],
    ["2h", /2h is out of range; use a duration from 0s to 1d|out of range/],
  ])("refuses %j", (text, message) => {
    const error = errorOf(() => parseDuration("duration", text, { minMs: 0, maxMs: 3_600_000 }));
    expect(error.input).toBe("duration");
    expect(error.message).toMatch(/^duration: /);
    expect(error.message).toMatch(message);
  });

  it("names the bounds in words when a value is out of range", () => {
    expect(errorOf(() => parseDuration("warmup", "11m", { minMs: 0, maxMs: 600_000 })).message).toBe(
      "warmup: 11m is out of range; use a duration from 0s to 10m",
    );
  });

  it("cuts a very long value in the message", () => {
    expect(errorOf(() => parseDuration("duration", "x".repeat(500), ANY)).message.length).toBeLessThan(150);
  });

  it.each([
    [0, "0s"],
    [1500, "1500ms"],
    [90_000, "1m30s"],
    [3_600_000, "1h"],
  ])("formatDurationMs(%d) = %s", (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});

describe("parseInteger", () => {
  const range = { min: 1, max: 10_000 };
  it.each([
    ["1", 1],
    ["50", 50],
    ["010", 10],
    ["10000", 10_000],
  ])("%s → %d", (text, n) => expect(parseInteger("connections", text, range)).toBe(n));

  it.each([
    ["0", /0 is out of range; use a whole number from 1 to 10000/],
    ["-5", /-5 is negative/],
    ["2.5", /"2.5" is not a whole number/],
    ["1e3", /"1e3" is not a whole number/],
    ["0x10", /not a whole number/],
    ["1_000", /not a whole number/],
    ["+5", /not a whole number/],
    ["", /is empty/],
    ["99999999999999999999999", /out of range/],
  ])("refuses %j", (text, message) => {
    const error = errorOf(() => parseInteger("connections", text, range));
    expect(error.input).toBe("connections");
    expect(error.message).toMatch(message);
  });
});

describe("parseBoolean (the YAML 1.2 core schema, like core.getBooleanInput)", () => {
  it.each(["true", "True", "TRUE"])("%s is true", (text) => expect(parseBoolean("comment", text)).toBe(true));
  it.each(["false", "False", "FALSE"])("%s is false", (text) =>
    expect(parseBoolean("comment", text)).toBe(false),
  );
  it.each(["yes", "no", "on", "off", "1", "0", "tRUE", ""])("refuses %j", (text) => {
    expect(errorOf(() => parseBoolean("cold-start", text)).message).toMatch(
      /^cold-start: ".*" is not a boolean; use true or false/,
    );
  });
});

describe("parseEnum", () => {
  it("accepts a listed choice", () =>
    expect(parseEnum("teardown", "on-success", ["always", "on-success", "never"])).toBe("on-success"));
  it("suggests the closest choice and lists them all", () => {
    expect(errorOf(() => parseEnum("teardown", "alway", ["always", "on-success", "never"])).message).toBe(
      'teardown: "alway" is not a valid choice; did you mean "always"? valid choices: always, on-success, never',
    );
  });
  it("is case-sensitive (ALWAYS is not always)", () => {
    expect(() => parseEnum("teardown", "ALWAYS", ["always"])).toThrow(/did you mean "always"/);
  });
});

describe("parsePercent", () => {
  it.each([
    ["10%", 10],
    ["2.5%", 2.5],
    ["0%", 0],
    [" 15 % ", 15],
  ])("%s → %d", (text, percent) => expect(parsePercent("max-regression", text)).toBe(percent));
  it.each([
    ["10", /is not a percentage/],
    ["0.1", /is not a percentage/],
    ["-5%", /is negative/],
    ["ten%", /is not a percentage/],
    ["5000%", /out of range/],
  ])("refuses %j", (text, message) =>
    expect(errorOf(() => parsePercent("max-regression", text)).message).toMatch(message),
  );
});

describe("parseTargetUrl (url input)", () => {
  it.each([
    ["https://hello.example.com", "https://hello.example.com"],
    ["http://127.0.0.1:8080/", "http://127.0.0.1:8080"],
    ["HTTP://Hello.Example.com", "http://hello.example.com"],
  ])("%s → %s", (text, origin) => expect(parseTargetUrl("url", text)).toBe(origin));

  it.each([
    ["ftp://x.example.com", /scheme "ftp" is not supported/],
    ["hello.example.com", /is not a URL/],
    ["https://u:p@x.example.com", /contains credentials/],
    ["https://x.example.com/api?q=1", /put "\/api\?q=1" in the path input/],
    ["https://x.example.com/#top", /#fragment/],
    ["https://x.example.com/\r\nX-Evil: 1", /control character/],
  ])("refuses %j", (text, message) => {
    const error = errorOf(() => parseTargetUrl("url", text));
    expect(error.input).toBe("url");
    expect(error.message).toMatch(message);
  });

  it("never repeats credentials in its message", () => {
    expect(errorOf(() => parseTargetUrl("url", "https://user:hunter2@x.example.com")).message).not.toContain(
      "hunter2",
    );
  });
});

describe("parseGateway", () => {
  it.each([
    ["127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["localhost", "http://localhost:80"],
    ["https://gw.example.com", "https://gw.example.com:443"],
    ["http://[::1]:31080", "http://[::1]:31080"],
    ["kourier.kourier-system:80", "http://kourier.kourier-system:80"],
  ])("%s → %s", (text, origin) => expect(parseGateway("gateway", text)).toBe(origin));

  it.each([
    ["127.0.0.1:99999", /not a host:port address or URL/],
    ["ftp://gw:21", /scheme "ftp" is not supported/],
    ["http://gw:80/path", /must be only a host and port/],
    ["gw:80\nx", /control character/],
    ["http://user:pw@gw:80", /must be only a host and port/],
  ])("refuses %j", (text, message) =>
    expect(errorOf(() => parseGateway("gateway", text)).message).toMatch(message),
  );
});

describe("parseMethod and parsePath", () => {
  it("normalizes the method to upper case", () => expect(parseMethod("method", "post")).toBe("POST"));
  it.each([
    ["FETCH", /"FETCH" is not a valid choice; valid choices: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS/],
    ["GET\r\nX: y", /control character/],
    ["G ET", /not a valid choice/],
  ])("refuses method %j", (text, message) =>
    expect(errorOf(() => parseMethod("method", text)).message).toMatch(message),
  );

  it.each(["/", "/healthz", "/api/v1/items?limit=10&x=%20"])("accepts path %s", (path) => {
    expect(parsePath("path", path)).toBe(path);
  });
  it.each([
    ["health", /does not start with \/; write it like \/health/],
    ["//evil.example.com/x", /starts with \/\//],
    ["/a b", /contains whitespace/],
    ["/x\r\nHost: evil", /control character/],
    ["/x#frag", /#fragment/],
  ])("refuses path %j", (text, message) =>
    expect(errorOf(() => parsePath("path", text)).message).toMatch(message),
  );
});

describe("parseHeaders", () => {
  it("reads one Name: value per line, skipping blank lines, keeping colons in values", () => {
    expect(
      parseHeaders("headers", "Authorization: Bearer abc\n\nX-Time: 12:30:00\r\nAccept:application/json"),
    ).toEqual({
      Authorization: "Bearer abc",
      "X-Time": "12:30:00",
      Accept: "application/json",
    });
  });

  it("allows a tab inside a value", () =>
    expect(parseHeaders("headers", "X-A: a\tb")).toEqual({ "X-A": "a\tb" }));

  it.each([
    ["X-A: b\rInjected: 1", 1, 7, /control character U\+000D/],
    ["X-A: b\u0000", 1, 7, /control character U\+0000/],
    [
      "X-A: 1\nHost: evil.example.com",
      2,
      1,
      /Host cannot be set; the Host header comes from the Service URL/,
    ],
    ["X-A: 1\r\nHOST: x", 2, 1, /HOST cannot be set/],
    ["Transfer-Encoding: chunked", 1, 1, /Transfer-Encoding cannot be set/],
    ["Connection: close", 1, 1, /Connection cannot be set/],
    ["X Bad: 1", 1, 1, /is not a valid header name/],
    ["X-A(1): 1", 1, 1, /is not a valid header name/],
    [": value", 1, 1, /header name is empty/],
    ["X-A: 1\nx-a: 2", 2, 1, /x-a is set twice \(first on line 1\)/],
  ])("refuses %j at line %d, column %d", (text, line, column, message) => {
    const error = errorOf(() => parseHeaders("headers", text));
    expect(error.input).toBe("headers");
    expect(error.line).toBe(line);
    expect(error.column).toBe(column);
    expect(error.message).toMatch(new RegExp(`^headers: line ${line}, column ${column}: `));
    expect(error.message).toMatch(message);
  });

  it("names the line of a line without a colon", () => {
    expect(errorOf(() => parseHeaders("headers", "X-A: 1\nnot a header")).message).toBe(
      'headers: line 2: "not a header" is not a header; write one `Name: value` per line',
    );
  });

  it("reports every bad line at once", () => {
    let thrown: unknown;
    try {
      parseHeaders("headers", "Host: a\nbad\nX-OK: 1\nContent-Length: 3");
    } catch (error) {
      thrown = error;
    }
    expect((thrown as InputErrors).errors.map((e) => e.line)).toEqual([1, 2, 4]);
  });
});
