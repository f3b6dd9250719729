// The capacity search's decisions on hand-made steps (a Service that holds up to a known rate), and the
// capacity-search input's checks.
import { parseSettings } from "../../src/config/parse.js";
import { parseThresholds } from "../../src/config/thresholds.js";
import { MAX_CAPACITY_STEPS } from "../../src/config/limits.js";
import { capacityResult, loadBoundMs, nextRate, stepProblem } from "../../src/pipeline/capacity.js";
import type { StageSummary } from "../../src/results.js";
import { ctx, settingsErrors } from "./fixtures/settings.js";

/** A step at `rate`: p99 50 ms up to `capacity`, then growing with the overload. */
function step(rate: number, capacity: number, index: number): StageSummary {
  const p99 = rate <= capacity ? 50 : 50 + (rate - capacity) * 40;
  return {
    index,
    stage: `2s:${rate}/s`,
    start: index * 2,
    durationSeconds: 2,
    connections: 100,
    rate,
    sent: rate * 2,
    requests: rate * 2,
    rps: rate,
    latency: { p50: 50, p90: 50, p99, max: p99 },
    errors: { total: 0, rate: 0, timeouts: 0, connectionErrors: 0 },
    pods: { max: Math.ceil(rate / 40), final: Math.ceil(rate / 40) },
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index * 2)).toISOString(),
  };
}

/** Runs the search to its end against a Service of this capacity; the rates it tried. */
function search(capacity: number, start = 10, rules = parseThresholds("p99 < 200ms")): StageSummary[] {
  const steps: StageSummary[] = [];
  for (let rate = nextRate(rules, steps, start); rate !== undefined; rate = nextRate(rules, steps, start)) {
    steps.push(step(rate, capacity, steps.length + 1));
  }
  return steps;
}

describe("the search", () => {
  const rules = parseThresholds("p99 < 200ms");

  it("doubles until a rule breaks, confirms the break once, then halves the gap to 5 %", () => {
    const steps = search(80);
    expect(steps.map((s) => s.rate)).toEqual([10, 20, 40, 80, 160, 160, 120, 100, 90, 85, 83]);
    expect(capacityResult(rules, steps, false)).toEqual({
      rules: ["p99 < 200ms"],
      // 83/s is 3/s over: p99 50 + 3 × 40 = 170 ms still holds; 85/s (250 ms) does not.
      highestRate: 83,
      pods: 3,
      brokeAt: 85,
      brokeBecause: "p99 250 ms at 85/s (p99 < 200ms)",
      steps: 11,
      ended: "resolution",
    });
  });

  it.each([37, 80, 333, 1000])("finds a capacity of %i within 10 %, in at most 12 steps", (capacity) => {
    const steps = search(capacity);
    const found = capacityResult(rules, steps, false).highestRate ?? 0;
    expect(steps.length).toBeLessThanOrEqual(MAX_CAPACITY_STEPS);
    expect(Math.abs(found - capacity) / capacity).toBeLessThanOrEqual(0.1);
  });

  it("a hiccup at one step does not end the search: the repeat holds, and so does the rate", () => {
    // A Service of capacity 80 whose step at 20/s met a pause once (p99 900 ms), as measured on a busy machine.
    const steps: StageSummary[] = [];
    for (let rate = nextRate(rules, steps, 10); rate !== undefined; rate = nextRate(rules, steps, 10)) {
      const hiccup = rate === 20 && !steps.some((s) => s.rate === 20);
      const measured = step(rate, 80, steps.length + 1);
      steps.push(hiccup ? { ...measured, latency: { ...measured.latency, p99: 900, max: 900 } } : measured);
    }
    expect(steps.map((s) => s.rate)).toEqual([10, 20, 20, 40, 80, 160, 160, 120, 100, 90, 85, 83]);
    expect(capacityResult(rules, steps, false)).toMatchObject({ highestRate: 83, brokeAt: 85 });
  });

  it("says when the first step broke (twice), or the steps ran out", () => {
    expect(capacityResult(rules, search(5), false)).toMatchObject({
      highestRate: null,
      ended: "first-step",
      steps: 2,
    });
    const far = search(1_000_000, 1);
    expect(far).toHaveLength(MAX_CAPACITY_STEPS);
    expect(capacityResult(rules, far, false)).toMatchObject({
      highestRate: 2048,
      brokeAt: null,
      ended: "steps",
    });
  });

  it("a step that answered well below its rate broke, whatever its latency", () => {
    expect(stepProblem(rules, { ...step(100, 1000, 1), rps: 80 })).toBe("answered 80/s of 100/s asked");
    expect(stepProblem(rules, { ...step(100, 1000, 1), requests: 0 })).toBe("nothing answered at 100/s");
    expect(
      stepProblem(parseThresholds("errors < 1%"), {
        ...step(100, 1000, 1),
        errors: { total: 20, rate: 0.1, timeouts: 20, connectionErrors: 0 },
      }),
    ).toBe("errors 10% at 100/s (errors < 1%)");
  });
});

describe("the capacity-search input", () => {
  it("takes rules on what a step measures", () => {
    const settings = parseSettings(
      { "service-file": "service.yaml", "capacity-search": "p99 < 200ms; errors < 1%" },
      ctx,
    );
    expect(settings.capacitySearch?.map((r) => r.metric)).toEqual(["p99", "errors"]);
  });

  it.each([
    [{ "capacity-search": "p99 < 200" }, "capacity-search: line 1, column 7: 200 needs a unit"],
    [
      { "capacity-search": "pods.max <= 3" },
      'capacity-search: line 1: "pods.max <= 3": a search step cannot be judged on pods.max',
    ],
    [{ "capacity-search": "# nothing" }, "capacity-search: has no rule"],
    [{ "capacity-search": "p99 < 1s", stages: "10s:2" }, "stages: stages and capacity-search are both set"],
    [
      { "capacity-search": "p99 < 1s", requests: "10" },
      "requests: a request cap is not supported with capacity-search",
    ],
    [
      { "capacity-search": "p99 < 1s", duration: "6m" },
      "duration: with capacity-search, duration is each step's length",
    ],
    [
      { "capacity-search": "p99 < 1s", "load-from": "cluster" },
      "capacity-search: a capacity search from the cluster",
    ],
  ])("refuses %j", (raw, message) => {
    expect(settingsErrors(raw).some((e) => e.startsWith(message))).toBe(true);
  });
});

describe("the run's lease covers the load", () => {
  const base = { "service-file": "service.yaml", "request-timeout": "2s" };
  it("a search: 12 steps of duration, each with its grace period; stages: each stage's grace", () => {
    const search = parseSettings({ ...base, "capacity-search": "p99 < 1s", duration: "10s" }, ctx);
    expect(loadBoundMs(search)).toBe(12 * (10_000 + 2000));
    const staged = parseSettings({ ...base, stages: "10s:2, 20s:40" }, ctx);
    expect(loadBoundMs(staged)).toBe(30_000 + 2 * 2000);
    expect(loadBoundMs(parseSettings({ ...base, duration: "30s" }, ctx))).toBe(30_000);
  });
});
