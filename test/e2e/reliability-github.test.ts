// GitHub failing on the pull request comment never changes the gate's verdict: a real run's results document
// (from the simulator) is published against the fake GitHub API while it answers 403 (read-only token), 401,
// 404, 5xx (once, and for good) and secondary rate limits. Every time the results file and the outputs say
// what the run found, the document is untouched, and a failure is one warning. Then the bundled action with a
// read-only token: the step still succeeds.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { publishResults, type PublishOptions } from "../../src/report/publish.js";
import type { ResultsDocument } from "../../src/results.js";
import { SECONDARY_RATE_LIMIT_MESSAGE, startFakeGitHub, type FakeGitHub } from "../fakes/github-server.js";
import { cli, freshNamespace, gateArgs, runDist, startSim, workDir, type Sim } from "./harness.js";
import { inputEnv, runnerFiles } from "./github-runner.js";

let sim: Sim;
let doc: ResultsDocument;
let dir: string;
const saved = { output: process.env.GITHUB_OUTPUT, summary: process.env.GITHUB_STEP_SUMMARY };

beforeAll(async () => {
  sim = await startSim({ profile: "ask" });
  const run = await cli(sim, gateArgs(sim, workDir(), ["--thresholds=errors < 1%", "--duration=1s"]));
  expect(run.code).toBe(0);
  doc = run.doc!;
  dir = workDir();
  // @actions/core keeps the first summary path it sees: one path for the whole file, emptied per test.
  process.env.GITHUB_STEP_SUMMARY = join(dir, "summary.md");
  process.env.GITHUB_OUTPUT = join(dir, "output");
});
afterAll(async () => {
  await sim?.stop();
  for (const [key, value] of [
    ["GITHUB_OUTPUT", saved.output],
    ["GITHUB_STEP_SUMMARY", saved.summary],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub({ basePath: "/api/v3", token: "ghs_fake_token_for_tests" });
  writeFileSync(process.env.GITHUB_STEP_SUMMARY!, "");
  writeFileSync(process.env.GITHUB_OUTPUT!, "");
});
afterEach(() => gh.close());

function outputs(): Record<string, string> {
  const text = readFileSync(process.env.GITHUB_OUTPUT!, "utf8");
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n?\2$/gm)) values[match[1]] = match[3];
  return values;
}

async function publish(over: Partial<PublishOptions> = {}) {
  const lines = { info: [] as string[], warn: [] as string[] };
  const before = JSON.stringify(doc);
  const resultsFile = join(dir, `results-${Date.now()}.json`);
  const result = await publishResults(doc, {
    resultsFile,
    comment: true,
    token: "ghs_fake_token_for_tests",
    context: { owner: "acme", repo: "app", pr: 42, apiUrl: gh.baseUrl },
    log: { info: (l) => lines.info.push(l), warn: (l) => lines.warn.push(l) },
    retry: { baseDelayMs: 10, rateLimitDelayMs: 10, maxDelayMs: 2000 },
    ...over,
  });
  // The verdict is the run's: the document, the results file and the outputs all still say it passed.
  expect(JSON.stringify(doc)).toBe(before);
  expect(JSON.parse(readFileSync(resultsFile, "utf8")).passed).toBe(true);
  expect(outputs().passed).toBe("true");
  expect(outputs().requests).toBe(String(doc.load!.requests));
  return { result, lines, comments: gh.comments("acme", "app", 42) };
}

