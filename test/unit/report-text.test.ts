import { describe, expect, it } from "@jest/globals";
import { parseCliArgs } from "../../src/config/cli-args.js";
import { inputErrorsOf } from "../../src/config/errors.js";
import { describePods, explainPods } from "../../src/report/explain.js";
import { renderReport } from "../../src/report/markdown.js";
import { clean, columns, renderForCli, renderText, sparkline, wantsColor } from "../../src/report/text.js";
import type { ResultsDocument } from "../../src/results.js";
import {
  clusterLoadDoc,
  coldStartDoc,
  deployFailureDoc,
  failingDoc,
  hostileDoc,
  passingDoc,
  regressionDoc,
} from "./fixtures/results.js";

const DOCS: [string, () => ResultsDocument][] = [
  ["passing", passingDoc],
  ["failing", failingDoc],
  ["cold start", coldStartDoc],
  ["regression", regressionDoc],
  ["deploy failure", deployFailureDoc],
  ["cluster load", clusterLoadDoc],
  ["hostile", hostileDoc],
];

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
/** The first line starting with `start` after the line starting with `after`. */
const lineOf = (out: string, start: string, after = "") => {
  const lines = out.split("\n");
  return lines.slice(lines.findIndex((l) => l.startsWith(after))).find((l) => l.startsWith(start)) ?? "";
};

describe("renderText", () => {
  it.each(DOCS)("%s: no Markdown, no Mermaid, no colour unless asked", (_, doc) => {
    const out = renderText(doc());
    expect(out).not.toContain("###");
    expect(out).not.toContain("|---");
    expect(out).not.toContain("mermaid");
    expect(out).not.toMatch(/\*\*|<br>|<details>|<sub>/);
    expect(out).not.toMatch(ANSI);
    expect(out.endsWith("\n")).toBe(true);
  });

  it("colours the verdict and results only when asked, and the text is the same without the codes", () => {
    const plain = renderText(failingDoc());
    const coloured = renderText(failingDoc(), { color: true });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain("\x1b[31m"); // red for the failure
    expect(coloured.replace(ANSI, "")).toBe(plain);
    expect(renderText(passingDoc(), { color: true })).toContain("\x1b[32m"); // green for the pass
  });

  it("aligns each table's columns, numbers to the right", () => {
    const out = renderText(passingDoc());
    const start = out.split("\n").indexOf("Thresholds");
    const rows = out.split("\n").slice(start + 1, start + 6);
    expect(rows[0]).toMatch(/^ {2}Rule +Observed +Limit +Result/);
    // Right-aligned "Limit" cells all end in the same column as the header.
    const end = rows[0].indexOf("Limit") + "Limit".length;
    expect(rows.slice(1).map((row) => [row[end - 1] !== " ", row[end]])).toEqual(Array(4).fill([true, " "]));
    expect(rows[3]).toContain("802.3/s");
  });

  it("leads with the verdict and the headline figures, and names each failed rule", () => {
    const out = renderText(failingDoc());
    expect(out.split("\n")[0]).toBe("✗ FAILED  demo/helloworld-go  revision helloworld-go-00001");
    expect(out.split("\n")[1]).toBe("  802.3 rps · p99 158 ms · errors 0.28 % · pods 3 max, 2 at the end");
    expect(out).toContain("  ✗ p99 < 100ms (observed 158 ms)");
    expect(renderText(passingDoc()).split("\n")[0]).toMatch(/^✓ PASSED {2}demo\/helloworld-go/);
  });

  it("explains the pod count with explain.ts's own words, as plain prose", () => {
    const doc = passingDoc();
    const out = renderText(doc);
    expect(out).toContain("  Why 2 pods?");
    const flat = out.replace(/\s+/g, " ");
    for (const line of describePods(explainPods(doc)!)) {
      const words = line.replace(/\*\*/g, "").replace(/^- /, "").replace(/\s+/g, " ").trim();
      if (words) expect(flat).toContain(words);
    }
    expect(flat).toContain("By Little's law, 802.3 rps × 62.1 ms mean latency ≈ 50 requests in flight");
  });

  it("says where the target came from, and gives an HPA-class revision its note instead", () => {
    const doc = passingDoc();
    const none = { from: "default" as const, key: null };
    doc.pods!.autoscaling = {
      ...doc.pods!.autoscaling,
      target: 20,
      sources: {
        target: { from: "cluster", key: "config-autoscaler/container-concurrency-target-default" },
        utilizationPercent: none,
        minScale: none,
        maxScale: none,
        class: none,
        metric: none,
        scaleToZero: none,
      },
      clusterConfig: { "config-autoscaler": "read", "config-defaults": "read" },
    };
    expect(renderText(doc).replace(/\s+/g, " ")).toContain(
      "aimed at target 20 (cluster default, config-autoscaler) × 70 % utilization (upstream default) = 14",
    );
    doc.pods!.autoscaling.class = "hpa.autoscaling.knative.dev";
    doc.pods!.autoscaling.metric = "cpu";
    const hpa = renderText(doc).replace(/\s+/g, " ");
    expect(hpa).toContain("HPA class: this revision is scaled by a Kubernetes HorizontalPodAutoscaler");
    expect(hpa).not.toContain("Little's law");
  });

  it("draws rps, p99 and pods over time, one column per point", () => {
    const doc = passingDoc();
    const out = renderText(doc);
    const rpsLine = lineOf(out, "  rps ", "Over time");
    const [, label, spark] = rpsLine.split(/ {2,}/);
    expect(label).toBe("rps");
    expect(spark).toMatch(/^[▁▂▃▄▅▆▇█]+$/u);
    expect([...spark].length).toBe(doc.load!.timeline.length);
    expect(rpsLine).toMatch(/762–842$/);
    expect(lineOf(out, "  p99 ", "Over time")).toMatch(/120\.2 ms–180 ms$/);
    // Pods count from 0: no pod is blank, the most pods the tallest block.
    expect(lineOf(out, "  pods ", "Over time")).toMatch(/ {2}▃▆█+▆+ +0–3 serving$/);
    expect(lineOf(out, "  reserve ", "Over time")).toContain("0–1 reserve");
  });

  it("shows the baseline comparison as the numbers moved, and whether that is worse", () => {
    const out = renderText(regressionDoc());
    expect(lineOf(out, "  rps ", "Over time")).not.toBe("");
    const rows = out.split("\n");
    const table = rows.slice(rows.findIndex((l) => l.startsWith("Compared with the baseline")));
    expect(table.find((l) => l.startsWith("  rps "))).toMatch(
      /802\.3 rps +769\.7 rps +−4\.1 % worse +10 % +pass/,
    );
    expect(table.find((l) => l.startsWith("  p99 "))).toMatch(/\+14\.8 % worse +10 % +FAIL/);
  });

  it("prints the reason of a run that did not finish", () => {
    const out = renderText(deployFailureDoc());
    expect(out.split("\n")[0]).toMatch(/^✗ FAILED: the run did not finish/);
    expect(out).toContain("What went wrong\n  service demo/helloworld-go is not Ready");
    expect(out).toContain("Thresholds  not judged: the run did not finish");
  });

  it("lets nothing from the user or the cluster reach the terminal as a control sequence", () => {
    const doc = hostileDoc();
    doc.service.name = "app\x1b[2J\x1b]0;owned\x07";
    doc.error = "line one\r\x1b[31mred\x9b1m\nline two \u202eevil";
    doc.thresholds[0].rule = "p99 < 1s\x1b[8m";
    const out = renderText(doc, { color: true }).replace(ANSI, "");
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(clean("a\x1b[31mb\u202ec")).toBe("a [31mb c");
  });
});

