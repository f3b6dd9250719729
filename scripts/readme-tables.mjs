// Regenerates the README's inputs and outputs tables from action.yml (the contract), between the markers
// `<!-- section:inputs (owner: config) -->` and `<!-- section:outputs (owner: config) -->`.
//   node scripts/readme-tables.mjs          rewrite README.md
//   node scripts/readme-tables.mjs --check  exit 1 when README.md is stale (a unit test runs this)
import { readFileSync, writeFileSync } from "node:fs";
import * as prettier from "prettier";
import * as yaml from "js-yaml";

const README = "README.md";

const cell = (text) => String(text).replace(/\s+/g, " ").trim().replace(/\|/g, "\\|");
const code = (text) => (text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``);

function inputsSection(action) {
  const rows = Object.entries(action.inputs).map(([name, input]) => {
    const fallback = input.required
      ? "**required**"
      : input.default === undefined
        ? ""
        : code(String(input.default));
    return `| ${code(name)} | ${fallback} | ${cell(input.description)} |`;
  });
  return [
    "Every input is a CLI flag of the same name too (`--service-file x`, `--cold-start`, `--no-comment`); " +
      "`knative-perf-gate --help` lists them. An empty input means its default. All inputs are checked before " +
      "anything touches the cluster, and every problem is reported at once, naming the input (and line and " +
      "column where that applies).",
    "",
    "| Input | Default | Description |",
    "| --- | --- | --- |",
    ...rows,
    "",
    "The CLI also takes `--kubeconfig-file PATH` (instead of the `kubeconfig` content), " +
      "`--output text|markdown|json` (what it prints on stdout: `text`, the default, is a summary for the terminal " +
      "with aligned tables and text charts, coloured only on a terminal and never with `NO_COLOR`; `markdown` is " +
      "the PR comment; `json` is the results document, also `--json`) and `--state-file PATH` (what `knative-perf-gate cleanup` undoes after an interrupted run); " +
      "it reads `GITHUB_TOKEN` when `--github-token` is not given.",
  ].join("\n");
}

function outputsSection(action) {
  const rows = Object.entries(action.outputs).map(
    ([name, output]) => `| ${code(name)} | ${cell(output.description)} |`,
  );
  return ["| Output | Description |", "| --- | --- |", ...rows].join("\n");
}

async function format(markdown) {
  const options = (await prettier.resolveConfig(README)) ?? {};
  return (await prettier.format(markdown, { ...options, parser: "markdown" })).trimEnd();
}

function replaceSection(readme, name, body) {
  const start = `<!-- section:${name} (owner: config) -->`;
  const end = `<!-- /section:${name} -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${README}: markers for section "${name}" not found`);
  return `${readme.slice(0, from + start.length)}\n\n${body}\n\n${readme.slice(to)}`;
}

export async function renderReadme(readme, actionText) {
  const action = yaml.load(actionText);
  let next = replaceSection(readme, "inputs", await format(inputsSection(action)));
  next = replaceSection(next, "outputs", await format(outputsSection(action)));
  return next;
}

const current = readFileSync(README, "utf8");
const next = await renderReadme(current, readFileSync("action.yml", "utf8"));
if (process.argv.includes("--check")) {
  if (next !== current) {
    console.error(
      `${README}: the inputs/outputs tables differ from action.yml; run: node scripts/readme-tables.mjs`,
    );
    process.exit(1);
  }
  console.log(`${README}: inputs/outputs tables match action.yml`);
} else if (next !== current) {
  writeFileSync(README, next);
  console.log(`${README}: inputs/outputs tables rewritten from action.yml`);
} else {
  console.log(`${README}: already up to date`);
}
