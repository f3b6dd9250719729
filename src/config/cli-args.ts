// The CLI adapter: flags named like the action's inputs (`--service-file x`, `--service-file=x`, `--cold-start`,
// `--no-comment`, `--cold-start=false`), producing the same raw record the action adapter does. The help text
// comes from the same table as action.yml, so the two never disagree.
import { InputError } from "./errors.js";
import { INPUTS, findInput, type InputSpec } from "./inputs.js";
import { didYouMean } from "./suggest.js";
import { TOOL } from "../tool.js";
import { OUTPUT_FORMATS, type OutputFormat } from "./limits.js";

export type CliCommand = "run" | "cleanup" | "help" | "version";

export interface CliArgs {
  command: CliCommand;
  /** Input name → value, as the action adapter produces it (only flags that were given). */
  raw: Record<string, string>;
  /** Print the results document as JSON (--json, or --output=json). */
  json: boolean;
  /** What to print on stdout: --output text|markdown|json (default text). */
  output: OutputFormat;
  stateFile?: string;
  /** --kubeconfig-file, also in raw["kubeconfig-file"] (parseSettings reads and validates it). */
  kubeconfigPath?: string;
  /** What to print for help and version; empty for run and cleanup. */
  text: string;
}

export const DEFAULT_STATE_FILE = ".knative-perf-gate-state.json";
const COMMANDS: readonly CliCommand[] = ["run", "cleanup", "help", "version"];
const EXTRA_FLAGS = ["json", "state-file", "help", "version"];

/**
 * `env` supplies GITHUB_TOKEN when --github-token is not given (as the gh CLI does); nothing else is read from
 * the environment here.
 */
export function parseCliArgs(argv: string[], env: Record<string, string | undefined> = process.env): CliArgs {
  const args = [...argv];
  let command: CliCommand = "run";
  if (args.length === 0) command = "help";
  else if (!args[0].startsWith("-")) {
    const word = args.shift() as string;
    if (!(COMMANDS as readonly string[]).includes(word)) {
      throw new InputError("command", `unknown command "${word}"`, {
        hint: `${didYouMean(word, COMMANDS)}commands: ${COMMANDS.join(", ")}`,
      });
    }
    command = word as CliCommand;
  }
  if (args.includes("--help") || args.includes("-h")) command = "help";
  else if (args.includes("--version") || args.includes("-V")) command = "version";
  if (command === "help") return { command, raw: {}, json: false, output: "text", text: helpText() };
  if (command === "version")
    return { command, raw: {}, json: false, output: "text", text: `${TOOL.name} ${TOOL.version}\n` };

  const raw: Record<string, string> = {};
  let json = false;
  let stateFile: string | undefined;
  const flagNames = [...INPUTS.map((i) => i.name), ...EXTRA_FLAGS];
  while (args.length > 0) {
    const arg = args.shift() as string;
    if (!arg.startsWith("-")) {
      throw new InputError("command", `unexpected argument "${arg}"`, {
        hint: "every value follows its flag, e.g. --duration 30s (booleans: --cold-start=false)",
      });
    }
    const equals = arg.indexOf("=");
    const flag = (equals >= 0 ? arg.slice(0, equals) : arg).replace(/^--?/, "");
    const inline = equals >= 0 ? arg.slice(equals + 1) : undefined;
    const negated = flag.startsWith("no-") ? flag.slice(3) : undefined;
    const spec = findInput(flag);
    const negatedSpec = negated === undefined ? undefined : findInput(negated);

    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = args[0];
      if (next === undefined || next.startsWith("--")) {
        throw new InputError(`--${flag}`, "needs a value", {
          hint: `write --${flag} VALUE (or --${flag}=VALUE for a value that starts with --)`,
        });
      }
      return args.shift() as string;
    };

    if (flag === "json") {
      json = inline === undefined ? true : parseFlagBoolean(flag, inline);
    } else if (flag === "state-file") {
      stateFile = takeValue();
    } else if (negatedSpec?.boolean) {
      if (inline !== undefined)
        throw new InputError(`--${flag}`, "takes no value", { hint: `write --${negated}=${inline} instead` });
      setOnce(raw, negatedSpec, "false");
    } else if (spec?.boolean) {
      setOnce(raw, spec, inline === undefined ? "true" : inline);
    } else if (spec) {
      const value = takeValue();
      if (spec.multiline && raw[spec.name] !== undefined) raw[spec.name] = `${raw[spec.name]}\n${value}`;
      else setOnce(raw, spec, value);
    } else {
      throw new InputError(`--${flag}`, "unknown flag", {
        hint: `${didYouMean(flag, flagNames, (name) => `--${name}`)}run knative-perf-gate --help for every flag`,
      });
    }
  }
  if (raw["github-token"] === undefined && env.GITHUB_TOKEN) raw["github-token"] = env.GITHUB_TOKEN;
  const output = outputFormat(raw.output, json);
  return {
    command,
    raw,
    json: output === "json",
    output,
    stateFile,
    kubeconfigPath: raw["kubeconfig-file"],
    text: "",
  };
}

