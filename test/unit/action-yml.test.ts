// The contract: action.yml, the inputs/outputs tables in src/config and the README's tables say the same thing;
// the README's threshold section documents every metric, alias and operator, and its examples parse.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as yaml from "js-yaml";
import { ACTION_INPUTS, INPUTS } from "../../src/config/inputs.js";
import { OUTPUTS } from "../../src/config/outputs.js";
import { parseThresholds } from "../../src/config/thresholds.js";
import { METRICS, OPERATORS, UNITS } from "../../src/metrics.js";
import { renderActionYml } from "../../scripts/action-yml.js";

interface ActionYml {
  name: string;
  description: string;
  author: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: Record<string, string>;
}

const action = yaml.load(readFileSync("action.yml", "utf8")) as ActionYml;
const readme = readFileSync("README.md", "utf8");

function section(name: string): string {
  const start = readme.indexOf(`<!-- section:${name} (owner: config) -->`);
  const end = readme.indexOf(`<!-- /section:${name} -->`);
  expect(start).toBeGreaterThanOrEqual(0);
  return readme.slice(start, end);
}

describe("action.yml", () => {
  it("is exactly what scripts/action-yml.ts generates from the inputs and outputs tables", () => {
    expect(readFileSync("action.yml", "utf8")).toBe(renderActionYml());
  });

  it("runs on node24 with a post step that always runs", () => {
    expect(action.runs).toEqual({
      using: "node24",
      main: "dist/main.js",
      post: "dist/post.js",
      "post-if": "always()",
    });
    expect(action.name).toBeTruthy();
    expect(action.description).toBeTruthy();
    expect(action.author).toBeTruthy();
    expect(action.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
  });

  it("declares exactly the inputs of src/config/inputs.ts, in order, with the same defaults and descriptions", () => {
    expect(Object.keys(action.inputs)).toEqual(ACTION_INPUTS.map((i) => i.name));
    for (const spec of ACTION_INPUTS) {
      const input = action.inputs[spec.name];
      expect({ name: spec.name, description: input.description }).toEqual({
        name: spec.name,
        description: spec.description,
      });
      expect({ name: spec.name, default: input.default }).toEqual({ name: spec.name, default: spec.default });
      expect({ name: spec.name, required: input.required }).toEqual({
        name: spec.name,
        required: spec.required ?? false,
      });
      // The runner hands every input over as a string; a YAML number or boolean default would be a surprise.
      if (input.default !== undefined) expect(typeof input.default).toBe("string");
    }
  });

  it("keeps CLI-only flags out of the action", () => {
    expect(INPUTS.filter((i) => i.cliOnly).map((i) => i.name)).toEqual(["output", "kubeconfig-file"]);
    expect(action.inputs).not.toHaveProperty("output");
    expect(action.inputs).not.toHaveProperty("kubeconfig-file");
  });

  it("declares exactly the outputs of src/config/outputs.ts", () => {
    expect(Object.entries(action.outputs).map(([name, o]) => [name, o.description])).toEqual(
      OUTPUTS.map((o) => [o.name, o.description]),
    );
  });

  it("has the inputs and outputs the issue asks for", () => {
    for (const name of [
      "service-file",
      "service-name",
      "kubeconfig",
      "gateway",
      "thresholds",
      "max-regression",
      "teardown",
      "private-zone",
    ]) {
      expect(action.inputs).toHaveProperty([name]);
    }
    for (const name of [
      "url",
      "revision",
      "latency-p99",
      "error-rate",
      "pods-max",
      "cold-start-ms",
      "passed",
      "comment-url",
      "comment-id",
    ]) {
      expect(action.outputs).toHaveProperty([name]);
    }
  });
});

describe("README tables", () => {
  const script = resolve("scripts/readme-tables.mjs");

  it("match action.yml (scripts/readme-tables.mjs --check)", () => {
    const run = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("are reported stale when action.yml changes", () => {
    const dir = mkdtempSync(join(tmpdir(), "kpg-readme-"));
    try {
      cpSync("README.md", join(dir, "README.md"));
      writeFileSync(
        join(dir, "action.yml"),
        readFileSync("action.yml", "utf8").replace("Concurrent connections", "Parallel connections"),
      );
      const run = spawnSync(process.execPath, [script, "--check"], { cwd: dir, encoding: "utf8" });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/differ from action\.yml; run: node scripts\/readme-tables\.mjs/);
      expect(spawnSync(process.execPath, [script], { cwd: dir }).status).toBe(0);
      expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("| Parallel connections (1 to 10000).");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("list every input with its default", () => {
    const inputs = section("inputs");
    for (const spec of ACTION_INPUTS) {
      expect(inputs).toContain(`| \`${spec.name}\``);
      if (spec.default) expect(inputs).toContain(`\`${spec.default}\``);
    }
  });
});

describe("README threshold language", () => {
  const text = section("thresholds");

  it("documents every metric, alias, operator and unit", () => {
    for (const metric of METRICS) {
      for (const name of [metric.name, ...metric.aliases]) expect(text).toContain(`\`${name}\``);
    }
    for (const operator of OPERATORS) expect(text).toContain(`\`${operator}\``);
    for (const unit of Object.values(UNITS).flatMap((units) => Object.keys(units))) {
      if (unit !== "" && unit !== "μs") expect(text).toContain(`\`${unit}\``);
    }
  });

  it("gives examples that parse", () => {
    const rules = [...text.matchAll(/`([a-z][\w.-]* (?:<|<=|>|>=|==|!=) [^`]+)`( is refused)?/g)];
    expect(rules.length).toBeGreaterThan(10);
    for (const [, rule, refused] of rules) {
      if (refused) expect(() => parseThresholds(rule)).toThrow();
      else expect(() => parseThresholds(rule)).not.toThrow();
    }
    const block = /```yaml\n([\s\S]*?)```/.exec(text)![1];
    const { thresholds } = yaml.load(block) as { thresholds: string };
    expect(parseThresholds(thresholds).map((r) => r.metric)).toEqual([
      "p99",
      "p90",
      "errors",
      "rps",
      "pods.max",
      "cold-start",
      "ready-time",
    ]);
  });

  it("shows error messages the parser really produces", () => {
    const shown = /```text\n([\s\S]*?)```/.exec(text)![1].trim().split("\n");
    const produced = (input: string) => {
      try {
        parseThresholds(input);
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    };
    expect(shown).toEqual([
      produced("errors < 1%\np98 < 1s"),
      produced("stage[2].p98 < 1s"),
      produced("p99 <"),
      produced("p99 =< 200ms"),
    ]);
  });
});
