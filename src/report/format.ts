// Human formatting of the report's figures. Fixed to en-US so a report reads the same on every runner (and
// snapshots are stable).
import { findMetric } from "../metrics.js";

const grouped = (digits: number) =>
  new Intl.NumberFormat("en-US", { minimumFractionDigits: 0, maximumFractionDigits: digits });

/** A number with thousands separators and at most `digits` decimals. */
export function num(value: number, digits = 0): string {
  return Number.isFinite(value) ? grouped(digits).format(value) : "—";
}

/** Milliseconds: "0.84 ms", "51.2 ms", "1,234 ms", then seconds from 10 s on. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (value >= 10_000) return `${num(value / 1000, 1)} s`;
  if (value >= 1000) return `${num(value, 0)} ms`;
  return `${num(value, value < 10 ? 2 : 1)} ms`;
}

export function seconds(value: number): string {
  return Number.isFinite(value) ? `${num(value, value < 10 ? 2 : 1)} s` : "—";
}

/** A fraction (0..1) as a percentage; tiny non-zero shares are not rounded to a misleading "0 %". */
export function percent(fraction: number): string {
  if (!Number.isFinite(fraction)) return "—";
  if (fraction > 0 && fraction < 0.0001) return "< 0.01 %";
  return `${num(fraction * 100, 2)} %`;
}

export function rps(value: number): string {
  return Number.isFinite(value) ? `${num(value, 1)} rps` : "—";
}

export function bytesPerSecond(value: number): string {
  if (!Number.isFinite(value)) return "—";
  const units = ["B/s", "KiB/s", "MiB/s", "GiB/s"];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${num(scaled, unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A signed percentage change, e.g. "+12.5 %" or "−3.1 %" (typographic minus). */
export function signedPercent(value: number): string {
  if (!Number.isFinite(value)) return "—";
  const magnitude = num(Math.abs(value), 1);
  if (magnitude === "0") return "±0 %";
  return `${value > 0 ? "+" : "−"}${magnitude} %`;
}

/** A value of a threshold-language metric in its own unit (ms, %, rps, count). */
export function metricValue(metric: string, value: number): string {
  switch (findMetric(metric)?.kind) {
    case "duration":
      return ms(value);
    case "ratio":
      return percent(value);
    case "rate":
      return rps(value);
    default:
      return num(value, 2);
  }
}
