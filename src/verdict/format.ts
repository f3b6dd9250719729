// How a metric's value reads to a person: 850 µs, 12.5 ms, 1.25 s, 0.5%, 512.3/s, 4. Used for limits and
// observations alike, so a rule and its measurement always look the same.
import type { MetricKind } from "../metrics.js";

/** Up to `digits` decimals, without trailing zeros. */
function trim(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

/** `value` is normalized: ms for durations, a fraction for ratios, per second for rates. */
export function formatMetric(kind: MetricKind, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "n/a";
  switch (kind) {
    case "duration":
      return formatMs(value);
    case "ratio":
      return `${trim(value * 100, value * 100 < 1 && value > 0 ? 3 : 2)}%`;
    case "rate":
      return `${trim(value, value < 100 ? 2 : 1)}/s`;
    case "count":
      return trim(value, 2);
  }
}

export function formatMs(ms: number): string {
  if (ms !== 0 && Math.abs(ms) < 1) return `${trim(ms * 1000, 0)} µs`;
  if (Math.abs(ms) < 1000) return `${trim(ms, ms < 10 ? 2 : 1)} ms`;
  if (Math.abs(ms) < 60_000) return `${trim(ms / 1000, 2)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = (ms - minutes * 60_000) / 1000;
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${trim(seconds, 1)} s`;
}