describe("the comment fails, the verdict stands", () => {
  it("403 on writes (a fork's read-only token): one warning, no comment", async () => {
    gh.readOnly();
    const { result, lines, comments } = await publish();
    expect(comments).toEqual([]);
    expect(result.commentUrl).toBeUndefined();
    expect(lines.warn).toHaveLength(1);
    expect(lines.warn[0]).toMatch(/verdict is not affected/);
    expect(outputs()["comment-url"]).toBe("");
  });

  it("401 (a wrong token): one warning, no comment", async () => {
    const { lines, comments } = await publish({ token: "ghs_wrong" });
    expect(comments).toEqual([]);
    expect(lines.warn).toHaveLength(1);
    expect(lines.warn[0]).not.toContain("ghs_wrong");
  });

  it("404 (the pull request or repository is not there): one warning, no comment", async () => {
    gh.fail({ status: 404, method: "GET", path: /\/issues\/42\/comments$/, times: 10, message: "Not Found" });
    const { lines, comments } = await publish();
    expect(comments).toEqual([]);
    expect(lines.warn).toHaveLength(1);
  });

  it("a 502 once: retried, one comment, no warning", async () => {
    gh.fail({ status: 502, method: "GET", path: /\/issues\/42\/comments$/, times: 1 });
    const { result, lines, comments } = await publish();
    expect(comments).toHaveLength(1);
    expect(result.commentUrl).toBe(comments[0].html_url);
    expect(lines.warn).toEqual([]);
  });

  it("a 502 after GitHub created the comment: looked up again, not duplicated", async () => {
    gh.fail({ status: 502, method: "POST", path: /\/issues\/42\/comments$/, times: 1, commit: true });
    const { lines, comments } = await publish();
    expect(comments).toHaveLength(1);
    expect(lines.warn).toEqual([]);
  });

  it("5xx for good: bounded retries, then one warning", async () => {
    gh.fail({ status: 503, times: 100 });
    const started = Date.now();
    const { lines, comments } = await publish();
    expect(comments).toEqual([]);
    expect(lines.warn).toHaveLength(1);
    expect(gh.requests.length).toBeLessThanOrEqual(8);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a secondary rate limit with retry-after: waits that long, then writes the comment", async () => {
    gh.secondaryRateLimit({ times: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const { lines, comments } = await publish();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(comments).toHaveLength(1);
    expect(lines.warn).toEqual([]);
    expect(gh.requests.some((r) => r.status === 403)).toBe(true);
  });

  it("a secondary rate limit that asks for too long a wait: gives up with one warning", async () => {
    gh.secondaryRateLimit({ times: 5, retryAfterSeconds: 600 });
    const { lines, comments } = await publish();
    expect(comments).toEqual([]);
    expect(lines.warn).toHaveLength(1);
    expect(lines.warn.join("\n") + lines.info.join("\n")).toMatch(
      new RegExp(`${SECONDARY_RATE_LIMIT_MESSAGE.slice(0, 30)}|rate limit|600 s`),
    );
  });
});

describe("the bundled action with a read-only token", () => {
  it("the step succeeds with passed=true and a warning about the comment", async () => {
    gh.readOnly();
    const work = workDir();
    mkdirSync(work, { recursive: true });
    const files = runnerFiles(work);
    const eventPath = join(work, "event.json");
    writeFileSync(eventPath, JSON.stringify({ pull_request: { number: 42, head: { sha: "abc" } } }));
    const inputs: Record<string, string> = {
      "service-file": "examples/helloworld-service.yaml",
      namespace: freshNamespace(),
      "create-namespace": "true",
      kubeconfig: readFileSync(sim.kubeconfig, "utf8"),
      gateway: sim.gateway,
      duration: "1s",
      warmup: "0s",
      thresholds: "errors < 1%",
      "results-file": join(work, "results.json"),
      comment: "true",
      "github-token": "ghs_fake_token_for_tests",
    };
    const env: Record<string, string> = { ...files, ...inputEnv(inputs) };
    Object.assign(env, {
      GITHUB_REPOSITORY: "acme/app",
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_API_URL: gh.baseUrl,
    });
    const main = await runDist("dist/main.js", [], env);
    expect(main.stdout).not.toMatch(/::error::/);
    expect(main.stdout).toMatch(/::warning::.*verdict is not affected/);
    expect(main.code).toBe(0);
    expect(readFileSync(files.GITHUB_OUTPUT, "utf8")).toMatch(/^passed<<(\S+)\ntrue\n\1$/m);
    expect(gh.comments("acme", "app", 42)).toEqual([]);
  });
});