describe("the pieces", () => {
  it("sparkline: lowest to highest, a flat series in the middle, blank zeros for counts", () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([5, 5, 5])).toBe("▄▄▄");
    expect(sparkline([0, 1, 2, 3], { low: 0, high: 3, blankZero: true })).toBe(" ▃▆█");
    expect(sparkline([0, 3], { low: 0, high: 3 })).toBe("▁█");
  });

  it("columns pad by what is visible, so colour codes do not break the alignment", () => {
    const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
    const lines = columns(
      ["a", "b"],
      [
        [red("xx"), "1"],
        ["y", "22"],
      ],
      ["l", "r"],
    ).map((l) => l.replace(ANSI, ""));
    expect(lines).toEqual(["  a    b", "  xx   1", "  y   22"]);
  });

  it("wantsColor: a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR even when piped", () => {
    expect(wantsColor(true, {})).toBe(true);
    expect(wantsColor(false, {})).toBe(false);
    expect(wantsColor(undefined, {})).toBe(false);
    expect(wantsColor(true, { NO_COLOR: "1" })).toBe(false);
    expect(wantsColor(true, { NO_COLOR: "" })).toBe(true); // no-color.org: set and not empty
    expect(wantsColor(true, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(false);
    expect(wantsColor(true, { TERM: "dumb" })).toBe(false);
    expect(wantsColor(false, { FORCE_COLOR: "1" })).toBe(true);
    expect(wantsColor(true, { FORCE_COLOR: "0" })).toBe(true);
    expect(wantsColor(false, { FORCE_COLOR: "false" })).toBe(false);
  });

  it("renderForCli: json is the document, markdown the PR comment's report, text the terminal one", () => {
    const doc = passingDoc();
    expect(JSON.parse(renderForCli(doc, "json"))).toEqual(doc);
    expect(renderForCli(doc, "markdown")).toBe(`${renderReport(doc)}\n`);
    expect(renderForCli(doc, "text")).toBe(renderText(doc));
  });
});

describe("--output", () => {
  const output = (...argv: string[]) => parseCliArgs(["run", ...argv], {}).output;
  it("defaults to text; --json is --output=json", () => {
    expect(output()).toBe("text");
    expect(output("--output", "markdown")).toBe("markdown");
    expect(output("--output=json")).toBe("json");
    expect(output("--json")).toBe("json");
    expect(parseCliArgs(["run", "--json"], {}).json).toBe(true);
    expect(output("--json", "--output=json")).toBe("json");
  });

  it("rejects an unknown format and a contradiction, naming the flag", () => {
    const error = (...argv: string[]) => {
      try {
        parseCliArgs(["run", ...argv], {});
      } catch (e) {
        return inputErrorsOf(e).map((i) => `${i.input}: ${i.problem}`);
      }
      return [];
    };
    expect(error("--output=html")).toEqual(['--output: "html" is not an output format']);
    expect(error("--output=markdwon")[0]).toMatch(/^--output/);
    expect(error("--json", "--output=text")).toEqual(["--json: contradicts --output=text"]);
  });
});
