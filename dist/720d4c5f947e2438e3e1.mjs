// @ts-check
// The in-cluster load worker: each pod of the load Job runs this one file with a stock `node` image (Node 18 or
// later, built-in modules only, nothing to install). The action ships it in a ConfigMap next to config.json and
// reads the result back from the pod log.
//
// One worker: wait for the common start time (the start barrier), run the warm-up, then the measured phase with
// its share of the connections, rate and request cap, and print one result line (RESULT_MARKER + JSON) holding
// counters and the latency histogram in HdrHistogram's standard V2 compressed encoding, so the action can
// decode it with hdr-histogram-js and merge the workers exactly (bucket counts add; percentiles are taken of
// the merge). The histogram here is a small re-implementation of HDR's bucket layout for lowest value 1 µs and
// 3 significant digits, the same layout the runner's recorder uses; bundling hdr-histogram-js instead would
// add a build step and pako, base64-js and a WebAssembly blob to a script users can otherwise read in the
// ConfigMap.
//
// Timing follows the runner's engine (src/load/engine.ts, pacer.ts): keep-alive connections; in fixed-rate
// mode every connection owns an evenly spaced schedule and latency is measured from the intended send time,
// so a stalled target cannot hide. At the end of the measured phase no new request starts and those in flight
// get the grace period (config.graceMs, min(request-timeout, 5 s), src/load/grace.ts) to finish; any still
// unanswered then count as timeouts and as `unanswered`. The warm-up drops its requests in flight uncounted.
import { readFileSync, realpathSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";

export const RESULT_MARKER = "@@knative-perf-gate/worker-result ";
export const RESULT_VERSION = 1;

/** Latencies are microseconds; this is where the counts array ends unless a larger value is recorded. */
export const HIGHEST_TRACKABLE_VALUE = 60_000_000;
const SIGNIFICANT_DIGITS = 3;
/** 3 significant digits → 2048 sub-buckets per bucket; HDR's indexing uses half of that. */
const SUB_BUCKET_COUNT = 2048;
const SUB_BUCKET_HALF_COUNT = 1024;
const V2_ENCODING_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_ENCODING_COOKIE = 0x1c849304 | 0x10;
const V2_HEADER_BYTES = 40;

/** HDR's counts-array index of an integer value ≥ 0 (lowest discernible value 1, 3 significant digits). */
export function countsIndex(value) {
  let bucket = 0;
  for (let top = SUB_BUCKET_COUNT; value >= top; top *= 2) bucket++;
  const subBucket = Math.floor(value / 2 ** bucket);
  return bucket * SUB_BUCKET_HALF_COUNT + subBucket;
}

/** A sparse HDR histogram: counts by index, plus the exact smallest and largest values recorded. */
export class Histogram {
  constructor() {
    /** @type {Map<number, number>} */
    this.counts = new Map();
    this.totalCount = 0;
    this.min = 0;
    this.max = 0;
  }

  /** @param {number} value a non-negative integer */
  record(value) {
    const index = countsIndex(value);
    this.counts.set(index, (this.counts.get(index) ?? 0) + 1);
    if (this.totalCount === 0 || value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.totalCount++;
  }

  /** HdrHistogram's V2 compressed encoding, base64: what `decodeFromCompressedBase64` reads. */
  encode() {
    const payload = [];
    const limit = countsIndex(this.max) + 1;
    for (let index = 0; index < limit; index++) {
      const count = this.counts.get(index) ?? 0;
      if (count > 0) {
        zigZag(payload, count);
        continue;
      }
      // A run of zero counts is written as its negated length (a single zero as 0), as HdrHistogram does.
      let zeros = 1;
      while (index + 1 < limit && !this.counts.get(index + 1)) {
        zeros++;
        index++;
      }
      zigZag(payload, zeros > 1 ? -zeros : 0);
    }
    const header = Buffer.alloc(V2_HEADER_BYTES);
    header.writeInt32BE(V2_ENCODING_COOKIE, 0);
    header.writeInt32BE(payload.length, 4);
    header.writeInt32BE(0, 8); // normalizingIndexOffset
    header.writeInt32BE(SIGNIFICANT_DIGITS, 12);
    header.writeBigInt64BE(1n, 16); // lowest discernible value
    header.writeBigInt64BE(BigInt(Math.max(HIGHEST_TRACKABLE_VALUE, this.max)), 24);
    header.writeDoubleBE(1, 32); // integerToDoubleValueConversionRatio
    const compressed = deflateSync(Buffer.concat([header, Buffer.from(payload)]));
    const envelope = Buffer.alloc(8);
    envelope.writeInt32BE(V2_COMPRESSED_ENCODING_COOKIE, 0);
    envelope.writeInt32BE(compressed.length, 4);
    return Buffer.concat([envelope, compressed]).toString("base64");
  }
}

/** HdrHistogram's ZigZag LEB128-64b9B: 7 bits a byte, low bits first, for |value| < 2^53. */
function zigZag(out, value) {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  for (let i = 0; i < 8 && v >= 128; i++) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Counters of one phase; `seconds` are windows of the measured phase, aligned to its start (wall clock). */
class PhaseRecorder {
  /** `until`: the end of the measured phase; outcomes of the grace period after it count in its last second. */
  constructor(from, keepSamples, until = Infinity) {
    this.from = from;
    this.until = until;
    this.requests = 0;
    this.unanswered = 0;
    this.bytes = 0;
    this.timeouts = 0;
    this.connectionErrors = 0;
    /** @type {Record<string, number>} */
    this.statuses = {};
    this.latency = new Histogram();
    /** @type {{requests: number, errors: number, latency: Histogram}[]} */
    this.seconds = [];
    /** @type {number[] | undefined} */
    this.samples = keepSamples ? [] : undefined;
  }

  second(at) {
    const k = Math.max(0, Math.floor((Math.min(at, this.until - 1) - this.from) / 1000));
    while (this.seconds.length <= k) this.seconds.push({ requests: 0, errors: 0, latency: new Histogram() });
    return this.seconds[k];
  }

  response(at, status, bytes, latencyMs) {
    const micros = Math.max(1, Math.round(latencyMs * 1000));
    this.requests++;
    this.bytes += bytes;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    this.latency.record(micros);
    this.samples?.push(micros);
    const second = this.second(at);
    second.requests++;
    second.latency.record(micros);
    if (status < 200 || status >= 400) second.errors++;
  }

  timeout(at) {
    this.timeouts++;
    this.second(at).errors++;
  }

  connectionError(at) {
    this.connectionErrors++;
    this.second(at).errors++;
  }

  /** Still in flight when the grace period ran out: a timeout, also counted apart. */
  unansweredAtEnd(at) {
    this.unanswered++;
    this.timeout(at);
  }
}

const MAX_RECONNECT_BACKOFF_MS = 250;
class TimeoutError extends Error {}

/**
 * Sends one request and resolves with what happened; never rejects. `phase.inflight` holds the request so the
 * phase can drop it at its end.
 */
function send(phase, target) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      phase.inflight.delete(req);
      resolve(outcome);
    };
    const req = target.client.request(target.url, {
      method: target.method,
      headers: target.headers,
      agent: target.agent,
    });
    phase.inflight.add(req);
    // The whole exchange is bounded, as in the runner's engine (not only idle time on the socket).
    const timer = setTimeout(() => req.destroy(new TimeoutError()), target.timeoutMs);
    req.on("error", (error) => done({ kind: error instanceof TimeoutError ? "timeout" : "error" }));
    req.on("response", (res) => {
      let bytes = 0;
      // Status line and headers as sent, roughly: the runner's engine counts whole responses too.
      for (const part of res.rawHeaders) bytes += part.length + 2;
      res.on("data", (chunk) => (bytes += chunk.length));
      res.on("end", () => done({ kind: "response", status: res.statusCode ?? 0, bytes }));
      res.on("error", () => done({ kind: "error" }));
      // The connection closed before the response was complete.
      res.on("close", () => done({ kind: "error" }));
    });
    req.end(target.body);
  });
}

