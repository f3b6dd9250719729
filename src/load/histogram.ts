// A load's latency histogram, in microseconds (HDR, 3 significant digits: 20 µs at 20 ms, 1 ms at 1 s), and its
// summary. The runner's recorder and the merge of the cluster workers' results use this one layout, so a merge
// is exact, and summarise it the same way.
//
// hdr-histogram-js (with pako, ~400 kB) is loaded only when a load starts: nothing before the first API request
// needs it, and evaluating it costs the CLI's start ~15 ms (its log writer builds an Intl.NumberFormat at import).
// A load awaits loadHistogramLibrary() once before it records (run-load.ts, cluster/run.ts), while its threads
// or the Service's Ready wait are still starting, so recording itself stays synchronous.
import type * as HdrLibrary from "hdr-histogram-js";
import type { LatencySummary } from "../results.js";
import { HIGHEST_TRACKABLE_VALUE } from "./cluster/protocol.js";

type Hdr = typeof HdrLibrary;
export type Histogram = ReturnType<Hdr["build"]>;

let hdr: Hdr | undefined;
let loading: Promise<void> | undefined;

/** Loads hdr-histogram-js, once; the histogram functions below need it loaded. */
export function loadHistogramLibrary(): Promise<void> {
  loading ??= import("hdr-histogram-js").then((library) => {
    hdr = library;
  });
  return loading;
}

function library(): Hdr {
  if (!hdr) throw new Error("hdr-histogram-js is not loaded: await loadHistogramLibrary() before recording");
  return hdr;
}

export function microsecondHistogram(): Histogram {
  return library().build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_VALUE,
    numberOfSignificantValueDigits: 3,
  });
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));
/** Microseconds to milliseconds, to the microsecond. */
export const ms = (micros: number): number => round(micros / 1000, 3);

/**
 * min, mean, p50 … p99.9 and max in ms. `exact` gives the true extremes when known (workers report them);
 * else the histogram's. A percentile is its bucket's highest equivalent value, which can lie above the largest
 * value recorded: it is capped at the max, so p99 <= max always holds.
 */
export function latencySummary(h: Histogram, exact?: { min: number; max: number }): LatencySummary {
  if (h.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const max = exact?.max ?? h.maxValue;
  const at = (percentile: number): number => ms(Math.min(h.getValueAtPercentile(percentile), max));
  return {
    min: ms(exact?.min ?? h.minNonZeroValue),
    mean: ms(h.mean),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: ms(max),
  };
}

/** A histogram encoded by encodeIntoCompressedBase64 (hdr-histogram-js, or the cluster worker's own encoder). */
export function decodeHistogram(encoded: string): Histogram {
  return library().decodeFromCompressedBase64(encoded) as Histogram;
}
