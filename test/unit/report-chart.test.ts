import { describe, expect, test } from "@jest/globals";
import { downsample, MAX_CHART_POINTS, niceCeiling, xyChart } from "../../src/report/chart.js";

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
