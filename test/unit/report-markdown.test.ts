import { describe, expect, test } from "@jest/globals";
import * as prettier from "prettier";
import { renderReport } from "../../src/report/markdown.js";
import {
  clusterLoadDoc,
  coldStartDoc,
  deployFailureDoc,
  failingDoc,
  HOSTILE,
  hostileDoc,
  noAnswerDoc,
  passingDoc,
  regressionDoc,
} from "./fixtures/results.js";

const MARKER = "<!-- knative-perf-gate:demo/helloworld-go -->";

// A real CommonMark + GFM-tables parser (remark, as bundled by prettier) to check what GitHub would see.
interface MdNode {
  type: string;
  value?: string;
  depth?: number;
  children?: MdNode[];
}
const parseMarkdown = async (markdown: string): Promise<MdNode> => {
  const debug = (
    prettier as unknown as { __debug: { parse(text: string, o: object): Promise<{ ast: MdNode }> } }
  ).__debug;
  return (await debug.parse(markdown, { parser: "markdown" })).ast;
};
const walk = (node: MdNode, visit: (n: MdNode) => void): void => {
  visit(node);
  node.children?.forEach((child) => walk(child, visit));
};
const nodesOf = (root: MdNode, type: string) => {
  const found: MdNode[] = [];
  walk(root, (n) => n.type === type && found.push(n));
  return found;
};
const plain = (node: MdNode): string =>
  node.value ?? (node.children ?? []).map((child) => plain(child)).join("");

describe("renderReport snapshots", () => {
  test.each([
    ["pass", passingDoc],
    ["fail", failingDoc],
    ["cold start", coldStartDoc],
    ["baseline regression", regressionDoc],
    ["deploy failure", deployFailureDoc],
    ["load from the cluster", clusterLoadDoc],
    ["nothing answered", noAnswerDoc],
  ])("%s", (_name, build) => {
    expect(renderReport(build(), { marker: MARKER })).toMatchSnapshot();
  });
});

