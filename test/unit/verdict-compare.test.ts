// The A/B statistics against distributions whose answer is known: synthetic loads where each second has a
// shared "noisy neighbour" factor (what both Services of an A/B run feel at the same time) and per-request
// log-normal spread, with the candidate's true change set by construction.
import {
  compareLoads,
  MIN_SECONDS,
  seededRandom,
  verdictOf,
  type ComparisonOptions,
} from "../../src/verdict/compare.js";
import { load, noiseOf, pair } from "./fixtures/loads.js";

const options = (seed: number, paired = true): ComparisonOptions => ({
  paired,
  confidence: 0.95,
  seed,
  iterations: 400,
  allowed: { p99: 10, rps: 10 },
  defaultAllowed: 10,
});

describe("compareLoads", () => {
  it("A/A side by side under shared noise: p99 and rps are rarely called regressed (at most 5% of runs)", () => {
    let falseAlarms = 0;
    const runs = 40;
    for (let seed = 1; seed <= runs; seed++) {
      const { base, cand } = pair(seed, 1);
      const result = compareLoads(base, cand, options(seed));
      if (result.some((m) => m.gating && m.verdict === "regressed")) falseAlarms++;
    }
    expect(falseAlarms).toBeLessThanOrEqual(2);
  });

  it("a candidate 25% slower is regressed on p50 and p99, and the interval holds the true change", () => {
    let detected = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { base, cand } = pair(seed, 1.25);
      const result = compareLoads(base, cand, options(seed));
      const p99 = result.find((m) => m.metric === "p99")!;
      const p50 = result.find((m) => m.metric === "p50")!;
      if (p99.verdict === "regressed") detected++;
      expect(p50.verdict).toBe("regressed");
      expect(p50.interval[0]).toBeLessThanOrEqual(25 + 3);
      expect(p50.interval[1]).toBeGreaterThanOrEqual(25 - 3);
    }
    expect(detected).toBeGreaterThanOrEqual(19);
  });

  it("the 95% interval of the median ratio covers the truth in about 95% of replicates", () => {
    let covered = 0;
    const replicates = 60;
    for (let seed = 100; seed < 100 + replicates; seed++) {
      const { base, cand } = pair(seed, 1.1);
      const p50 = compareLoads(base, cand, options(seed)).find((m) => m.metric === "p50")!;
      // The grid's 1% buckets put each percentile within 0.5% of the value: allow that much.
      if (p50.interval[0] <= 10 + 2 && p50.interval[1] >= 10 - 2) covered++;
    }
    expect(covered / replicates).toBeGreaterThanOrEqual(0.85);
  });

  it("pairing cancels shared noise: the paired interval is narrower than the unpaired one on the same data", () => {
    const { base, cand } = pair(7, 1);
    const width = (paired: boolean) => {
      const p50 = compareLoads(base, cand, options(7, paired)).find((m) => m.metric === "p50")!;
      return p50.interval[1] - p50.interval[0];
    };
    expect(width(true)).toBeLessThan(width(false) / 2);
  });

  it("the same seed gives the same verdict; rps is judged in its own direction", () => {
    const { base, cand } = pair(3, 1.25);
    expect(compareLoads(base, cand, options(3))).toEqual(compareLoads(base, cand, options(3)));
    const rps = compareLoads(base, cand, options(3)).find((m) => m.metric === "rps")!;
    // 25% slower in a closed loop is 20% fewer requests per second: a negative change that is a regression.
    expect(rps.changePercent).toBeCloseTo(-20, 0);
    expect(rps.verdict).toBe("regressed");
    expect(rps.gating).toBe(true);
  });

  it("errors are compared in percentage points; metrics without a rule are shown but do not gate", () => {
    const random = seededRandom(9);
    const noise = noiseOf(20, random);
    const base = load({ seconds: 20, perSecond: 200, medianMs: 10, noise, random, errorRate: 0 });
    const cand = load({ seconds: 20, perSecond: 200, medianMs: 10, noise, random, errorRate: 0.05 });
    const errors = compareLoads(base, cand, { ...options(9), allowed: { errors: 1 } }).find(
      (m) => m.metric === "errors",
    )!;
    expect(errors.unit).toBe("pp");
    expect(errors.baseline).toBe(0);
    expect(errors.changePercent).toBeCloseTo(5, 0);
    expect(errors.verdict).toBe("regressed");
    const p99 = compareLoads(base, cand, { ...options(9), allowed: { errors: 1 } }).find(
      (m) => m.metric === "p99",
    )!;
    expect(p99.gating).toBe(false);
  });

  it("a side that answered nothing leaves the metric inconclusive, never unchanged", () => {
    const { base } = pair(4, 1);
    const dead = base.map((s) => ({
      ...s,
      requests: 0,
      buckets: [],
      sumMs: 0,
      unanswered: 200,
      errors: 200,
    }));
    const p99 = compareLoads(base, dead, options(4)).find((m) => m.metric === "p99")!;
    expect(p99.verdict).toBe("inconclusive");
    expect(p99.interval.every(Number.isNaN)).toBe(true);
  });
});

describe("verdictOf", () => {
  it("regressed only when the whole interval is worse than allowed; unchanged only when it is all within ±allowed", () => {
    expect(verdictOf([12, 30], 10, "p99")).toBe("regressed");
    expect(verdictOf([5, 30], 10, "p99")).toBe("inconclusive");
    expect(verdictOf([-5, 5], 10, "p99")).toBe("unchanged");
    expect(verdictOf([-30, -12], 10, "p99")).toBe("improved");
    // rps: a drop is the worsening.
    expect(verdictOf([-30, -12], 10, "rps")).toBe("regressed");
    expect(verdictOf([12, 30], 10, "rps")).toBe("improved");
    expect(verdictOf([NaN, NaN], 10, "p99")).toBe("inconclusive");
  });
});

describe("too few seconds", () => {
  it("a load shorter than MIN_SECONDS leaves every metric inconclusive, however different the sides", () => {
    const { base, cand } = pair(5, 2, true, MIN_SECONDS - 1);
    const result = compareLoads(base, cand, {
      paired: true,
      confidence: 0.95,
      seed: 1,
      iterations: 200,
      allowed: { p99: 10 },
      defaultAllowed: 10,
    });
    for (const m of result) {
      expect(m.verdict).toBe("inconclusive");
      expect(m.interval.every(Number.isNaN)).toBe(true);
    }
    // The point estimates are still reported.
    expect(result.find((m) => m.metric === "p50")!.changePercent).toBeGreaterThan(50);
  });
});
