// A staged run in the report: the stages table with each change (decision, Ready, p99 settled), the
// autoscaler's decisions beside the pods, stage boundaries on the charts, the stages in the settings; the same
// figures in the terminal summary.
import { renderReport } from "../../src/report/markdown.js";
import { renderText } from "../../src/report/text.js";
import { passingDoc, stagedDoc } from "./fixtures/results.js";

describe("a staged run in the report", () => {
  const doc = stagedDoc();
  const markdown = renderReport(doc);
  const text = renderText(doc, { width: 160 });

  it("has a stages table with each change, and notes what could not be measured", () => {
    expect(markdown).toContain("#### Stages");
    expect(markdown).toMatch(
      /\| 2 +\| `10s:40` .*\| 1 → 3 \(then 6 at 0\.9 s\) +\| +0\.34 s \| +1\.66 s \| +4 s \|/,
    );
    expect(markdown).toContain("Stage 3: no new decision within the stage.");
    expect(text).toMatch(/2 +10s:40 .* 1 → 3 \(then 6 at 0\.9 s\) +0\.34 s +1\.66 s +4 s/);
  });

  it("shows the autoscaler's decisions beside the Ready pods, in words and on the pod chart", () => {
    expect(markdown).toMatch(
      /The autoscaler wanted at most 6 pods .*, 6 when the load ended; at most \d+ were Ready\./,
    );
    expect(markdown).toMatch(/title "Ready pods: serving \(bars\), .*desired by the autoscaler/);
    expect(text).toMatch(/desired +[▁▂▃▄▅▆▇█ ]+ +1–6 desired by the autoscaler/);
  });

  it("marks the stage boundaries on the load charts and lists the stages in the settings", () => {
    expect(markdown).toMatch(/title "Requests per second.*; stages start at 0, 10, 20\.1 s"/);
    expect(markdown).toMatch(/\| Stages +\| `10s:2`<br>`10s:40`<br>`10s:2` +\|/);
    expect(markdown).not.toMatch(/\| Connections +\|/);
    expect(text).toContain("stages start at 0, 10, 20.1 s");
    // On the pods' own time line, which began 3 s before the load.
    expect(markdown).toMatch(/title "Ready pods: .*; stages start at 3, 13, 23 s"/);
    expect(text).toContain("pods from the watch's start, 1 s per column; stages start at 3, 13, 23 s");
    expect(text).toContain("stages 10s:2, 10s:40, 10s:2");
  });

  it("does not explain the pods as if one constant load had made them", () => {
    expect(markdown).not.toContain("**Why ");
    expect(text).not.toMatch(/Why \d+ pods?\?/);
    expect(renderReport(passingDoc())).toContain("**Why ");
  });

  it("a run without stages or decisions shows none of it", () => {
    const plain = renderReport(passingDoc());
    expect(plain).not.toContain("#### Stages");
    expect(plain).not.toContain("desired by the autoscaler");
    expect(plain).not.toContain("stages start at");
  });
});
