// Mermaid `xychart-beta` charts of the run's timelines. GitHub renders them in comments and job summaries; a
// long run is downsampled so a chart stays readable (and the comment small): at most 60 points.
// Each chart carries its own colours (an init directive): Mermaid's default xychart palette starts with a pale
// lavender that is hard to see on GitHub's white and on its dark theme alike.

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

/**
 * The plot colours, in series order: GitHub's blue, orange and purple (the third for the autoscaler's decision
 * beside serving and reserve pods), each at least 3:1 against both GitHub's light
 * (#ffffff) and dark (#0d1117) page (WCAG's contrast for graphics; test/unit/report-chart.test.ts checks it).
 */
export const PLOT_COLORS = ["#2f81f7", "#e8590c", "#8957e5"] as const;

/**
 * Mermaid's y axis takes d3's default ticks (LinearAxis.getTickValues: scaleLinear().ticks(), about 10): on
 * [0, N] they step by whole numbers only from N = 8 on (0, 0.1 … 1 for N = 1). A count axis reaches at least 8.
 */
export const MIN_COUNT_AXIS = 8;

/** The init directive that gives a chart its palette, whatever theme GitHub renders it in. */
export const CHART_INIT = `%%{init: ${JSON.stringify({ themeVariables: { xyChart: { plotColorPalette: PLOT_COLORS.join(", ") } } })}}%%`;

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
  /** Decimals kept in the data points; 0 means counts, drawn on an axis with whole-number ticks. */
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
  const yMax = spec.digits === 0 ? Math.max(MIN_COUNT_AXIS, Math.ceil(spec.yMax)) : spec.yMax;
  const lines = [
    "```mermaid",
    CHART_INIT,
    "xychart-beta",
    `  title ${quoted(spec.title)}`,
    `  x-axis ${quoted(spec.xTitle)} ${round(spec.from, 1)} --> ${round(spec.to, 1)}`,
    `  y-axis ${quoted(spec.yTitle)} 0 --> ${yMax}`,
    ...spec.series.map((s) => `  ${s.kind} [${s.values.map((v) => round(v, spec.digits)).join(", ")}]`),
    "```",
  ];
  return lines.join("\n");
}