/**
 * Runs connection loops until `endAt` (epoch ms) or until `requests` have been answered, then gives the
 * requests in flight `graceMs` to finish. Returns when the phase ended and how.
 */
async function runPhase(target, options, recorder) {
  const { connections, pace, endAt } = options;
  const graceMs = options.graceMs ?? 0;
  const rate = pace !== undefined;
  // stopped: no new request starts; over: the grace period is over too, nothing more is counted.
  const phase = { inflight: new Set(), stopped: false, over: false, endedAt: 0 };
  let left = options.requests ?? Infinity;
  // Connection i of this worker is connection `first + i` of the whole Job: with every worker doing this,
  // the Job's requests are as evenly spaced as those of one client with all the connections.
  const intervalMs = pace ? pace.intervalMs : 0;
  const next = Array.from(
    { length: connections },
    (_, i) => options.from + (pace ? (pace.first + i) * pace.slotMs : 0),
  );

  const loop = async (conn) => {
    let failures = 0;
    while (!phase.stopped) {
      let intendedAt = nowMs();
      if (rate) {
        intendedAt = next[conn];
        next[conn] += intervalMs;
        if (intendedAt >= endAt) return;
        await sleep(intendedAt - nowMs());
        if (phase.stopped) return;
      }
      if (left <= 0) return;
      left--;
      const sentAt = rate ? intendedAt : nowMs();
      const outcome = await send(phase, target);
      const at = nowMs();
      // Cut off at the end of the grace period: counted as unanswered below.
      if (phase.over) return;
      if (outcome.kind === "response") {
        failures = 0;
        recorder?.response(at, outcome.status, outcome.bytes, at - sentAt);
      } else if (outcome.kind === "timeout") {
        recorder?.timeout(at);
      } else {
        recorder?.connectionError(at);
        failures++;
        if (!phase.stopped) await sleep(Math.min(MAX_RECONNECT_BACKOFF_MS, 2 ** (failures - 1)));
      }
    }
  };

  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, endAt - nowMs()))));
  const loops = Promise.all(Array.from({ length: connections }, (_, i) => loop(i)));
  // The loops end early only when the request cap is used up; otherwise the phase lasts until its deadline
  // (a fixed-rate schedule whose last slot has passed still measures the whole window).
  const capped = loops.then(() => (left <= 0 ? "requests" : deadline.then(() => "duration")));
  const endedBy = await Promise.race([deadline.then(() => "duration"), capped]);
  clearTimeout(timer);
  phase.stopped = true;
  phase.endedAt = endedBy === "duration" ? endAt : nowMs();
  if (phase.inflight.size > 0 && graceMs > 0) {
    let graceTimer;
    await Promise.race([loops, new Promise((resolve) => (graceTimer = setTimeout(resolve, graceMs)))]);
    clearTimeout(graceTimer);
  }
  phase.over = true;
  const at = nowMs();
  for (const req of phase.inflight) {
    recorder?.unansweredAtEnd?.(at);
    req.destroy();
  }
  await loops;
  return { endedAt: Math.min(phase.endedAt, endAt), endedBy };
}

