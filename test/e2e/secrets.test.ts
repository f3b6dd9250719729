// Secrets never leak: the bundled action runs the GitHub way (INPUT_* with a kubeconfig whose user has a bearer
// token, a github-token, a pull request event, the fake GitHub API) and every artifact of the run is searched
// for the secret values: the main and post steps' logs (the runner hides only what was announced with
// ::add-mask::), outputs, state, job summary, results file, the pull request comment and every request body
// GitHub received, and every file in the working directory. The CLI is searched the same way.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../src/cli.js";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github-server.js";
import { kubeconfigYaml } from "../sim/api/kubeconfig.js";
import { inputEnv, parseFileCommands, runnerFiles } from "./github-runner.js";
import { freshNamespace, runDist, startSim, workDir, type Sim } from "./harness.js";

const KUBE_TOKEN = `kpg-kube-token-${randomBytes(16).toString("hex")}`;
const GITHUB_TOKEN = `ghs_${randomBytes(18).toString("hex")}`;
const ADMIN_TOKEN = `admin-${randomBytes(8).toString("hex")}`;

let sim: Sim;
let gh: FakeGitHub;
let kubeconfig: string;
beforeAll(async () => {
  sim = await startSim({ profile: "ask" });
  sim.api.setAuth({
    tokens: {
      [KUBE_TOKEN]: "system:serviceaccount:perf:knative-perf-gate",
      [ADMIN_TOKEN]: "kubernetes-admin",
    },
    admins: ["system:serviceaccount:perf:knative-perf-gate"],
  });
  kubeconfig = kubeconfigYaml(sim.apiServer, { token: KUBE_TOKEN, name: "ci" });
  gh = await startFakeGitHub({ basePath: "/api/v3", token: GITHUB_TOKEN });
});
afterAll(async () => {
  await gh?.close();
  await sim?.stop();
});

/** Every form a secret could leak in: as is, each line of a multi-line one, base64. */
function secretForms(): Array<[string, string]> {
  const forms: Array<[string, string]> = [
    ["kube token", KUBE_TOKEN],
    ["github token", GITHUB_TOKEN],
    ["kubeconfig", kubeconfig],
    ["kube token (base64)", Buffer.from(KUBE_TOKEN).toString("base64")],
    ["github token (base64)", Buffer.from(GITHUB_TOKEN).toString("base64")],
    ["kubeconfig (base64)", Buffer.from(kubeconfig).toString("base64")],
  ];
  const userLine = kubeconfig.split("\n").find((line) => line.includes(KUBE_TOKEN));
  if (userLine) forms.push(["kubeconfig's token line", userLine.trim()]);
  return forms;
}

function expectNoSecret(where: string, text: string): void {
  for (const [what, value] of secretForms()) {
    if (text.includes(value)) throw new Error(`${what} found in ${where}`);
  }
}

/** Every file under `dir`, path → text. */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(out, filesUnder(path));
    else out[path] = readFileSync(path, "utf8");
  }
  return out;
}

/** What the runner shows: the log minus the ::add-mask:: commands themselves (it swallows those lines). */
const visibleLog = (text: string) =>
  text
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::"))
    .join("\n");

