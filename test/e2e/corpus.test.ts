// Every bad-input case of test/corpus/ replayed through the real CLI (runCli, flags named like the inputs) with
// a running simulator as the default cluster: each must exit 2 (or 3 when the cluster cannot be reached) with
// a message naming the input, and the simulator must not see a single request, let alone a write. Then the
// ways a cluster can be unreachable or refuse us, which must end in exit 3 with a clear message, never a hang.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { runCli } from "../../src/cli.js";
import { kubeconfigYaml } from "../sim/api/kubeconfig.js";
import { auditLog, clearAudit, startSim, workDir, type AuditEntry, type Sim } from "./harness.js";
import { corpusCases, type CorpusCase } from "../corpus/cases.js";

const SERVICE = resolve("examples/helloworld-service.yaml");
const cases = corpusCases;

let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ profile: "ask" });
});
afterAll(async () => {
  await sim?.stop();
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * runCli in `cwd` (inputs name files relative to the working directory, as in a workflow) with `env` applied;
 * KUBECONFIG is the simulator's unless `env` says otherwise, so an input that slipped through validation would
 * reach the simulator and show in its audit log.
 */
async function runIn(
  cwd: string,
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<Outcome> {
  const applied: Record<string, string | undefined> = {
    KUBECONFIG: sim.kubeconfig,
    GITHUB_TOKEN: undefined,
    ...env,
  };
  const saved = Object.fromEntries(Object.keys(applied).map((key) => [key, process.env[key]]));
  const setEnv = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  const previousCwd = process.cwd();
  let stdout = "";
  let stderr = "";
  process.chdir(cwd);
  setEnv(applied);
  const started = Date.now();
  try {
    const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr, ms: Date.now() - started };
  } finally {
    process.chdir(previousCwd);
    setEnv(saved);
  }
}

function caseDir(testCase: CorpusCase): string {
  const dir = mkdtempSync(join(tmpdir(), "kpg-corpus-e2e-"));
  for (const [path, content] of Object.entries(testCase.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const writes = (entries: AuditEntry[]) => entries.filter((e) => !["get", "list", "watch"].includes(e.verb));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("the bad-input corpus through the CLI, with a simulator as the default cluster", () => {
  it.each(cases)("%s", async (name, testCase) => {
    const dir = caseDir(testCase);
    try {
      await clearAudit(sim);
      const argv = [
        "run",
        ...Object.entries(testCase.inputs).map(([input, value]) => `--${input}=${value}`),
        `--state-file=${join(dir, "state.json")}`,
      ];
      const run = await runIn(dir, argv);
      const { exitCode, input, message } = testCase.expect;
      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: exitCode,
        stderr: expect.stringMatching(/^error: /m),
      });
      expect(run.stderr).toMatch(new RegExp(message));
      if (input) expect(run.stderr).toMatch(new RegExp(`(^|\\n)error: (--)?${escape(input)}: `));
      // Input errors are found before anything talks to a cluster: not a read, not a write.
      const seen = await auditLog(sim);
      if (exitCode === 2) expect(seen).toEqual([]);
      expect(writes(seen)).toEqual([]);
      // No cleanup plan: nothing was changed that would need undoing.
      expect(existsSync(join(dir, "state.json"))).toBe(false);
      // The corpus's kubeconfigs carry a token; an error message must never repeat it.
      expect(run.stdout + run.stderr).not.toContain("corpus-token-not-a-secret");
      expect(run.ms).toBeLessThan(15_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["a flag given twice", ["--duration=1s", "--duration=2s"], /^error: --duration: is given twice/m],
    ["a flag without its value", ["--duration"], /^error: --duration: needs a value/m],
    ["an unknown command", ["runn"], /^error: command: unknown command "runn"; did you mean "run"/m],
  ])("CLI usage errors are input errors too: %s", async (_what, extra, message) => {
    const dir = workDir();
    await clearAudit(sim);
    const argv = extra[0] === "runn" ? extra : ["run", `--service-file=${SERVICE}`, ...extra];
    const run = await runIn(dir, argv);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
    expect(await auditLog(sim)).toEqual([]);
  });

  it("has at least 60 cases, among them an unreachable API server", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(cases.filter(([, c]) => c.expect.exitCode === 3).length).toBeGreaterThanOrEqual(1);
  });
});

/** A kubeconfig for `server` with a bearer token, written to a fresh file. */
function kubeconfigFile(server: string, token = "unreachable-token-0123456789"): string {
  const file = join(workDir(), "kubeconfig");
  writeFileSync(file, kubeconfigYaml(server, { token }), { mode: 0o600 });
  return file;
}

const runArgs = (dir: string) => [
  "run",
  `--service-file=${SERVICE}`,
  "--no-comment",
  `--state-file=${join(dir, "state.json")}`,
  `--results-file=${join(dir, "results.json")}`,
];

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  return (server.address() as { port: number }).port;
}

describe("a cluster that cannot be reached or refuses us: exit 3, a clear message, no hang", () => {
  it("a closed port: connection refused, named with the server's address", async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise<void>((done) => probe.close(() => done()));
    const dir = workDir();
    const run = await runIn(dir, runArgs(dir), { KUBECONFIG: kubeconfigFile(`http://127.0.0.1:${port}`) });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      new RegExp(`cannot reach the Kubernetes API at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    expect(run.ms).toBeLessThan(10_000);
    expect(existsSync(join(dir, "state.json"))).toBe(false);
  });

  it("a server that accepts the connection and never answers: gives up within the connect timeout", async () => {
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => void sockets.add(socket));
    const port = await listen(blackHole);
    try {
      const dir = workDir();
      const run = await runIn(dir, runArgs(dir), { KUBECONFIG: kubeconfigFile(`http://127.0.0.1:${port}`) });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        new RegExp(
          `cannot reach the Kubernetes API at http://127\\.0\\.0\\.1:${port}: .*no answer within \\d+ s`,
        ),
      );
      expect(run.ms).toBeLessThan(30_000);
      expect(existsSync(join(dir, "state.json"))).toBe(false);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => blackHole.close(() => done()));
    }
  });

  it("something that is not a Kubernetes API server on that port", async () => {
    const web = createHttpServer((_req, res) =>
      res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not Found</h1>"),
    );
    const port = await listen(web);
    try {
      const dir = workDir();
      const run = await runIn(dir, runArgs(dir), { KUBECONFIG: kubeconfigFile(`http://127.0.0.1:${port}`) });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        new RegExp(
          `cannot reach the Kubernetes API at http://127\\.0\\.0\\.1:${port}: .*404.*not a Kubernetes API server, or Knative Serving is not installed`,
        ),
      );
      expect(run.ms).toBeLessThan(10_000);
    } finally {
      await new Promise<void>((done) => web.close(() => done()));
    }
  });

  it("a token the API server does not know: 401, no write, and the token is not repeated", async () => {
    sim.api.setAuth({ tokens: { "known-token-abcdefgh": "ci" }, admins: ["ci"] });
    try {
      await clearAudit(sim);
      const dir = workDir();
      const token = "stolen-or-expired-token-0123456789";
      const run = await runIn(dir, runArgs(dir), { KUBECONFIG: kubeconfigFile(sim.apiServer, token) });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/cannot reach the Kubernetes API at .*(Unauthorized|401)/);
      expect(run.stdout + run.stderr).not.toContain(token);
      const seen = await auditLog(sim);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((e) => e.status === 401)).toBe(true);
      expect(writes(seen)).toEqual([]);
    } finally {
      sim.api.setAuth(undefined);
    }
  });

  it("KUBECONFIG names a file that is not a kubeconfig: exit 3 naming kubeconfig", async () => {
    const dir = workDir();
    const file = join(dir, "broken");
    writeFileSync(file, "clusters: [ this is not\n");
    const run = await runIn(dir, runArgs(dir), { KUBECONFIG: file });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: kubeconfig: cannot be loaded: /m);
  });

  it("no kubeconfig anywhere: exit 3 saying where it looked", async () => {
    const dir = workDir();
    const run = await runIn(dir, runArgs(dir), {
      KUBECONFIG: join(dir, "absent"),
      HOME: dir,
      KUBERNETES_SERVICE_HOST: undefined,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/kubeconfig/);
    expect(run.ms).toBeLessThan(10_000);
  });
});