/** --output, with --json as its alias; both at once must agree. */
function outputFormat(given: string | undefined, json: boolean): OutputFormat {
  if (given === undefined || given === "") return json ? "json" : "text";
  if (!(OUTPUT_FORMATS as readonly string[]).includes(given)) {
    throw new InputError("--output", `"${given}" is not an output format`, {
      hint: `${didYouMean(given, OUTPUT_FORMATS)}use one of: ${OUTPUT_FORMATS.join(", ")}`,
    });
  }
  if (json && given !== "json") {
    throw new InputError("--json", `contradicts --output=${given}`, { hint: "give one of them" });
  }
  return given as OutputFormat;
}

function setOnce(raw: Record<string, string>, spec: InputSpec, value: string): void {
  if (raw[spec.name] !== undefined) {
    throw new InputError(`--${spec.name}`, "is given twice", { hint: "give it once" });
  }
  raw[spec.name] = value;
}

function parseFlagBoolean(flag: string, value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InputError(`--${flag}`, `"${value}" is not a boolean`, { hint: "use true or false" });
}

const VALUE_NAMES: Record<string, string> = {
  "service-file": "FILE",
  "kubeconfig-file": "FILE",
  baseline: "FILE",
  "results-file": "FILE",
  "benchmark-file": "FILE",
  output: "text|markdown|json",
  "ready-timeout": "DURATION",
  duration: "DURATION",
  warmup: "DURATION",
  "request-timeout": "DURATION",
  "cold-start-timeout": "DURATION",
  connections: "N",
  rate: "N",
  requests: "N",
  url: "URL",
  gateway: "HOST:PORT",
  headers: "'NAME: VALUE'",
  thresholds: "RULES",
};

function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

export function helpText(): string {
  const column = 34;
  const row = (left: string, description: string): string =>
    `  ${left.padEnd(column - 2)}${left.length > column - 3 ? `\n${" ".repeat(column)}` : ""}${wrap(description, 110 - column, column)}`;
  const flags = INPUTS.map((spec) => {
    const left = spec.boolean ? `--[no-]${spec.name}` : `--${spec.name} ${VALUE_NAMES[spec.name] ?? "VALUE"}`;
    const notes: string[] = [];
    if (spec.required) notes.push("required");
    if (spec.default !== undefined && !spec.default.startsWith("${{")) notes.push(`default: ${spec.default}`);
    if (spec.multiline) notes.push("repeat the flag for more lines");
    return row(left, `${spec.description}${notes.length ? ` [${notes.join("; ")}]` : ""}`);
  });
  return [
    `${TOOL.name} ${TOOL.version}: deploy a Knative Service, load-test it, watch its pods, and gate on the result.`,
    "",
    "Usage:",
    `  ${TOOL.name} run --service-file FILE [flags]`,
    `  ${TOOL.name} cleanup [--state-file FILE] [--kubeconfig-file FILE]   (undo a run that was interrupted)`,
    `  ${TOOL.name} help | version`,
    "",
    "Flags (the GitHub Action's inputs, same names and defaults):",
    ...flags,
    "",
    "Other flags:",
    row("--json", "Short for --output=json."),
    row("--state-file FILE", `What a run must clean up, for cleanup [default: ${DEFAULT_STATE_FILE}].`),
    row("-h, --help", "Show this text."),
    row("-V, --version", "Show the version."),
    "",
    "Durations: 1500ms, 30s, 2m, 1h, 1m30s. Booleans: --flag, --no-flag or --flag=true|false.",
    "Exit codes: 0 passed, 1 gate failed, 2 invalid input, 3 could not finish (cluster, Ready, cancel), 4 bug.",
    "",
  ].join("\n");
}
