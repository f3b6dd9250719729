import { describe, expect, test } from "@jest/globals";
import {
  CHART_INIT,
  downsample,
  MAX_CHART_POINTS,
  MIN_COUNT_AXIS,
  niceCeiling,
  PLOT_COLORS,
  xyChart,
} from "../../src/report/chart.js";

const samples = (n: number) => Array.from({ length: n }, (_, i) => ({ t: i + 1, v: i }));

describe("downsample", () => {
  test("keeps short timelines as they are", () => {
    const buckets = downsample(samples(30));
    expect(buckets).toHaveLength(30);
    expect(buckets.every((b) => b.samples.length === 1)).toBe(true);
  });

  test("groups long timelines into at most 60 equal buckets, in order, losing no sample", () => {
    for (const n of [61, 120, 301, 3600]) {
      const buckets = downsample(samples(n));
      expect(buckets.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
      expect(buckets.flatMap((b) => b.samples.map((s) => s.v))).toEqual(samples(n).map((s) => s.v));
      expect(buckets[1].t - buckets[0].t).toBe(Math.ceil(n / MAX_CHART_POINTS));
    }
  });

  test("handles an empty timeline", () => {
    expect(downsample([])).toEqual([]);
  });
});

describe("niceCeiling", () => {
  test("rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect(niceCeiling(842)).toBe(1000);
    expect(niceCeiling(180)).toBe(200);
    expect(niceCeiling(201)).toBe(250);
    expect(niceCeiling(3)).toBe(5);
    expect(niceCeiling(0.3)).toBe(0.5);
    expect(niceCeiling(500)).toBe(500);
    expect(niceCeiling(0)).toBe(1);
  });
});

describe("xyChart", () => {
  test("writes a Mermaid xychart-beta block with a numeric x range and rounded points", () => {
    const chart = xyChart({
      title: 'RPS "now"',
      xTitle: "seconds",
      from: 1,
      to: 3,
      yTitle: "rps",
      yMax: 1000,
      series: [
        { kind: "bar", values: [1.234, 2, NaN] },
        { kind: "line", values: [-0.01, 5.55, 6] },
      ],
      digits: 1,
    });
    expect(chart).toBe(
      [
        "```mermaid",
        '%%{init: {"themeVariables":{"xyChart":{"plotColorPalette":"#2f81f7, #e8590c, #8957e5"}}}}%%',
        "xychart-beta",
        '  title "RPS now"',
        '  x-axis "seconds" 1 --> 3',
        '  y-axis "rps" 0 --> 1000',
        "  bar [1.2, 2, 0]",
        "  line [0, 5.5, 6]",
        "```",
      ].join("\n"),
    );
  });
});

/** d3-array's ticks(start, stop, count), which Mermaid's LinearAxis uses with the default count of 10. */
function d3Ticks(stop: number, count = 10): number[] {
  const e10 = Math.sqrt(50);
  const e5 = Math.sqrt(10);
  const e2 = Math.sqrt(2);
  const step = stop / count;
  const power = Math.floor(Math.log10(step));
  const error = step / 10 ** power;
  const factor = error >= e10 ? 10 : error >= e5 ? 5 : error >= e2 ? 2 : 1;
  const inc = factor * 10 ** power;
  return Array.from({ length: Math.floor(stop / inc + 1e-9) + 1 }, (_, i) => Number((i * inc).toFixed(10)));
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

describe("charts that read", () => {
  test("every chart sets the palette, and each colour stands out on GitHub's light and dark page", () => {
    const chart = xyChart({
      title: "t",
      xTitle: "s",
      from: 0,
      to: 1,
      yTitle: "y",
      yMax: 1,
      series: [],
      digits: 1,
    });
    expect(chart.split("\n").slice(0, 3)).toEqual(["```mermaid", CHART_INIT, "xychart-beta"]);
    const init = JSON.parse(CHART_INIT.replace(/^%%\{init: /, "").replace(/\}%%$/, "")) as {
      themeVariables: { xyChart: { plotColorPalette: string } };
    };
    expect(init.themeVariables.xyChart.plotColorPalette.split(", ")).toEqual([...PLOT_COLORS]);
    for (const color of PLOT_COLORS) {
      expect(contrast(color, "#ffffff")).toBeGreaterThanOrEqual(3);
      expect(contrast(color, "#0d1117")).toBeGreaterThanOrEqual(3);
    }
  });

  test("a count axis (digits 0) gets whole-number ticks; the check is d3's own rule", () => {
    expect(d3Ticks(1)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(d3Ticks(7).some((t) => !Number.isInteger(t))).toBe(true);
    const axisMax = (maxPods: number) => {
      const chart = xyChart({
        title: "p",
        xTitle: "s",
        from: 0,
        to: 1,
        yTitle: "pods",
        yMax: maxPods,
        series: [],
        digits: 0,
      });
      return Number(/y-axis "pods" 0 --> (\d+)/.exec(chart)![1]);
    };
    for (const pods of [0, 1, 2, 3, 7, 8, 9, 12, 23, 150]) {
      const top = axisMax(pods);
      expect(top).toBeGreaterThanOrEqual(Math.max(pods, MIN_COUNT_AXIS));
      expect(d3Ticks(top).every(Number.isInteger)).toBe(true);
    }
    // Rates and latencies keep their own maximum.
    expect(
      xyChart({ title: "r", xTitle: "s", from: 0, to: 1, yTitle: "ms", yMax: 2.5, series: [], digits: 1 }),
    ).toContain('"ms" 0 --> 2.5');
  });
});
