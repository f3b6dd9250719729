// The bundled CLI on a Node older than it supports: the user's `node` may be anything (a Debian or runner image
// ships Node 20), and the bundle would die deep inside with "Cannot read properties of undefined (reading
// 'bind')". dist/cli.js must refuse at once, before any other output, with exit 2. Needs the built dist/.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";

const engines = (JSON.parse(readFileSync("package.json", "utf8")) as { engines: { node: string } }).engines
  .node;
const floor = /^>=(\d+\.\d+\.\d+)$/.exec(engines)?.[1] ?? "";

function older(version: string, than: string): boolean {
  const a = version.split(".").map(Number);
  const b = than.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** Every `node` on the PATH (npm's node_modules/.bin ones included) and in the usual places, deduplicated. */
function nodesOnMachine(): { path: string; version: string }[] {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/local/bin", "/usr/bin"];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const bin = join(dir, "node");
    if (!dir || !existsSync(bin)) continue;
    const real = realpathSync(bin);
    if (seen.has(real)) continue;
    seen.set(real, execFileSync(bin, ["-p", "process.versions.node"], { encoding: "utf8" }).trim());
  }
  return [...seen].map(([path, version]) => ({ path, version }));
}

function runCliWith(node: string, nodeArgs: string[], args: string[]) {
  return spawnSync(node, [...nodeArgs, "dist/cli.js", ...args], {
    encoding: "utf8",
    // A kubeconfig that does not exist: were the check to let the run through, it would fail differently.
    env: { PATH: process.env.PATH ?? "", KUBECONFIG: "/nonexistent/kubeconfig" },
    timeout: 30_000,
  });
}

/** Node 24 pretending to be another version: the boundary, on any machine. */
function pretending(version: string): string[] {
  const code =
    `Object.defineProperty(process, "versions", { value: { ...process.versions, node: "${version}" } });` +
    `Object.defineProperty(process, "version", { value: "v${version}" });`;
  return ["--import", `data:text/javascript,${encodeURIComponent(code)}`];
}

const runArgs = ["run", "--service-file=examples/helloworld-service.yaml", "--gateway=127.0.0.1:9"];

describe("the Node version check in dist/cli.js", () => {
  it("package.json's engines is a plain floor, and the README states the same one", () => {
    expect(floor).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readFileSync("README.md", "utf8")).toContain(`Node.js >= ${floor}`);
  });

  const old = nodesOnMachine().filter((node) => older(node.version, floor));
  // This machine's and GitHub's Ubuntu runners' `node` is 20; a machine with no older Node has nothing to show.
  (old.length > 0 ? it : it.skip)(
    `a real older Node on this machine (${old.map((n) => `${n.path} v${n.version}`).join(", ") || "none found"}) gets the message and exit 2, nothing else`,
    () => {
      for (const node of old) {
        const run = runCliWith(node.path, [], runArgs);
        expect({ node: node.path, status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
          node: node.path,
          status: 2,
          stdout: "",
          stderr: `knative-perf-gate needs Node.js >= ${floor} (this is v${node.version})\n`,
        });
      }
    },
  );

  it("refuses the version just below the floor and lets the floor itself through", () => {
    const [major, minor, patch] = floor.split(".").map(Number) as [number, number, number];
    const below =
      patch > 0
        ? `${major}.${minor}.${patch - 1}`
        : minor > 0
          ? `${major}.${minor - 1}.99`
          : `${major - 1}.99.99`;
    const refused = runCliWith(process.execPath, pretending(below), runArgs);
    expect({ status: refused.status, stdout: refused.stdout, stderr: refused.stderr }).toEqual({
      status: 2,
      stdout: "",
      stderr: `knative-perf-gate needs Node.js >= ${floor} (this is v${below})\n`,
    });
    const allowed = runCliWith(process.execPath, pretending(floor), ["--version"]);
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toMatch(/^knative-perf-gate \d+\.\d+\.\d+/);
    expect(allowed.stderr).toBe("");
  });
});
