// What the GitHub runner gives a JavaScript action's step, for tests that run dist/main.js and dist/post.js the
// GitHub way: INPUT_* variables (every input's default from action.yml, then the step's `with:`), the file
// commands' files (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY), and the post step's STATE_* variables.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";

export interface ActionYaml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
}

export const action = yaml.load(readFileSync("action.yml", "utf8")) as ActionYaml;

/** The runner's environment for a step: every input's default (expressions left empty), then `inputs`. */
export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = inputs[name] ?? (spec.default?.includes("${{") ? "" : (spec.default ?? ""));
    env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  }
  return env;
}

/** GitHub's file command format: `name<<DELIMITER\nvalue\nDELIMITER`. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm)) values[match[1]] = match[3];
  return values;
}

export interface RunnerFiles {
  GITHUB_OUTPUT: string;
  GITHUB_STATE: string;
  GITHUB_STEP_SUMMARY: string;
}

/** Empty file-command files in `dir`, as the runner prepares them for a step. */
export function runnerFiles(dir: string): RunnerFiles {
  const files = {
    GITHUB_OUTPUT: join(dir, "output"),
    GITHUB_STATE: join(dir, "state"),
    GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
  };
  for (const path of Object.values(files)) writeFileSync(path, "");
  return files;
}

/** What the main step saved with core.saveState, as the post step's STATE_* variables. */
export function postStateEnv(files: RunnerFiles): Record<string, string> {
  const state = parseFileCommands(readFileSync(files.GITHUB_STATE, "utf8"));
  return Object.fromEntries(Object.entries(state).map(([key, value]) => [`STATE_${key}`, value]));
}
