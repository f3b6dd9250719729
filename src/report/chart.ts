// Mermaid `xychart-beta` charts of the run's timelines. GitHub renders them in comments and job summaries; a
// long run is downsampled so a chart stays readable (and the comment small): at most 60 points.

export const MAX_CHART_POINTS = 60;

export interface Bucket<T> {
  /** Time of the bucket's first sample, seconds. */
  t: number;
  samples: T[];
}

/** Consecutive samples grouped into at most `maxPoints` buckets of equal size (the last may be shorter). */
export function downsample<T extends { t: number }>(samples: T[], maxPoints = MAX_CHART_POINTS): Bucket<T>[] {
  const size = Math.max(1, Math.ceil(samples.length / maxPoints));
  const buckets: Bucket<T>[] = [];
  for (let i = 0; i < samples.length; i += size) {
    const group = samples.slice(i, i + size);
    buckets.push({ t: group[0].t, samples: group });
  }
  return buckets;
}

export const mean = (values: number[]) =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
export const max = (values: number[]) => (values.length ? Math.max(...values) : 0);

/** A round axis maximum at or above `value`: 1, 2, 2.5, 5 × 10^k. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value * (1 - 1e-12))!;
  return step * magnitude;
}

export interface Series {
  kind: "line" | "bar";
  values: number[];
}

export interface ChartSpec {
  title: string;
  xTitle: string;
  /** The x range, seconds; Mermaid spreads the points evenly over it, as the buckets are. */
  from: number;
  to: number;
  yTitle: string;
  yMax: number;
  series: Series[];
  /** Decimals kept in the data points. */
  digits: number;
}

// Titles are our own fixed words; quotes would end a Mermaid string, so they are dropped defensively.
const quoted = (value: string) => `"${value.replace(/["\n\r]/g, "")}"`;
const round = (value: number, digits: number) => {
  if (!Number.isFinite(value)) return 0;
  const rounded = Number(value.toFixed(digits));
  return Object.is(rounded, -0) ? 0 : rounded;
};

/** A fenced `mermaid` block with one xychart. */
export function xyChart(spec: ChartSpec): string {
  const lines = [
    "```mermaid",
    "xychart-beta",
    `  title ${quoted(spec.title)}`,
    `  x-axis ${quoted(spec.xTitle)} ${round(spec.from, 1)} --> ${round(spec.to, 1)}`,
    `  y-axis ${quoted(spec.yTitle)} 0 --> ${spec.yMax}`,
    ...spec.series.map((s) => `  ${s.kind} [${s.values.map((v) => round(v, spec.digits)).join(", ")}]`),
    "```",
  ];
  return lines.join("\n");
}
