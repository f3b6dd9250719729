// The in-cluster load's pure parts: the worker's HDR encoding (read back by hdr-histogram-js), the exact merge
// (percentiles of the merge equal those of one histogram fed every sample, and match the runner's recorder),
// how the load is split over workers, the Job manifest, and how the action judges the worker pods.
import type { V1Pod } from "@kubernetes/client-node";
import * as hdr from "hdr-histogram-js";
import type { LoadSettings } from "../../src/config/settings.js";
import { LoadRecorder } from "../../src/load/recorder.js";
import { latencySummary, loadHistogramLibrary } from "../../src/load/histogram.js";
import {
  mergeHistograms,
  mergeWorkerResults,
  parseWorkerLog,
  WorkerResultError,
} from "../../src/load/cluster/merge.js";
import {
  checkWorkers,
  clusterLoadNames,
  loadConfigMap,
  loadJob,
  splitLoad,
  workerConfig,
} from "../../src/load/cluster/plan.js";
import { judgeWorkers } from "../../src/load/cluster/workers.js";
import * as protocol from "../../src/load/cluster/protocol.js";
import * as worker from "../../src/load/cluster/worker.mjs";
import { countsIndex, Histogram, RESULT_MARKER, type WorkerResult } from "../../src/load/cluster/worker.mjs";

// The recorder and the merge need the histogram library, which a load loads when it starts (histogram.ts).
beforeAll(() => loadHistogramLibrary());

/** A deterministic pseudo-random source (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latencies in µs, log-uniform between `from` and `to`. */
function samples(n: number, from: number, to: number, seed: number): number[] {
  const next = random(seed);
  return Array.from({ length: n }, () => Math.round(from * (to / from) ** next()));
}

function reference(values: number[]) {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const v of values) h.recordValue(v);
  return h;
}

function workerHistogram(values: number[]): Histogram {
  const h = new Histogram();
  for (const v of values) h.record(v);
  return h;
}

const PERCENTILES = [0, 1, 25, 50, 75, 90, 99, 99.9, 99.99, 100];

test("the worker and the action agree on the result line and the histogram range", () => {
  expect([worker.RESULT_MARKER, worker.RESULT_VERSION, worker.HIGHEST_TRACKABLE_VALUE]).toEqual([
    protocol.RESULT_MARKER,
    protocol.RESULT_VERSION,
    protocol.HIGHEST_TRACKABLE_VALUE,
  ]);
});

describe("worker histogram encoding", () => {
  test("uses HdrHistogram's bucket layout (1 µs, 3 significant digits)", () => {
    const ref = reference([]);
    for (const v of [0, 1, 1000, 2047, 2048, 2049, 4095, 4096, 123_456, 59_999_999]) {
      expect(countsIndex(v)).toBe(
        (ref as unknown as { countsArrayIndex(v: number): number }).countsArrayIndex(v),
      );
    }
  });

  test("round-trips through hdr-histogram-js: same counts and percentiles as a histogram fed the same values", () => {
    const values = samples(50_000, 50, 5_000_000, 1);
    const decoded = hdr.decodeFromCompressedBase64(workerHistogram(values).encode());
    const ref = reference(values);
    expect(decoded.totalCount).toBe(values.length);
    for (const p of PERCENTILES) expect(decoded.getValueAtPercentile(p)).toBe(ref.getValueAtPercentile(p));
    expect(decoded.mean).toBe(ref.mean);
    // Bucket by bucket (a decoded histogram's max is its bucket's top: the exact max travels separately).
    const counts = (h: typeof ref) => {
      const raw = h as unknown as { countsArrayIndex(v: number): number; getCountAtIndex(i: number): number };
      return Array.from({ length: raw.countsArrayIndex(ref.maxValue) + 1 }, (_, i) => raw.getCountAtIndex(i));
    };
    expect(counts(decoded)).toEqual(counts(ref));
  });

  test("an empty histogram and one with values above 60 s both decode", () => {
    expect(hdr.decodeFromCompressedBase64(new Histogram().encode()).totalCount).toBe(0);
    const values = [5, 90_000_000, 250_000_000];
    const decoded = hdr.decodeFromCompressedBase64(workerHistogram(values).encode());
    expect(decoded.totalCount).toBe(3);
    expect(decoded.getValueAtPercentile(100)).toBe(reference(values).getValueAtPercentile(100));
  });

  test("keeps the exact smallest and largest values", () => {
    const h = workerHistogram([12_345, 777, 4_000_001]);
    expect([h.min, h.max, h.totalCount]).toEqual([777, 4_000_001, 3]);
  });
});