/**
 * One worker's whole run. `config` is config.json, `index` this pod's JOB_COMPLETION_INDEX. Resolves with the
 * result document that follows RESULT_MARKER in the log.
 */
export async function runWorker(config, index, log = (line) => console.log(line)) {
  const share = config.shares[index];
  if (!share) throw new Error(`worker index ${index} is outside 0..${config.shares.length - 1}`);
  const url = new URL(config.url);
  const client = url.protocol === "https:" ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: share.connections });
  const body = config.body === undefined ? undefined : Buffer.from(config.body);
  const headers = { ...config.headers };
  if (body) headers["content-length"] = String(body.length);
  const target = { client, agent, url, method: config.method, headers, body, timeoutMs: config.timeoutMs };
  const name = `[worker ${index + 1}/${config.shares.length}]`;

  const waitMs = config.startAt - nowMs();
  log(
    `${name} ${share.connections} connection(s)` +
      (share.rate ? `, ${share.rate} req/s` : "") +
      (share.requests !== undefined ? `, at most ${share.requests} requests` : "") +
      ` → ${config.url}; start in ${(waitMs / 1000).toFixed(1)} s`,
  );
  await sleep(waitMs);
  const startedAt = nowMs();
  const measureFrom = config.startAt + config.warmupMs;
  const endAt = measureFrom + config.durationMs;
  // Fixed rate: every connection of the Job sends once per interval, the Job's connections one slot apart.
  const pace = config.rate
    ? {
        intervalMs: (config.connections * 1000) / config.rate,
        slotMs: 1000 / config.rate,
        first: share.firstConnection,
      }
    : undefined;
  const phaseOptions = { connections: share.connections, pace };

  let warmupRequests = 0;
  if (nowMs() < measureFrom) {
    const counter = { response: () => warmupRequests++, timeout() {}, connectionError() {} };
    await runPhase(target, { ...phaseOptions, from: config.startAt, endAt: measureFrom }, counter);
    log(`${name} warm-up: ${warmupRequests} requests (discarded)`);
  }
  const from = Math.max(measureFrom, nowMs());
  const recorder = new PhaseRecorder(measureFrom, config.samples === true, endAt);
  const progress = setInterval(() => {
    const elapsed = (nowMs() - from) / 1000;
    log(`${name} ${Math.round(elapsed)}s/${config.durationMs / 1000}s  ${recorder.requests} req`);
  }, config.progressIntervalMs ?? 5000);
  let end;
  try {
    end = await runPhase(
      target,
      { ...phaseOptions, from, endAt, requests: share.requests, graceMs: config.graceMs ?? 0 },
      recorder,
    );
  } finally {
    clearInterval(progress);
    agent.destroy();
  }

  return {
    v: RESULT_VERSION,
    index,
    workers: config.shares.length,
    startedAt,
    measuredFrom: from,
    endedAt: end.endedAt,
    endedBy: end.endedBy,
    requests: recorder.requests,
    bytes: recorder.bytes,
    statuses: recorder.statuses,
    timeouts: recorder.timeouts,
    connectionErrors: recorder.connectionErrors,
    unanswered: recorder.unanswered,
    warmupRequests,
    latency: { min: recorder.latency.min, max: recorder.latency.max, histogram: recorder.latency.encode() },
    seconds: recorder.seconds.map((s) => ({
      requests: s.requests,
      errors: s.errors,
      histogram: s.latency.encode(),
    })),
    ...(recorder.samples ? { samples: recorder.samples } : {}),
  };
}

async function main() {
  const config = JSON.parse(readFileSync(new URL("./config.json", import.meta.url), "utf8"));
  const index = Number(process.env.JOB_COMPLETION_INDEX);
  if (!Number.isInteger(index) || index < 0) {
    throw new Error(
      `JOB_COMPLETION_INDEX is "${process.env.JOB_COMPLETION_INDEX ?? ""}": run me in an Indexed Job`,
    );
  }
  const result = await runWorker(config, index);
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  main().catch((error) => {
    console.error(`load worker failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
