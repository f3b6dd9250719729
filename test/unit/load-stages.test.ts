// A staged load over runLoad: each stage at its own level, back to back after one warm-up, against a loopback
// server that records what it saw (requests and how many were in flight at once); and the merge of the stages'
// summaries into one load with a continuous timeline.
import { runStages } from "../../src/load/index.js";
import { mergeStages } from "../../src/load/stages.js";
import { SecondBuckets } from "../../src/latency-buckets.js";
import type { LoadStage } from "../../src/config/settings.js";
import type { LoadSummary } from "../../src/results.js";
import { request, startServer, type TestServer } from "./load-servers.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const stage = (durationMs: number, level: { connections?: number; rate?: number }): LoadStage => ({
  source: `${durationMs / 1000}s:${level.connections ?? `${level.rate}/s`}`,
  durationMs,
  ...level,
});

test("each stage holds its own connections, the server sees every request, the timeline runs on", async () => {
  let inFlight = 0;
  let mostInFlight = 0;
  server = await startServer((_req, res) => {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end("ok");
    }, 20);
  });
  const summary = await runStages({
    url: server.url,
    request: request(),
    load: { warmupMs: 300, connections: 50 },
    stages: [
      stage(1000, { connections: 2 }),
      stage(1000, { connections: 6 }),
      stage(1000, { connections: 2 }),
    ],
    // The server's own in-flight count stands in for the pods: sampled within each stage, and at its end.
    servingPods: () => inFlight,
    podSampleIntervalMs: 100,
  });
  const stages = summary.stages ?? [];
  expect(stages.map((s) => [s.index, s.stage, s.connections, s.rate])).toEqual([
    [1, "1s:2", 2, null],
    [2, "1s:6", 6, null],
    [3, "1s:2", 2, null],
  ]);
  // Nothing lost between the stages: warm-up plus stages is what the server answered.
  expect(summary.errors.total).toBe(0);
  expect(summary.requests).toBe(stages.reduce((sum, s) => sum + s.requests, 0));
  expect(server.seen).toHaveLength(summary.warmupRequests + summary.requests);
  expect(mostInFlight).toBe(6);
  // Closed loop at 20 ms: three times the connections, about three times the throughput.
  expect(stages[1].rps).toBeGreaterThan(1.5 * stages[0].rps);
  expect(stages[1].rps).toBeGreaterThan(1.5 * stages[2].rps);
  // Back to back: each starts when the previous ended (its drain is a few ms), on one clock.
  expect(stages[0].start).toBe(0);
  for (const i of [1, 2]) {
    const previousEnd = stages[i - 1].start + stages[i - 1].durationSeconds;
    expect(stages[i].start).toBeGreaterThanOrEqual(previousEnd);
    expect(stages[i].start - previousEnd).toBeLessThan(0.5);
  }
  const ts = summary.timeline.map((s) => s.t);
  expect(ts).toEqual([...ts].sort((a, b) => a - b));
  expect(summary.timeline.some((s) => s.t >= stages[2].start)).toBe(true);
  expect(summary.timeline.reduce((sum, s) => sum + s.requests, 0)).toBe(summary.requests);
  expect(summary.durationSeconds).toBeCloseTo(stages[2].start + stages[2].durationSeconds, 3);
  // Pods sampled during each stage and at its end (all answered by then).
  expect(stages[1].pods?.max).toBeGreaterThanOrEqual(3);
  expect(stages[0].pods?.max).toBeLessThanOrEqual(2);
  expect(stages.map((s) => s.pods?.final)).toEqual([0, 0, 0]);
});

