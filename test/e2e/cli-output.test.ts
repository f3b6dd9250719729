// What the bundled CLI prints on stdout: by default a summary for the terminal (no Markdown, no Mermaid), the
// PR comment's Markdown with --output markdown. Needs the built dist/ (npm run package).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gateArgs, runDist, startSim, workDir, type Sim } from "./harness.js";

let sim: Sim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim.stop();
});

/** The run's flags without --json (gateArgs asks for JSON by default). */
const args = (dir: string, extra: string[]) => gateArgs(sim, dir, extra).filter((arg) => arg !== "--json");

describe("dist/cli.js output", () => {
  it("--output text: a terminal summary with no Markdown heading, table rule or Mermaid", async () => {
    const dir = workDir();
    const benchmarkFile = join(dir, "perf.json");
    const extra = ["--output=text", "--thresholds=errors < 1%", `--benchmark-file=${benchmarkFile}`];
    const run = await runDist("dist/cli.js", args(dir, extra), {
      KUBECONFIG: sim.kubeconfig,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("###");
    expect(run.stdout).not.toContain("|---");
    expect(run.stdout).not.toContain("mermaid");
    // Piped, not a terminal: no colour either.
    expect(run.stdout).not.toContain("\x1b[");
    expect(run.stdout).toMatch(/^✓ PASSED {2}demo-\d+-\d+\/helloworld-go/);
    expect(run.stdout).toMatch(/\n {2}errors < 1% +0 ?% +1 ?% +pass\n/);
    expect(run.stdout).toMatch(/\nOver time .*\n {2}rps +[▁▂▃▄▅▆▇█]+ /u);
    expect(run.stdout).toMatch(/Why \d pods?\?/);
    // --benchmark-file: github-action-benchmark's JSON, an array of {name, unit, value}.
    const entries = JSON.parse(readFileSync(benchmarkFile, "utf8")) as Record<string, unknown>[];
    expect(entries.map((e) => e.name)).toContain("p99 latency");
    for (const e of entries)
      expect(e).toMatchObject({
        name: expect.any(String),
        unit: expect.any(String),
        value: expect.any(Number),
      });
    // The log stays on stderr.
    expect(run.stderr).toContain("==> Load");
  });

  it("the default is text, and FORCE_COLOR colours it even when piped; --output markdown is the PR comment", async () => {
    const text = await runDist("dist/cli.js", args(workDir(), []), {
      KUBECONFIG: sim.kubeconfig,
      FORCE_COLOR: "1",
    });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("\x1b[32m");
    expect(text.stdout).not.toContain("###");

    const markdown = await runDist("dist/cli.js", args(workDir(), ["--output", "markdown"]), {
      KUBECONFIG: sim.kubeconfig,
    });
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toMatch(/^### ✅ Performance gate passed/);
    expect(markdown.stdout).toContain("```mermaid");
  });
});