describe("the action, the GitHub way, with a token kubeconfig and a github-token", () => {
  it("masks both and leaves neither in any log, output, state, summary, results file, comment or request", async () => {
    const dir = workDir();
    const files = runnerFiles(dir);
    const eventPath = join(dir, "event.json");
    writeFileSync(
      eventPath,
      JSON.stringify({
        pull_request: { number: 7, head: { sha: "0123456789abcdef0123456789abcdef01234567" } },
      }),
    );
    // GitHub answers the comment's first write with a secondary rate limit: its retry must not log the token.
    gh.secondaryRateLimit({ times: 1, retryAfterSeconds: 1, method: "POST" });
    const env = {
      ...inputEnv({
        "service-file": "examples/helloworld-service.yaml",
        namespace: freshNamespace(),
        "create-namespace": "true",
        kubeconfig,
        gateway: sim.gateway,
        duration: "1s",
        connections: "5",
        warmup: "0s",
        thresholds: "errors < 1%",
        "private-zone": "enable",
        "results-file": join(dir, "results.json"),
        comment: "true",
        "github-token": GITHUB_TOKEN,
      }),
      ...files,
      GITHUB_REPOSITORY: "acme/app",
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_API_URL: gh.baseUrl,
      GITHUB_REF: "refs/pull/7/merge",
      GITHUB_SHA: "fedcba9876543210fedcba9876543210fedcba98",
      GITHUB_RUN_ID: "4242",
    };
    const main = await runDist("dist/main.js", [], env);
    expect(main.stdout).not.toMatch(/::error::/);
    expect(main.code).toBe(0);
    // Masked as soon as read: the token on its own, the github-token, and the kubeconfig as a whole.
    const masks = main.stdout.split("\n").filter((line) => line.startsWith("::add-mask::"));
    expect(masks).toContain(`::add-mask::${KUBE_TOKEN}`);
    expect(masks).toContain(`::add-mask::${GITHUB_TOKEN}`);
    expect(masks.some((line) => line.length > 200 && line.includes(KUBE_TOKEN))).toBe(true);
    const firstMask = main.stdout.indexOf("::add-mask::");
    expect(main.stdout.slice(0, firstMask)).toBe("");

    const outputs = parseFileCommands(readFileSync(files.GITHUB_OUTPUT, "utf8"));
    expect(outputs.passed).toBe("true");
    expect(outputs["comment-url"]).toMatch(/\/acme\/app\/pull\/7#issuecomment-\d+$/);
    const comments = gh.comments("acme", "app", 7);
    expect(comments).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([403, 201]);
    expect(main.stdout).toMatch(/rate limited \(403\); retry 1 of \d+ in 1\.0 s/);

    const state = parseFileCommands(readFileSync(files.GITHUB_STATE, "utf8"));
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const post = await runDist("dist/post.js", [], { ...env, ...stateEnv });
    expect(post.code).toBe(0);

    expectNoSecret("the main step's log", visibleLog(main.stdout) + main.stderr);
    expectNoSecret("the post step's log", visibleLog(post.stdout) + post.stderr);
    for (const [path, text] of Object.entries(filesUnder(dir))) {
      if (path !== eventPath) expectNoSecret(path, text);
    }
    for (const comment of comments) expectNoSecret(`comment ${comment.id}`, comment.body);
    for (const request of gh.requests) {
      expectNoSecret(`GitHub request ${request.method} ${request.path}`, JSON.stringify(request.body ?? ""));
    }
    // The comment was written with the token, not anonymously.
    expect(
      gh.requests.filter((r) => r.method === "POST").every((r) => r.authorization?.endsWith(GITHUB_TOKEN)),
    ).toBe(true);
  });
});

describe("the CLI with --kubeconfig and --github-token", () => {
  it("never writes them to its output, log, results file or state file", async () => {
    const dir = workDir();
    let stdout = "";
    let stderr = "";
    const code = await runCli(
      [
        "run",
        "--service-file=examples/helloworld-service.yaml",
        `--namespace=${freshNamespace()}`,
        "--create-namespace",
        `--kubeconfig=${kubeconfig}`,
        `--github-token=${GITHUB_TOKEN}`,
        `--gateway=${sim.gateway}`,
        "--duration=1s",
        "--warmup=0s",
        "--private-zone=enable",
        `--results-file=${join(dir, "results.json")}`,
        `--state-file=${join(dir, "state.json")}`,
        "--json",
      ],
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    );
    expect(stderr).not.toMatch(/^error: /m);
    expect(code).toBe(0);
    expectNoSecret("stdout", stdout);
    expectNoSecret("stderr", stderr);
    const written = filesUnder(dir);
    expect(Object.keys(written).sort()).toEqual([join(dir, "results.json"), join(dir, "state.json")]);
    for (const [path, text] of Object.entries(written)) expectNoSecret(path, text);
  });

  it("a token the cluster refuses is not repeated in the error", async () => {
    const dir = workDir();
    const wrong = kubeconfig.replace(KUBE_TOKEN, `${KUBE_TOKEN}-revoked`);
    let stderr = "";
    const code = await runCli(
      [
        "run",
        "--service-file=examples/helloworld-service.yaml",
        `--kubeconfig=${wrong}`,
        `--state-file=${join(dir, "state.json")}`,
        `--results-file=${join(dir, "results.json")}`,
      ],
      { stdout: () => {}, stderr: (t) => (stderr += t) },
    );
    expect(code).toBe(3);
    expect(stderr).toMatch(/Unauthorized|401/);
    expectNoSecret("stderr", stderr);
    expect(stderr).not.toContain("-revoked");
  });
});