describe("exact merge", () => {
  // Four workers that saw different latencies: one is on a slow node.
  const parts = [
    samples(20_000, 200, 20_000, 11),
    samples(15_000, 200, 20_000, 12),
    samples(10_000, 300, 30_000, 13),
    samples(5_000, 5_000, 900_000, 14),
  ];
  const all = parts.flat();

  test("percentiles of the merge equal those of one histogram fed every sample", () => {
    const merged = mergeHistograms(parts.map((p) => workerHistogram(p).encode()));
    const ref = reference(all);
    expect(merged.totalCount).toBe(all.length);
    for (const p of PERCENTILES) expect(merged.getValueAtPercentile(p)).toBe(ref.getValueAtPercentile(p));
    expect(merged.mean).toBe(ref.mean);
  });

  test("differs from averaging the workers' percentiles, which is what it must not do", () => {
    const merged = mergeHistograms(parts.map((p) => workerHistogram(p).encode()));
    const averageP99 =
      parts.map((p) => reference(p).getValueAtPercentile(99)).reduce((a, b) => a + b, 0) / parts.length;
    expect(Math.abs(merged.getValueAtPercentile(99) - averageP99) / averageP99).toBeGreaterThan(0.2);
  });

  test("the merged summary's latency equals the runner recorder's for the same requests", () => {
    const recorder = new LoadRecorder(0);
    for (const micros of all) recorder.response(200, 100, micros / 1000);
    const runner = recorder.summary(10_000, { url: "http://x" }, 0);
    const { summary } = mergeWorkerResults(
      parts.map((p, index) => ({ result: result(index, p), pod: `p-${index}` })),
      { target: { url: "http://x" }, measureFrom: 1_000_000 },
    );
    expect(summary.latency).toEqual(runner.latency);
    expect(summary.latency).toEqual(
      latencySummary(reference(all), { min: Math.min(...all), max: Math.max(...all) }),
    );
  });
});

/** A worker result as worker.mjs would report it, measured from t=1,000,000 ms for 10 s. */
function result(index: number, latencies: number[], extra: Partial<WorkerResult> = {}): WorkerResult {
  const secondOf = (i: number) => Math.floor((i * 10) / latencies.length);
  const seconds = Array.from({ length: 10 }, (_, k) => {
    const inSecond = latencies.filter((_, i) => secondOf(i) === k);
    return { requests: inSecond.length, errors: 0, histogram: workerHistogram(inSecond).encode() };
  });
  const h = workerHistogram(latencies);
  return {
    v: 1,
    index,
    workers: 4,
    startedAt: 1_000_000,
    measuredFrom: 1_000_000,
    endedAt: 1_010_000,
    endedBy: "duration",
    requests: latencies.length,
    bytes: latencies.length * 100,
    statuses: { "200": latencies.length },
    timeouts: 0,
    connectionErrors: 0,
    warmupRequests: 10,
    latency: { min: h.min, max: h.max, histogram: h.encode() },
    seconds,
    ...extra,
  };
}