describe("renderReport content", () => {
  test("headline: verdict, service, revision and the one-line summary", () => {
    const lines = renderReport(passingDoc(), { marker: MARKER }).split("\n");
    expect(lines[0]).toBe(MARKER);
    expect(lines[1]).toBe("### ✅ Performance gate passed · `demo/helloworld-go`");
    expect(lines[3]).toBe(
      "Revision `helloworld-go-00001` · **802.3 rps** · p99 **158 ms** · errors **0 %** · pods **3** max, 2 at the end",
    );
    expect(renderReport(failingDoc())).toMatch(/^### ❌ Performance gate failed · `demo\/helloworld-go`$/m);
  });

  test("no marker unless asked, and a marker that is not a one-line comment is refused", () => {
    expect(renderReport(passingDoc())).not.toContain("<!--");
    expect(() => renderReport(passingDoc(), { marker: "<!-- x --> <b>" })).toThrow(/marker/);
  });

  test("a failing run names the failed rules and lists errors by kind", () => {
    const md = renderReport(failingDoc());
    // The observed text is the verdict's own (verdict/format.ts), as in the step error.
    expect(md).toContain("**Failed:** `p99 < 100ms` (observed 158 ms) · `errors < 0.1%` (observed 0.278%)");
    expect(md).toContain("| `p99 < 100ms` | 158 ms | 100 ms | ❌ |");
    expect(md).toContain("| HTTP 502 | 3 |\n| HTTP 503 | 52 |\n| Timeouts | 10 |\n| Connection errors | 2 |");
  });

  test("a load with no answer says 'not measured' in the headline, the failures, the thresholds and latency", () => {
    const doc = noAnswerDoc();
    expect(doc.passed).toBe(false);
    const md = renderReport(doc);
    expect(md).toContain("### ❌ Performance gate failed · `demo/helloworld-go`");
    expect(md).toContain("**not measured: 50 requests sent, none answered**");
    expect(md).not.toMatch(/p99 \*\*0 ms\*\*/);
    expect(md).toContain(
      "**Failed:** load not measured: 50 requests sent, none answered · `p99 < 100ms` (observed n/a)",
    );
    expect(md).toContain(
      "| `p99 < 100ms` | n/a | 100 ms | ❌ | not measured: 50 requests sent, none answered |",
    );
    expect(md).toContain("| `errors < 1%` | 100% | 1% | ❌ |");
    expect(md).toContain("#### Latency\n\nNot measured: 50 requests sent, none answered.\n");
    expect(md).toContain("| 50 | 0 | 30 s | 0 rps | 0 B/s | 50 | 100 % |");
    expect(md).toContain("50 requests were still unanswered when the grace period after the load ended");
    expect(md).toContain("| Timeouts | 50 |");
    // No latency chart of zeros; the requests-per-second chart stays (it shows the 0).
    expect(md).not.toContain("p99 latency");
    expect(md).toContain('title "Requests per second"');
  });

  test("an unanswered cold-start request reads as not measured", () => {
    const doc = coldStartDoc();
    doc.coldStart = {
      ...doc.coldStart!,
      status: 0,
      firstResponseMs: 300_000,
      unanswered: "http://x/: no complete response within 300 s",
    };
    const md = renderReport(doc);
    expect(md).toContain(
      "#### Cold start\n\nNot measured: 1 request sent, none answered (http://x/: no complete response within 300 s), after 300 s",
    );
  });

  test("the cold start section shows first response, pod ready and the wait for zero", () => {
    const md = renderReport(coldStartDoc());
    expect(md).toContain("#### Cold start");
    expect(md).toContain("| 2,418 ms | 2,130 ms | 200 | 63.5 s |");
    expect(renderReport(passingDoc())).not.toContain("#### Cold start");
  });

  test("load from the cluster: one row per worker pod, and the origin in the run settings", () => {
    const md = renderReport(clusterLoadDoc());
    expect(md).toContain("#### Load workers (4 pods in the cluster)");
    expect(md).toContain(
      "| Worker | Pod | Node | Requests | Throughput | p50 | p99 | max | Errors | Started late |",
    );
    expect(md).toContain(
      "| 0 | `kpg-load-helloworld-go-x7k2p-0-q4bzn` | `cn-hangzhou.192.168.0.11` | 6,018 | 200.6 rps | 50.2 ms | 151 ms | 402 ms | 0 | on time |",
    );
    expect(md).toContain("| 3 | `kpg-load-helloworld-go-x7k2p-3-v8sjl` | `cn-hangzhou.192.168.0.12` |");
    expect(md).toMatch(/\| 166 ms \| 505 ms \| 0 \| 240 ms \|$/m);
    expect(md).toContain("| Load from | the cluster: 4 worker pods (an Indexed Job) |");
    expect(md).toContain("Target `http://helloworld-go.demo.svc.cluster.local`.");
    // A runner run has no workers section; one from before load-from existed has no origin row either.
    const runner = passingDoc();
    runner.settings.loadFrom = "runner";
    expect(renderReport(runner)).toContain("| Load from | the runner |");
    expect(renderReport(runner)).not.toContain("Load workers");
    expect(renderReport(passingDoc())).not.toContain("Load from");
  });

  test("baseline deltas carry ▲/▼ for the value's direction and say which way is worse", () => {
    const md = renderReport(regressionDoc());
    expect(md).toContain("| `p99` | 158 ms | 181.4 ms | ▲ +14.8 % worse | 10 % | ❌ |");
    // rps counts successful answers: 770 × (231,000 − 92) / 231,000.
    expect(md).toContain("| `rps` | 802.3 rps | 769.7 rps | ▼ −4.1 % worse | 10 % | ✅ |");
    expect(md).toContain(
      "| `errors` | 0 % | 0.04 % | ▲ from 0 worse | 50 % | ❌ | the baseline was 0, so any rise is a regression |",
    );
    expect(md).toContain(
      "| `cold-start` | 2,418 ms | — | — | 20 % | ❌ | not measured: cold start is off (set cold-start: true) |",
    );
    expect(md).toContain(
      "❌ **Regression:** `p99` is 14.8 % worse (allowed 10 %); `errors` got worse from a baseline of 0; " +
        "`cold-start` not measured: cold start is off (set cold-start: true).",
    );
    // The headline and the error table agree with the regression verdict on errors (92 answers of 503).
    expect(md).toContain("· errors **0.04 %** ·");
    expect(md).toContain("| HTTP 503 | 92 |");
    expect(md).not.toContain("No errors");
  });

  test("renders the same from the results file (JSON turns NaN and Infinity into null)", () => {
    for (const build of [regressionDoc, failingDoc, deployFailureDoc]) {
      const doc = build();
      expect(renderReport(JSON.parse(JSON.stringify(doc)))).toBe(renderReport(doc));
    }
  });

  test("long timelines are downsampled to at most 60 points per chart", () => {
    const md = renderReport(regressionDoc());
    const series = md.split("\n").filter((line) => /^ {2}(line|bar) \[/.test(line));
    expect(series.length).toBe(4);
    for (const line of series) expect(line.split(",").length).toBeLessThanOrEqual(60);
    expect(md).toContain('title "Requests per second (5 s per point)"');
  });

  test("a run that did not finish shows the error and no load sections", () => {
    const md = renderReport(deployFailureDoc());
    expect(md).toContain("### ❌ Performance gate failed: the run did not finish · `demo/helloworld-go`");
    expect(md).toContain("#### What went wrong\n\n```text\nservice demo/helloworld-go is not Ready");
    expect(md).toContain("Not judged: the run did not finish.");
    expect(md).not.toContain("#### Latency");
    expect(md).not.toContain("#### Pods");
  });

  test("the settings block is collapsed and closed, followed by a blank line", () => {
    const md = renderReport(passingDoc());
    expect(md).toContain("<details>\n<summary>Run settings</summary>\n\n| Setting | Value |");
    expect(md).toContain("\n\n</details>\n\n<sub>");
  });
});

describe("hostile input comes out inert", () => {
  const md = renderReport(hostileDoc(), { marker: MARKER });
  const OUR_HTML = new Set([
    MARKER,
    "<details>\n<summary>Run settings</summary>",
    "</details>",
    "<br>",
    "<sub>",
    "</sub>",
  ]);

  test("the only HTML is ours: no comment, <details>, <script> or tag from the input", async () => {
    const ast = await parseMarkdown(md);
    const html = nodesOf(ast, "html").map((n) => n.value);
    expect(html.filter((value) => !OUR_HTML.has(value!))).toEqual([]);
    expect(html.filter((value) => value === "</details>")).toHaveLength(1);
  });

  test("no links, images, emphasis or extra headings come from the input", async () => {
    const ast = await parseMarkdown(md);
    // A bare URL is autolinked (by GitHub too), but only ever shows itself: no hidden target.
    for (const link of nodesOf(ast, "link")) expect((link as { url?: string }).url).toBe(plain(link));
    for (const type of ["image", "emphasis", "delete", "linkReference", "imageReference", "list"]) {
      const found = nodesOf(ast, type);
      // The pod explanation is our own bullet list; nothing else may be one.
      if (type === "list") expect(found).toHaveLength(1);
      else expect(found).toEqual([]);
    }
    const headings = nodesOf(ast, "heading").map((h) => `${h.depth} ${plain(h)}`);
    expect(headings.map((h) => h.split(" · ")[0])).toEqual([
      "3 ❌ Performance gate failed: the run did not finish",
      "4 What went wrong",
      "4 Thresholds",
      "4 Latency",
      "4 Throughput and errors",
      "4 Pods",
      "4 Over time",
      "4 Compared with the baseline",
    ]);
  });

  test("every table row has as many cells as its header (pipes cannot add cells)", async () => {
    const ast = await parseMarkdown(md);
    const tables = nodesOf(ast, "table");
    expect(tables.length).toBeGreaterThanOrEqual(6);
    for (const t of tables) {
      const width = t.children![0].children!.length;
      for (const row of t.children!) expect(row.children).toHaveLength(width);
    }
    const rule = tables[0].children![1].children![0];
    expect(nodesOf(rule, "inlineCode")).toHaveLength(1);
    expect(plain(rule)).toContain(HOSTILE.pipes);
  });

  test("mentions and cross-references are broken in text; code spans show the input verbatim", async () => {
    const ast = await parseMarkdown(md);
    for (const t of nodesOf(ast, "text")) {
      expect(t.value).not.toMatch(/(^|[^\w])@[A-Za-z0-9]/);
      expect(t.value).not.toMatch(/#\d/);
    }
    const codes = nodesOf(ast, "inlineCode").map((n) => n.value);
    expect(codes).toContain(`${HOSTILE.details}/${HOSTILE.comment}${HOSTILE.mention}`);
    expect(codes).toContain(HOSTILE.backticks);
  });

  test("the error's code block holds the whole message: backtick fences inside cannot close it", async () => {
    const ast = await parseMarkdown(md);
    const blocks = nodesOf(ast, "code").filter((n) => (n as { lang?: string }).lang === "text");
    expect(blocks).toHaveLength(1);
    expect(blocks[0].value).toContain("```\n</details>\n" + HOSTILE.comment);
  });

  test("bidirectional overrides and other invisible controls are dropped", () => {
    expect(md).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(md).toContain("abcdcba");
  });

  test("newlines in the input never start a new Markdown line outside the error's code block", () => {
    const outsideCode = md.replace(/^(`{3,})text\n[\s\S]*?\n\1$/m, "");
    expect(outsideCode).not.toMatch(/^## Heading/m);
    expect(outsideCode).not.toMatch(/^- item/m);
    expect(md).toMatch(/^## Heading/m);
  });
});
