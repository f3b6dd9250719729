// The comparison as the report and the terminal show it: each metric with baseline, candidate, change and
// interval, what max-regression allows and the verdict; the failing metrics named in the headline; an A/B
// run's charts carry one line per side.
import { renderReport } from "../../src/report/markdown.js";
import { renderText } from "../../src/report/text.js";
import { abDoc } from "./fixtures/results.js";

describe("the comparison in the Markdown report", () => {
  it("a regressed A/B run: the side-by-side table, the failing metrics in the headline, both Services' lines", () => {
    const report = renderReport(abDoc(1.3));
    expect(report).toMatch(/^### ❌ Performance gate failed/m);
    // Brackets in Markdown text are escaped (\[ … \]).
    expect(report).toMatch(
      /\*\*Failed:\*\* .*p99 regressed: \+\d+(\.\d)?% \\\[\+\d+(\.\d)?%, \+\d+(\.\d)?%\\\] at 95% \(allowed 10%\)/,
    );
    expect(report).toContain("#### Candidate vs baseline (A/B, loaded side by side)");
    expect(report).toContain(
      "| Metric | Baseline | Candidate | Change [95 % interval] | Allowed | Verdict |",
    );
    expect(report).toMatch(
      /\| `p99` \| [\d.]+ ms \| [\d.]+ ms \| \+[\d.]+% \\\[\+[\d.]+%, \+[\d.]+%\\\] \| 10 % \| ❌ regressed \|/,
    );
    expect(report).toMatch(/\| `p50` \| .* \| regressed \(not judged\) \|/);
    expect(report).toContain("- p99 regressed: ");
    expect(report).toContain("`registry.example.com/hello:base`");
    // rps and p99 over time with two lines each, and both pod timelines.
    expect(report).toContain('title "p99 latency, ms: candidate (blue), baseline (orange)"');
    const duet = report.slice(report.indexOf("candidate (blue), baseline (orange)"));
    expect((duet.match(/^ {2}line \[/gm) ?? []).length).toBeGreaterThanOrEqual(4);
  });

  it("an A/A run passes and says how the intervals were made", () => {
    const report = renderReport(abDoc(1));
    expect(report).toMatch(/^### ✅ Performance gate passed/m);
    expect(report).toContain("paired block bootstrap over 20 seconds (seed 99)");
    expect(report).not.toContain("❌ regressed");
  });
});

describe("the comparison in the terminal summary", () => {
  it("one aligned row per metric, the failing ones named under the verdict", () => {
    const out = renderText(abDoc(1.3));
    expect(out).toMatch(/^✗ FAILED/m);
    expect(out).toMatch(/^ {2}✗ p99 regressed: \+/m);
    expect(out).toContain("Candidate vs baseline (A/B, side by side)  95% intervals, 20 s paired, seed 99");
    expect(out).toMatch(
      /^ {2}p99 +[\d.]+ ms +[\d.]+ ms +\+[\d.]+% \[\+[\d.]+%, \+[\d.]+%\] +10 % +regressed$/m,
    );
    expect(out).not.toContain("|");
  });
});