describe("mergeWorkerResults", () => {
  const a = samples(1000, 1000, 2000, 21);
  const b = samples(3000, 1000, 2000, 22);

  test("sums counters and keeps error kinds apart", () => {
    const { summary, workers } = mergeWorkerResults(
      [
        {
          result: result(1, b, { statuses: { "200": 2990, "503": 10 }, timeouts: 2 }),
          pod: "w-1",
          node: "n2",
        },
        {
          result: result(0, a, { statuses: { "200": 995, "404": 5 }, connectionErrors: 3 }),
          pod: "w-0",
          node: "n1",
        },
      ],
      { target: { url: "http://hello.default.svc.cluster.local" }, measureFrom: 1_000_000 },
    );
    expect(summary.requests).toBe(4000);
    expect(summary.durationSeconds).toBe(10);
    expect(summary.rps).toBe(400);
    expect(summary.bytesPerSecond).toBe(40_000);
    expect(summary.warmupRequests).toBe(20);
    expect(summary.errors).toEqual({
      total: 20,
      rate: 20 / 4005,
      byStatus: { "404": 5, "503": 10 },
      timeouts: 2,
      connectionErrors: 3,
    });
    expect(workers.map((w) => [w.index, w.pod, w.node, w.requests, w.rps, w.errors])).toEqual([
      [0, "w-0", "n1", 1000, 100, 8],
      [1, "w-1", "n2", 3000, 300, 12],
    ]);
  });

  test("the timeline adds the workers' seconds and takes p99 of each merged second", () => {
    const { summary } = mergeWorkerResults(
      [
        { result: result(0, a), pod: "w-0" },
        { result: result(1, b), pod: "w-1" },
      ],
      { target: { url: "http://x" }, measureFrom: 1_000_000 },
    );
    expect(summary.timeline).toHaveLength(10);
    expect(summary.timeline.reduce((n, s) => n + s.requests, 0)).toBe(4000);
    const second3 = [
      ...a.filter((_, i) => Math.floor((i * 10) / a.length) === 3),
      ...b.filter((_, i) => Math.floor((i * 10) / b.length) === 3),
    ];
    expect(summary.timeline[3]).toEqual({
      t: 3,
      requests: second3.length,
      rps: second3.length,
      p99: reference(second3).getValueAtPercentile(99) / 1000,
      errors: 0,
    });
  });

  test("a worker that started late is reported with its delay", () => {
    const late = result(1, b, { startedAt: 1_002_500, measuredFrom: 1_002_500 });
    const { workers } = mergeWorkerResults(
      [
        { result: result(0, a), pod: "w-0" },
        { result: late, pod: "w-1" },
      ],
      { target: { url: "http://x" }, measureFrom: 1_000_000 },
    );
    expect(workers[1].lateMs).toBe(2500);
    expect(workers[1].rps).toBe(400);
  });

  // The zeros are not read as a measurement: with requests 0 the verdict says "not measured" (verdict.test.ts).
  test("workers without a single response give zeros, not NaN, and count what they sent", () => {
    const empty = result(0, [], { requests: 0, statuses: {}, connectionErrors: 50 });
    const { summary } = mergeWorkerResults([{ result: empty, pod: "w-0" }], {
      target: { url: "http://x" },
      measureFrom: 1_000_000,
    });
    expect(summary.latency).toEqual({ min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
    expect(summary.errors.rate).toBe(1);
    expect(summary).toMatchObject({ sent: 50, requests: 0, unanswered: 0 });
  });

  test("requests unanswered at the end of the grace period are summed, and counted in sent and timeouts", () => {
    const { summary } = mergeWorkerResults(
      [
        { result: result(0, a, { timeouts: 3, unanswered: 2 }), pod: "w-0" },
        // A worker from before `unanswered` existed reports none.
        { result: result(1, b), pod: "w-1" },
      ],
      { target: { url: "http://x" }, measureFrom: 1_000_000 },
    );
    expect(summary).toMatchObject({ sent: 4003, requests: 4000, unanswered: 2 });
    expect(summary.errors).toMatchObject({ total: 3, timeouts: 3, rate: 3 / 4003 });
  });

  // Since 542ccd7: HDR reports a percentile as the top of its bucket, which can lie above every value recorded
  // (a worker's p99 of 73.919 ms over its max of 73.905 ms failed a test). The merge caps it at the exact max.
  test("no percentile exceeds the exact max the workers reported", () => {
    const values = [1000, 2000, 73_905];
    const uncapped = reference(values).getValueAtPercentile(99);
    expect(uncapped).toBe(73_919); // the bucket's top: what the cap is for
    const { summary, workers } = mergeWorkerResults([{ result: result(0, values), pod: "w-0" }], {
      target: { url: "http://x" },
      measureFrom: 1_000_000,
    });
    expect(summary.latency).toMatchObject({ p99: 73.905, p999: 73.905, max: 73.905, min: 1 });
    expect(workers[0].latency).toEqual({ p50: 2, p99: 73.905, max: 73.905 });
    // Below the max's bucket, percentiles are HDR's as they are.
    expect(summary.latency.p50).toBe(reference(values).getValueAtPercentile(50) / 1000);
  });
});

describe("parseWorkerLog", () => {
  const line = `${RESULT_MARKER}${JSON.stringify(result(2, [1000, 2000]))}`;

  test("takes the result line among other output", () => {
    expect(parseWorkerLog(`[worker 3/4] start\n${line}\n`, 2).requests).toBe(2);
  });

  test("names what is wrong", () => {
    expect(() => parseWorkerLog("[worker 3/4] start\n", 2)).toThrow(
      new WorkerResultError("its log has no result line"),
    );
    expect(() => parseWorkerLog(line, 1)).toThrow("its result is for worker 2, expected 1");
    expect(() => parseWorkerLog(line.slice(0, 80), 2)).toThrow(/is not JSON .*truncated/);
  });
});

const load = (over: Partial<LoadSettings> = {}): LoadSettings => ({
  durationMs: 30_000,
  connections: 10,
  warmupMs: 5000,
  ...over,
});

describe("splitting the load", () => {
  test("connections, rate and requests add up, and connections are numbered across workers", () => {
    const shares = splitLoad(load({ rate: 1000, requests: 10_003 }), 4);
    expect(shares.map((s) => s.connections)).toEqual([3, 3, 2, 2]);
    expect(shares.map((s) => s.firstConnection)).toEqual([0, 3, 6, 8]);
    expect(shares.map((s) => s.rate)).toEqual([300, 300, 200, 200]);
    expect(shares.map((s) => s.requests)).toEqual([2501, 2501, 2501, 2500]);
  });

  test("closed loop leaves rate and requests out", () => {
    expect(splitLoad(load(), 2)).toEqual([
      { connections: 5, firstConnection: 0 },
      { connections: 5, firstConnection: 5 },
    ]);
  });

  test("refuses worker counts the load cannot be split into", () => {
    expect(checkWorkers(4, load())).toBeUndefined();
    expect(checkWorkers(0, load())).toMatch(/^load-workers: must be a whole number from 1 to 100/);
    expect(checkWorkers(12, load())).toMatch(
      /^load-workers: 12 workers need at least 12 connections .*connections is 10/,
    );
    expect(checkWorkers(4, load({ requests: 3 }))).toMatch(/cannot share a cap of 3 requests/);
  });
});

describe("the Job and ConfigMap", () => {
  const names = clusterLoadNames("perf", "Hello-World--Service-with-a-very-long-name", "x2b4c");
  const spec = {
    namespace: "perf",
    url: "http://gw.kourier-system.svc.cluster.local",
    host: "hello.perf.svc.cluster.local",
    request: { path: "/api?q=1", method: "POST", headers: { "x-a": "1" }, body: "{}", timeoutMs: 5000 },
    load: load({ rate: 200 }),
    workers: 4,
    image: "node:24-alpine",
    startAt: 1_000_015_000,
    service: "hello",
  };

  test("names are DNS labels with room for the pod index", () => {
    expect(names).toEqual({
      namespace: "perf",
      job: "kpg-load-hello-world-service-with-a-ve-x2b4c",
      configMap: "kpg-load-hello-world-service-with-a-ve-x2b4c",
    });
    expect(names.job.length + "-99-abcde".length).toBeLessThanOrEqual(63);
  });

  test("an Indexed Job of N pods that all run at once, fail the Job at the first failure, and end on their own", () => {
    const job = loadJob(spec, names, 1_000_000_000);
    expect(job.spec).toMatchObject({
      completionMode: "Indexed",
      completions: 4,
      parallelism: 4,
      backoffLimit: 0,
      // 15 s to the start, 5 s warm-up, 30 s load, 5 s timeout, 120 s margin.
      activeDeadlineSeconds: 175,
      ttlSecondsAfterFinished: 600,
    });
    const pod = job.spec?.template.spec;
    expect(pod?.restartPolicy).toBe("Never");
    expect(pod?.containers[0]).toMatchObject({
      image: "node:24-alpine",
      command: ["node", "/etc/knative-perf-gate/worker.mjs"],
      volumeMounts: [{ name: "worker", mountPath: "/etc/knative-perf-gate", readOnly: true }],
    });
    expect(pod?.volumes).toEqual([{ name: "worker", configMap: { name: names.configMap } }]);
    expect(job.spec?.template.metadata?.labels).toMatchObject({
      "knative-perf-gate.dev/load-run": names.job,
    });
  });

  test("the ConfigMap carries the script and each worker's share, owned by the Job", () => {
    const cm = loadConfigMap(spec, names, "// script", { name: names.job, uid: "u-1" });
    expect(cm.metadata?.ownerReferences).toEqual([
      { apiVersion: "batch/v1", kind: "Job", name: names.job, uid: "u-1" },
    ]);
    expect(cm.data?.["worker.mjs"]).toBe("// script");
    const config = JSON.parse(cm.data?.["config.json"] ?? "");
    expect(config).toEqual(workerConfig(spec));
    expect(config).toMatchObject({
      url: "http://gw.kourier-system.svc.cluster.local/api?q=1",
      method: "POST",
      headers: { "x-a": "1", host: "hello.perf.svc.cluster.local" },
      body: "{}",
      startAt: 1_000_015_000,
      rate: 200,
      connections: 10,
    });
    expect(config.shares).toHaveLength(4);
  });
});

describe("judging the worker pods", () => {
  const options = { workers: 2, now: 1000, startDeadline: 5000, job: "kpg-load-x", namespace: "perf" };
  const pod = (index: number, status: V1Pod["status"], extra: Partial<V1Pod["metadata"]> = {}): V1Pod => ({
    metadata: {
      name: `kpg-load-x-${index}-abcde`,
      annotations: { "batch.kubernetes.io/job-completion-index": String(index) },
      creationTimestamp: new Date(0),
      ...extra,
    },
    status,
  });

  test("waits while pods start, and is done when every index succeeded", () => {
    expect(judgeWorkers([pod(0, { phase: "Running" })], options)).toEqual({ kind: "waiting", running: 1 });
    const done = judgeWorkers([pod(1, { phase: "Succeeded" }), pod(0, { phase: "Succeeded" })], options);
    expect(done.kind === "done" && done.pods.map((p) => p.metadata?.name)).toEqual([
      "kpg-load-x-0-abcde",
      "kpg-load-x-1-abcde",
    ]);
  });

  test("a failed worker fails the run with its exit code and message", () => {
    const failed = pod(1, {
      phase: "Failed",
      containerStatuses: [
        {
          name: "worker",
          image: "node",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 1, reason: "Error", message: "load worker failed: boom" } },
        },
      ],
    });
    expect(judgeWorkers([pod(0, { phase: "Running" }), failed], options)).toMatchObject({
      kind: "failed",
      index: 1,
      message: "worker 1 (pod kpg-load-x-1-abcde) failed: Error (exit code 1): load worker failed: boom",
    });
  });

  test("an image that cannot be pulled fails at once, without waiting for the start", () => {
    const stuck = pod(0, {
      phase: "Pending",
      containerStatuses: [
        {
          name: "worker",
          image: "registry.invalid/node:24",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: {
            waiting: {
              reason: "ImagePullBackOff",
              message: 'Back-off pulling image "registry.invalid/node:24"',
            },
          },
        },
      ],
    });
    expect(judgeWorkers([stuck], options)).toMatchObject({
      kind: "failed",
      message:
        'worker 0 never started: pod kpg-load-x-0-abcde: ImagePullBackOff: Back-off pulling image "registry.invalid/node:24"',
    });
  });

  test("after the start deadline, a pending or missing worker never started", () => {
    const late = { ...options, now: 6000 };
    const unschedulable = pod(0, {
      phase: "Pending",
      conditions: [
        {
          type: "PodScheduled",
          status: "False",
          reason: "Unschedulable",
          message: "0/3 nodes are available: 3 Insufficient cpu.",
        },
      ],
    });
    expect(judgeWorkers([unschedulable], options).kind).toBe("waiting");
    expect(judgeWorkers([unschedulable], late)).toMatchObject({
      message:
        "worker 0 never started: pod kpg-load-x-0-abcde is not scheduled (Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.)",
    });
    expect(judgeWorkers([pod(0, { phase: "Running" })], late)).toMatchObject({
      index: 1,
      message: expect.stringMatching(
        /^worker 1 never started: the Job has no pod for it; see `kubectl describe job kpg-load-x -n perf`/,
      ),
    });
  });

  test("the cause is reported, not the pods the failed Job deleted because of it", () => {
    const failed = pod(1, {
      phase: "Failed",
      containerStatuses: [
        {
          name: "worker",
          image: "node",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 137, reason: "Error" } },
        },
      ],
    });
    const deleted = pod(0, { phase: "Running" }, { deletionTimestamp: new Date(500) });
    expect(judgeWorkers([deleted, failed], { ...options, now: 9000 })).toMatchObject({
      index: 1,
      message: "worker 1 (pod kpg-load-x-1-abcde) failed: Error (exit code 137)",
    });
  });

  test("a worker pod deleted before it finished fails the run", () => {
    const deleted = pod(0, { phase: "Running" }, { deletionTimestamp: new Date(500) });
    expect(judgeWorkers([deleted], options)).toMatchObject({
      message: "worker 0 (pod kpg-load-x-0-abcde) was deleted before it finished",
    });
  });
});
