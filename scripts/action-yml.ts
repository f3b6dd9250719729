// Writes action.yml from the one inputs table (src/config/inputs.ts) and the outputs table
// (src/config/outputs.ts): `npm run action-yml`. With --check it only compares, for CI and tests.
// The README's tables follow action.yml (scripts/readme-tables.mjs).
import { readFileSync, writeFileSync } from "node:fs";
import * as yaml from "js-yaml";
import { ACTION_INPUTS } from "../src/config/inputs.js";
import { OUTPUTS } from "../src/config/outputs.js";

const HEADER = `# The action's contract, generated from src/config/inputs.ts and src/config/outputs.ts by
# scripts/action-yml.ts (npm run action-yml): edit those tables, not this file. The README's tables are
# generated from this file by scripts/readme-tables.mjs.
`;

export function renderActionYml(): string {
  const inputs: Record<string, { description: string; required: boolean; default?: string }> = {};
  for (const spec of ACTION_INPUTS) {
    inputs[spec.name] = {
      description: spec.description,
      required: spec.required ?? false,
      ...(spec.default !== undefined ? { default: spec.default } : {}),
    };
  }
  const outputs = Object.fromEntries(OUTPUTS.map((o) => [o.name, { description: o.description }]));
  const action = {
    name: "Knative Perf Gate",
    description:
      "Deploy a Knative Service, load-test it, watch its pods, and fail the build when it gets slower.",
    author: "knative-perf-gate authors",
    branding: { icon: "activity", color: "blue" },
    inputs,
    outputs,
    runs: { using: "node24", main: "dist/main.js", post: "dist/post.js", "post-if": "always()" },
  };
  // Every default stays a string: the runner hands inputs over as strings.
  return HEADER + yaml.dump(action, { lineWidth: 110, quotingType: '"', noRefs: true });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  const next = renderActionYml();
  if (process.argv.includes("--check")) {
    if (readFileSync("action.yml", "utf8") !== next) {
      console.error("action.yml differs from src/config/inputs.ts / outputs.ts; run: npm run action-yml");
      process.exit(1);
    }
    console.log("action.yml matches the inputs and outputs tables");
  } else {
    writeFileSync("action.yml", next);
    console.log("action.yml written from the inputs and outputs tables");
  }
}