test("an open-loop stage sends its rate over the connections input", async () => {
  server = await startServer();
  const summary = await runStages({
    url: server.url,
    request: request(),
    load: { warmupMs: 0, connections: 4 },
    stages: [stage(1000, { rate: 50 }), stage(1000, { rate: 200 })],
  });
  const [slow, fast] = summary.stages ?? [];
  expect(slow).toMatchObject({ connections: 4, rate: 50, pods: null });
  expect(slow.requests).toBeGreaterThanOrEqual(40);
  expect(slow.requests).toBeLessThanOrEqual(60);
  expect(fast.requests).toBeGreaterThanOrEqual(160);
  expect(fast.requests).toBeLessThanOrEqual(240);
  expect(server.seen).toHaveLength(summary.requests);
  expect(summary.warmupRequests).toBe(0);
});

test("an aborted signal ends the staged load after the stage in progress", async () => {
  server = await startServer();
  const controller = new AbortController();
  const summary = await runStages({
    url: server.url,
    request: request(),
    load: { warmupMs: 0, connections: 1 },
    stages: [stage(1000, { connections: 1 }), stage(1000, { connections: 1 })],
    signal: controller.signal,
    log: (line) => {
      if (line.startsWith("[load] stage 1/2")) controller.abort();
    },
  });
  expect(summary.stages).toHaveLength(1);
  expect(server.seen).toHaveLength(0);
});

function pass(latencyMs: number, requests: number, extra: Partial<LoadSummary> = {}): LoadSummary {
  const buckets = new SecondBuckets();
  for (let i = 0; i < requests; i++) buckets.record(latencyMs);
  return {
    target: { url: "http://x" },
    durationSeconds: 1,
    sent: requests,
    requests,
    unanswered: 0,
    rps: requests,
    bytesPerSecond: 100,
    latency: {
      min: latencyMs,
      mean: latencyMs,
      p50: latencyMs,
      p90: latencyMs,
      p99: latencyMs,
      p999: latencyMs,
      max: latencyMs,
    },
    errors: { total: 0, rate: 0, byStatus: {}, timeouts: 0, connectionErrors: 0 },
    timeline: [
      {
        t: 0,
        requests,
        rps: requests,
        p99: latencyMs,
        errors: 0,
        buckets: buckets.take(),
        sumMs: latencyMs * requests,
        unanswered: 0,
      },
    ],
    warmupRequests: 0,
    ...extra,
  };
}

test("merge: sums, statuses, offsets, and percentiles over every stage's requests", () => {
  const errors = { total: 5, rate: 5 / 105, byStatus: { "503": 5 }, timeouts: 0, connectionErrors: 0 };
  const merged = mergeStages(
    [
      {
        stage: stage(1000, { connections: 1 }),
        start: 0,
        startedAt: 0,
        summary: pass(10, 100),
        pods: [1, 2],
      },
      {
        stage: stage(1000, { rate: 9 }),
        start: 1.004,
        startedAt: 1004,
        summary: pass(30, 100, { sent: 105, errors }),
        pods: [],
      },
    ],
    7,
    42,
    { url: "http://x" },
  );
  expect(merged).toMatchObject({ requests: 200, sent: 205, durationSeconds: 2.004, warmupRequests: 42 });
  expect(merged.errors).toMatchObject({ total: 5, byStatus: { "503": 5 } });
  expect(merged.errors.rate).toBeCloseTo(5 / 205, 9);
  expect(merged.timeline.map((s) => s.t)).toEqual([0, 1.004]);
  // Half the requests at 10 ms, half at 30 ms: p50 is 10 ms and p99 30 ms (each within its 1 % bucket).
  expect(merged.latency.p50).toBeGreaterThan(9.9);
  expect(merged.latency.p50).toBeLessThanOrEqual(10);
  expect(merged.latency.p99).toBeGreaterThan(29.7);
  expect(merged.latency.p99).toBeLessThanOrEqual(30);
  expect(merged.latency).toMatchObject({ min: 10, max: 30, mean: 20 });
  expect(merged.stages?.map((s) => [s.connections, s.rate, s.pods])).toEqual([
    [1, null, { max: 2, final: 2 }],
    [7, 9, null],
  ]);
});
