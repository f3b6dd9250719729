// The CLI adapter: flags named like the action's inputs, booleans, repeated multi-line flags, help from the
// inputs table, and unknown flags refused with a suggestion.
import { readFileSync } from "node:fs";
import { DEFAULT_STATE_FILE, helpText, parseCliArgs } from "../../src/config/cli-args.js";
import { InputError } from "../../src/config/errors.js";
import { INPUTS } from "../../src/config/inputs.js";
import { parseSettings } from "../../src/config/parse.js";

const parse = (...argv: string[]) => parseCliArgs(argv, {});

function errorOf(argv: string[]): InputError {
  try {
    parseCliArgs(argv, {});
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

describe("parseCliArgs", () => {
  it("reads --name value and --name=value", () => {
    expect(parse("run", "--service-file", "svc.yaml", "--duration=1m", "--path=/a=b")).toEqual({
      command: "run",
      raw: { "service-file": "svc.yaml", duration: "1m", path: "/a=b" },
      json: false,
      output: "text",
      stateFile: undefined,
      kubeconfigPath: undefined,
      text: "",
    });
  });

  it("treats flags without a command as run", () => {
    expect(parse("--service-file", "svc.yaml").command).toBe("run");
  });

  it.each([
    [["--cold-start"], "true"],
    [["--no-cold-start"], "false"],
    [["--cold-start=false"], "false"],
    [["--cold-start=TRUE"], "TRUE"],
  ])("boolean %j → %s", (argv, value) => {
    expect(parse("run", ...argv).raw["cold-start"]).toBe(value);
  });

  it("joins repeated multi-line flags with newlines", () => {
    const { raw } = parse(
      "run",
      "--thresholds",
      "p99 < 1s",
      "--thresholds",
      "rps >= 5",
      "--headers=A: 1",
      "--headers",
      "B: 2",
    );
    expect(raw).toEqual({ thresholds: "p99 < 1s\nrps >= 5", headers: "A: 1\nB: 2" });
  });

  it("reads --json, --state-file and --kubeconfig-file", () => {
    const args = parse("run", "--json", "--state-file", "s.json", "--kubeconfig-file", "kc.yaml");
    expect(args).toMatchObject({
      json: true,
      stateFile: "s.json",
      kubeconfigPath: "kc.yaml",
      raw: { "kubeconfig-file": "kc.yaml" },
    });
  });

  it("supports cleanup with a state file and kubeconfig", () => {
    expect(parse("cleanup", "--state-file=x.json", "--kubeconfig", "apiVersion: v1")).toMatchObject({
      command: "cleanup",
      stateFile: "x.json",
      raw: { kubeconfig: "apiVersion: v1" },
    });
  });

  it("takes the token from GITHUB_TOKEN unless --github-token is given", () => {
    expect(parseCliArgs(["run"], { GITHUB_TOKEN: "ghp_env" }).raw["github-token"]).toBe("ghp_env");
    expect(
      parseCliArgs(["run", "--github-token", "ghp_flag"], { GITHUB_TOKEN: "ghp_env" }).raw["github-token"],
    ).toBe("ghp_flag");
  });

  it.each([[[]], [["help"]], [["--help"]], [["run", "--service-file", "x", "-h"]], [["--bogus", "--help"]]])(
    "%j shows help",
    (argv) => {
      const args = parseCliArgs(argv, {});
      expect(args.command).toBe("help");
      expect(args.text).toBe(helpText());
    },
  );

  it.each([[["version"]], [["--version"]], [["-V"]]])("%j shows the version", (argv) => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(parseCliArgs(argv, {})).toMatchObject({
      command: "version",
      text: `knative-perf-gate ${version}\n`,
    });
  });

  it.each([
    [
      ["run", "--servce-file", "x"],
      "--servce-file",
      /unknown flag; did you mean --service-file\? run knative-perf-gate --help/,
    ],
    [["run", "--treshold=p99 < 1s"], "--treshold", /did you mean --thresholds\?/],
    [["run", "--no-duration"], "--no-duration", /unknown flag/],
    [["run", "--no-cold-start=true"], "--no-cold-start", /takes no value; write --cold-start=true instead/],
    [["run", "--duration"], "--duration", /needs a value/],
    [
      ["run", "--duration", "--json"],
      "--duration",
      /needs a value; write --duration VALUE \(or --duration=VALUE/,
    ],
    [["run", "--duration", "1s", "--duration", "2s"], "--duration", /is given twice/],
    [["run", "--cold-start", "--cold-start"], "--cold-start", /is given twice/],
    [["run", "--cold-start", "false"], "command", /unexpected argument "false"; .*--cold-start=false/],
    [["rnu"], "command", /unknown command "rnu"; did you mean "run"\? commands: run, cleanup, help, version/],
    [["run", "--json=maybe"], "--json", /"maybe" is not a boolean/],
  ])("%j is refused naming %s", (argv, input, message) => {
    const error = errorOf(argv);
    expect(error.input).toBe(input);
    expect(error.message.startsWith(`${input}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it("produces raw inputs that parseSettings validates like the action's", () => {
    const { raw } = parse(
      "run",
      "--service-file",
      "examples/helloworld-service.yaml",
      "--no-comment",
      "--connections",
      "8",
    );
    const settings = parseSettings(raw, { readFile: (path) => readFileSync(path, "utf8") });
    expect(settings).toMatchObject({
      serviceName: "helloworld-go",
      comment: false,
      load: { connections: 8 },
    });
    expect(() =>
      parseSettings(
        parse("run", "--service-file", "examples/helloworld-service.yaml", "--cold-start=yes").raw,
        { readFile: (p) => readFileSync(p, "utf8") },
      ),
    ).toThrow(/^cold-start: "yes" is not a boolean/);
  });
});

describe("helpText", () => {
  const help = helpText();
  const oneLine = help.replace(/\n\s+/g, " ");

  it("lists every input as a flag with its description and default", () => {
    for (const input of INPUTS) {
      expect(help).toMatch(new RegExp(`--(\\[no-\\])?${input.name}\\b`));
      expect(oneLine).toContain(input.description);
      if (input.default !== undefined && !input.default.startsWith("${{"))
        expect(oneLine).toContain(`default: ${input.default}`);
    }
  });

  it("shows the extra flags, the exit codes and stays within 110 columns", () => {
    expect(help).toContain("--json");
    expect(oneLine).toContain(`[default: ${DEFAULT_STATE_FILE}]`);
    expect(help).toContain(
      "Exit codes: 0 passed, 1 gate failed, 2 invalid input, 3 could not finish (cluster, Ready, cancel), 4 bug.",
    );
    for (const line of help.split("\n")) expect(line.length).toBeLessThanOrEqual(110);
  });
});
