// The figures of the report's tables, once, for both renderers: the Markdown report draws them as GitHub
// tables (table.ts), the terminal summary as aligned columns (text.ts). Cells that come from the user or the
// cluster (pod and node names) go through the renderer's own escaping, passed in as `userText`.
import { sentOf } from "../metrics.js";
import type { ColdStartSummary, LatencySummary, LoadSummary, PodSummary } from "../results.js";
import { bytesPerSecond, ms, num, percent, rps, seconds } from "./format.js";

export type Align = "l" | "r" | "c";

export interface TableData {
  header: string[];
  rows: string[][];
  align: Align[];
}

const right = (n: number): Align[] => Array<Align>(n).fill("r");

export function latencyTable(l: LatencySummary): TableData {
  return {
    header: ["p50", "p90", "p99", "p99.9", "max", "mean"],
    rows: [[ms(l.p50), ms(l.p90), ms(l.p99), ms(l.p999), ms(l.max), ms(l.mean)]],
    align: right(6),
  };
}

export function throughputTable(load: LoadSummary): TableData {
  const e = load.errors;
  return {
    header: ["Sent", "Answered", "Duration", "Throughput", "Transfer", "Errors", "Error rate"],
    rows: [
      [
        num(sentOf(load)),
        num(load.requests),
        seconds(load.durationSeconds),
        rps(load.rps),
        bytesPerSecond(load.bytesPerSecond),
        num(e.total),
        percent(e.rate),
      ],
    ],
    align: right(7),
  };
}

export function podsTable(pods: PodSummary): TableData {
  return {
    header: ["", "Serving", "Reserve"],
    rows: [
      ["Max", num(pods.max.serving), num(pods.max.reserve)],
      ["When the load ended", num(pods.final.serving), num(pods.final.reserve)],
    ],
    align: ["l", "r", "r"],
  };
}

export function coldStartTable(c: ColdStartSummary): TableData {
  return {
    header: ["First response", "Pod ready", "Status", "Waited for scale to zero"],
    rows: [
      [
        ms(c.firstResponseMs),
        c.podReadyMs === undefined ? "not observed" : ms(c.podReadyMs),
        num(c.status),
        ms(c.scaleToZeroWaitMs),
      ],
    ],
    align: right(4),
  };
}

/** Load from the cluster: each worker pod's own figures; the Node column only when some worker reported one. */
export function workersTable(load: LoadSummary, userText: (value: string) => string): TableData {
  const workers = load.workers ?? [];
  const nodes = workers.some((w) => w.node);
  return {
    header: [
      "Worker",
      "Pod",
      ...(nodes ? ["Node"] : []),
      "Requests",
      "Throughput",
      "p50",
      "p99",
      "max",
      "Errors",
      "Started late",
    ],
    rows: workers.map((w) => [
      num(w.index),
      userText(w.pod),
      ...(nodes ? [w.node ? userText(w.node) : "—"] : []),
      num(w.requests),
      rps(w.rps),
      ms(w.latency.p50),
      ms(w.latency.p99),
      ms(w.latency.max),
      num(w.errors),
      w.lateMs > 0 ? ms(w.lateMs) : "on time",
    ]),
    align: ["r", "l", ...(nodes ? (["l"] as Align[]) : []), ...right(7)],
  };
}
