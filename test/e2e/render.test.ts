// The report's Markdown rendered as GitHub renders a PR comment: GitHub-flavoured Markdown (marked, gfm) and the
// ```mermaid blocks drawn by Mermaid in a real browser (Debian's chromium, installed by scripts/install-tools.sh,
// driven by playwright-core), in GitHub's light and dark themes. Fails when a chart does not render, a plot
// loses its palette, the pods axis shows fractions, or a table breaks (a row with more or fewer cells than its
// header, or pipes left over as text). KPG_SCREENSHOTS=1 also writes the README's screenshots (SCREENSHOTS).
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { marked } from "marked";
import { chromium, type Browser } from "playwright-core";
import { PLOT_COLORS } from "../../src/report/chart.js";
import { renderReport } from "../../src/report/markdown.js";
import type { ResultsDocument } from "../../src/results.js";

// The page.evaluate callbacks run in the browser; the project's types are Node's (no DOM lib), so the two
// browser globals they touch are declared here rather than for the whole program.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
/* eslint-enable @typescript-eslint/no-explicit-any */
import { abDoc, failingDoc, passingDoc, regressionDoc, stagedDoc } from "../unit/fixtures/results.js";

const require = createRequire(import.meta.url);
const MERMAID = require.resolve("mermaid/dist/mermaid.min.js");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));

/** GitHub's page backgrounds and the Mermaid theme it picks for each. */
const THEMES = {
  light: { background: "#ffffff", text: "#1f2328", mermaid: "default" },
  dark: { background: "#0d1117", text: "#e6edf3", mermaid: "dark" },
} as const;

const DOCS: [string, () => ResultsDocument][] = [
  ["passing", passingDoc],
  ["failing", failingDoc],
  ["regression", regressionDoc],
  ["ab", abDoc],
  // Three series on the pod chart (serving, reserve, the autoscaler's decision) and the stages table.
  ["staged", stagedDoc],
];

/** The screenshots in docs/ that the README shows. */
const SCREENSHOTS = ["passing-light", "passing-dark", "failing-light", "regression-light", "ab-light"];

interface Rendered {
  charts: { title: string; error: boolean; plotColors: string[]; yLabels: string[] }[];
  tables: { header: number; rows: number[] }[];
  strayPipes: string[];
}

let browser: Browser;
beforeAll(async () => {
  if (!CHROMIUM) throw new Error("chromium is not installed: run scripts/install-tools.sh");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});
afterAll(async () => {
  await browser?.close();
});

async function render(markdown: string, theme: keyof typeof THEMES, screenshot?: string): Promise<Rendered> {
  const t = THEMES[theme];
  const html = await marked.parse(markdown, { gfm: true });
  const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
  try {
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"><style>
        body { background: ${t.background}; color: ${t.text}; margin: 24px; max-width: 860px;
               font: 14px -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
        table { border-collapse: collapse; margin: 8px 0; }
        th, td { border: 1px solid #3d444d; padding: 4px 10px; }
        code { font-family: ui-monospace, monospace; }
        .mermaid { max-width: 700px; }
      </style></head><body>${html}</body></html>`,
    );
    await page.addScriptTag({ path: MERMAID });
    const rendered = await page.evaluate(
      async ({ mermaidTheme }): Promise<Rendered> => {
        const mermaid = (
          window as unknown as {
            mermaid: { initialize(c: object): void; run(o: object): Promise<void> };
          }
        ).mermaid;
        mermaid.initialize({ startOnLoad: false, theme: mermaidTheme });
        // GitHub draws each ```mermaid block in place of the code block.
        for (const code of document.querySelectorAll("pre > code.language-mermaid")) {
          const div = document.createElement("div");
          div.className = "mermaid";
          div.textContent = code.textContent;
          code.parentElement!.replaceWith(div);
        }
        await mermaid.run({ querySelector: ".mermaid", suppressErrors: true });
        const charts = [...document.querySelectorAll(".mermaid")].map((div) => {
          const svg = div.querySelector("svg");
          const colors = [...div.querySelectorAll(".plot rect, .plot path")].flatMap((el) =>
            [el.getAttribute("fill"), el.getAttribute("stroke")].filter(
              (c): c is string => !!c && c !== "none",
            ),
          );
          return {
            title: div.querySelector(".chart-title text")?.textContent ?? "",
            error:
              !svg ||
              svg.getAttribute("aria-roledescription") !== "xychart" ||
              /Syntax error/i.test(div.textContent ?? ""),
            plotColors: [...new Set(colors.map((c) => c.toLowerCase()))],
            yLabels: [...div.querySelectorAll(".left-axis .label text")].map((el) => el.textContent ?? ""),
          };
        });
        const tables = [...document.querySelectorAll("table")].map((table) => ({
          header: table.querySelectorAll("thead th").length,
          rows: [...table.querySelectorAll("tbody tr")].map((tr) => tr.children.length),
        }));
        // A table GitHub could not parse shows up as text full of pipes.
        const strayPipes = [...document.querySelectorAll("p, li")]
          .map((el) => el.textContent ?? "")
          .filter((text) => /^\s*\||\|\s*-{3}/.test(text));
        return { charts, tables, strayPipes };
      },
      { mermaidTheme: t.mermaid },
    );
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return rendered;
  } finally {
    await page.close();
  }
}

describe("the report as GitHub renders it (GFM + Mermaid in chromium)", () => {
  const cases = DOCS.flatMap(([name, doc]) =>
    (Object.keys(THEMES) as (keyof typeof THEMES)[]).map((theme) => [name, theme, doc] as const),
  );

  it.each(cases)(
    "%s report, %s theme: every chart draws in the palette, every table holds",
    async (name, theme, doc) => {
      let screenshot: string | undefined;
      if (process.env.KPG_SCREENSHOTS === "1" && SCREENSHOTS.includes(`${name}-${theme}`)) {
        mkdirSync("docs", { recursive: true });
        screenshot = `docs/report-${name}-${theme}.png`;
      }
      const markdown = renderReport(doc());
      const out = await render(markdown, theme, screenshot);

      expect(out.charts.length).toBe((markdown.match(/^```mermaid$/gm) ?? []).length);
      expect(out.charts.length).toBeGreaterThanOrEqual(3);
      for (const chart of out.charts) {
        expect({ title: chart.title, error: chart.error }).toEqual({ title: chart.title, error: false });
        expect(chart.plotColors.length).toBeGreaterThan(0);
        for (const color of chart.plotColors) expect(PLOT_COLORS as readonly string[]).toContain(color);
      }
      const pods = out.charts.find((c) => /pods/i.test(c.title));
      expect(pods?.yLabels.length).toBeGreaterThan(1);
      for (const label of pods!.yLabels) expect(label).toMatch(/^\d+$/);

      expect(out.tables.length).toBeGreaterThanOrEqual(4);
      for (const table of out.tables) {
        expect(table.header).toBeGreaterThan(0);
        for (const cells of table.rows) expect(cells).toBe(table.header);
      }
      expect(out.strayPipes).toEqual([]);
    },
  );

  it("the checks can fail: a broken chart and a broken table are caught", async () => {
    const broken = [
      "| a | b |",
      "| --- |",
      "| 1 | 2 |",
      "",
      "```mermaid",
      "xychart-beta",
      "  y-axis 0 --> oops",
      "```",
    ].join("\n");
    const out = await render(broken, "light");
    expect(out.charts.map((c) => c.error)).toEqual([true]);
    expect(out.strayPipes.length).toBeGreaterThan(0);
  });
});
