// Pure parts of the load engine: where requests go, the progress line, the recorder's figures.
import { bucketOf } from "../../src/latency-buckets.js";
import { loadHistogramLibrary } from "../../src/load/histogram.js";
import { formatProgress } from "../../src/load/progress.js";
import { LoadRecorder } from "../../src/load/recorder.js";
import { requestFor } from "../../src/load/target.js";

describe("requestFor", () => {
  test("a root request path keeps the URL's own path and query", () => {
    expect(
      requestFor({ url: "https://hello.default.example.com/api?q=1" }, { path: "/", headers: {} }).url,
    ).toBe("https://hello.default.example.com/api?q=1");
  });

  test("a request path is appended to the URL's path, query included", () => {
    expect(requestFor({ url: "http://gw:8080/prefix/" }, { path: "/items?id=2", headers: {} }).url).toBe(
      "http://gw:8080/prefix/items?id=2",
    );
    expect(requestFor({ url: "http://gw:8080" }, { path: "items", headers: {} }).url).toBe(
      "http://gw:8080/items",
    );
  });

  test("a host replaces any Host header, whatever its case; other headers pass through", () => {
    const target = requestFor(
      { url: "http://10.0.0.1", host: "hello.default.example.com" },
      { path: "/", headers: { HOST: "x", "x-a": "1" } },
    );
    expect(target.headers).toEqual({ "x-a": "1", host: "hello.default.example.com" });
  });

  test("without a host, a Host header from the request headers is kept", () => {
    expect(
      requestFor({ url: "http://10.0.0.1" }, { path: "/", headers: { Host: "a.example.com" } }).headers,
    ).toEqual({
      Host: "a.example.com",
    });
  });

  test("bad URLs are refused with the value and an example", () => {
    expect(() => requestFor({ url: "hello.default" }, { path: "/", headers: {} })).toThrow(
      'load target: "hello.default" is not an absolute URL (expected e.g. http://hello.default.example.com)',
    );
    expect(() => requestFor({ url: "ftp://x" }, { path: "/", headers: {} })).toThrow(
      'load target: "ftp://x" must use http or https',
    );
  });
});

test("formatProgress renders totals with separators and one decimal of p99", () => {
  expect(
    formatProgress({ elapsedSeconds: 15.02, requests: 12345, errors: 0, rps: 823.4, p99: 41.234 }, 30),
  ).toBe("[load] 15s/30s  12,345 req  823 rps  p99 41.2 ms  errors 0");
});

describe("LoadRecorder", () => {
  // The recorder needs the histogram library, which a load loads when it starts (histogram.ts).
  beforeAll(() => loadHistogramLibrary());

  test("percentiles keep sub-millisecond precision", () => {
    const recorder = new LoadRecorder(0);
    for (let i = 1; i <= 1000; i++) recorder.response(200, 100, 20 + i / 1000);
    const { latency } = recorder.summary(1000, { url: "http://x/" }, 0);
    expect(latency.min).toBeCloseTo(20.001, 2);
    expect(latency.p50).toBeCloseTo(20.5, 1);
    expect(latency.p99).toBeCloseTo(20.99, 1);
    expect(latency.max).toBeCloseTo(21, 1);
    expect(latency.mean).toBeCloseTo(20.5, 1);
  });

  test("error rate counts timeouts and connection errors as attempts", () => {
    const recorder = new LoadRecorder(0);
    for (let i = 0; i < 6; i++) recorder.response(200, 10, 1);
    recorder.response(503, 10, 1);
    recorder.response(101, 10, 1);
    recorder.timeout();
    recorder.connectionError();
    const summary = recorder.summary(2000, { url: "http://x/" }, 7);
    expect(summary.errors).toEqual({
      total: 4,
      rate: 0.4,
      byStatus: { "503": 1, "101": 1 },
      timeouts: 1,
      connectionErrors: 1,
    });
    expect(summary).toMatchObject({
      requests: 8,
      rps: 4,
      bytesPerSecond: 40,
      durationSeconds: 2,
      warmupRequests: 7,
    });
  });

  test("timeline: one sample per second, a partial last second only if something happened in it", () => {
    const recorder = new LoadRecorder(1000);
    recorder.response(200, 1, 5);
    recorder.response(500, 1, 7);
    recorder.endSecond(2000);
    recorder.endSecond(3000);
    recorder.response(200, 1, 3);
    recorder.ended(3500);
    recorder.endSecond(4000);
    const timeline = recorder.summary(3500, { url: "http://x/" }, 0).timeline;
    // HDR reports the highest value equivalent to the recorded one (within 0.1%).
    expect(timeline.map((s) => ({ ...s, p99: Number(s.p99.toFixed(1)) }))).toEqual([
      {
        t: 0,
        requests: 2,
        rps: 2,
        p99: 7,
        errors: 1,
        buckets: [
          [bucketOf(5), 1],
          [bucketOf(7), 1],
        ],
        sumMs: 12,
        unanswered: 0,
      },
      { t: 1, requests: 0, rps: 0, p99: 0, errors: 0, buckets: [], sumMs: 0, unanswered: 0 },
      { t: 2, requests: 1, rps: 2, p99: 3, errors: 0, buckets: [[bucketOf(3), 1]], sumMs: 3, unanswered: 0 },
    ]);
  });

  test("outcomes of the grace period after the end count in the last second, so the timeline adds up", () => {
    const recorder = new LoadRecorder(1000);
    recorder.response(200, 1, 5);
    recorder.endSecond(2000);
    recorder.response(200, 1, 6);
    recorder.ended(2500);
    recorder.endSecond(3000); // the per-second timer still ticks during the grace period: ignored
    recorder.response(200, 1, 900);
    recorder.unanswered();
    const summary = recorder.summary(2500, { url: "http://x/" }, 0);
    expect(summary).toMatchObject({ sent: 4, requests: 3, unanswered: 1, durationSeconds: 1.5, rps: 2 });
    expect(summary.errors).toMatchObject({ total: 1, timeouts: 1 });
    expect(summary.timeline.map((s) => [s.t, s.requests, s.errors])).toEqual([
      [0, 1, 0],
      [1, 2, 1],
    ]);
    // Ended exactly on a second's boundary: late outcomes join the second just closed.
    const onBoundary = new LoadRecorder(0);
    onBoundary.response(200, 1, 5);
    onBoundary.endSecond(1000);
    onBoundary.ended(1000);
    onBoundary.response(200, 1, 700);
    const timeline = onBoundary.summary(1000, { url: "http://x/" }, 0).timeline;
    expect(timeline.map((s) => [s.t, s.requests])).toEqual([[0, 2]]);
    expect(timeline[0].p99).toBeGreaterThanOrEqual(700);
  });

  // The zeros are what the summary holds; the verdict does not read them as a measurement (verdict.test.ts,
  // "a load with no answered request"): with requests 0, latency and rps are "not measured".
  test("an empty run reports zeros and nothing sent, not NaN", () => {
    const summary = new LoadRecorder(0).summary(0, { url: "http://x/" }, 0);
    expect(summary).toMatchObject({
      sent: 0,
      requests: 0,
      unanswered: 0,
      rps: 0,
      bytesPerSecond: 0,
      durationSeconds: 0,
    });
    expect(summary.latency).toEqual({ min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
    expect(summary.errors.rate).toBe(0);
  });
});
