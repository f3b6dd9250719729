// Hostile files through the real CLI with a simulator as the default cluster: a YAML alias bomb and 200 MB files
// named by service-file, baseline and kubeconfig-file. Each must end in exit 2 within a second, naming the input,
// with the simulator seeing no request at all, and without reading the big files into memory.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCli } from "../../src/cli.js";
import { corpusCases } from "../corpus/cases.js";
import { auditLog, clearAudit, startSim, type Sim } from "./harness.js";

const SERVICE = resolve("examples/helloworld-service.yaml");
const BIG = 200 * 1024 * 1024;

let sim: Sim;
let dir: string;
beforeAll(async () => {
  sim = await startSim();
  dir = mkdtempSync(join(tmpdir(), "kpg-hostile-"));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await sim?.stop();
});

/** A 200 MB file of zeros that takes no disk space (sparse), so the test can make one anywhere. */
function bigFile(name: string): string {
  const path = join(dir, name);
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, BIG);
  } finally {
    closeSync(fd);
  }
  return path;
}

async function run(flags: string[]) {
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = sim.kubeconfig;
  let stderr = "";
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  try {
    const code = await runCli(["run", ...flags, `--state-file=${join(dir, "state.json")}`], {
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
    });
    return {
      code,
      stderr,
      ms: performance.now() - started,
      rssGrowth: process.memoryUsage().rss - rssBefore,
    };
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
}

describe("hostile files: exit 2 within a second, naming the input, no cluster request", () => {
  beforeEach(() => clearAudit(sim));

  it("a YAML alias bomb (ten levels of ten aliases) in the service file", async () => {
    const bomb = corpusCases.find(([name]) => name === "yaml-alias-bomb")![1].files["service.yaml"];
    expect(Buffer.byteLength(bomb)).toBeLessThan(1024);
    const file = join(dir, "bomb.yaml");
    writeFileSync(file, bomb);
    const outcome = await run([`--service-file=${file}`]);
    expect(outcome).toMatchObject({ code: 2 });
    expect(outcome.stderr).toMatch(
      /^error: service-file: line 11, column 10: aliases expand the document to more than 1024 KiB/m,
    );
    expect(outcome.ms).toBeLessThan(1000);
    expect(await auditLog(sim)).toEqual([]);
  });

  it.each([
    ["service-file", (path: string) => [`--service-file=${path}`], /"[^"]+" is larger than 1024 KiB/],
    [
      "baseline",
      (path: string) => [`--service-file=${SERVICE}`, `--baseline=${path}`, "--max-regression=p99: 10%"],
      /"[^"]+" is larger than 16 MiB/,
    ],
    [
      "kubeconfig-file",
      (path: string) => [`--service-file=${SERVICE}`, `--kubeconfig-file=${path}`],
      /"[^"]+" is larger than 4 MiB/,
    ],
  ])(
    "a 200 MB file named by %s is refused after reading past its limit only",
    async (input, flags, message) => {
      const outcome = await run(flags(bigFile(`${input}.big`)));
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(new RegExp(`^error: ${input}: ${message.source}`, "m"));
      expect(outcome.ms).toBeLessThan(1000);
      // Reading the whole file would add ~200 MB (twice that as a string); the limit + 1 bytes add a few MB.
      expect(outcome.rssGrowth).toBeLessThan(64 * 1024 * 1024);
      expect(await auditLog(sim)).toEqual([]);
    },
  );
});
