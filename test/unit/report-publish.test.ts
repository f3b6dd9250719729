// publishResults end to end on this machine: a real results file, the real job summary and output files that
// @actions/core writes (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT), and the real Octokit against the fake GitHub.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OUTPUTS } from "../../src/config/outputs.js";
import { contextFromEvent, publishResults, type PublishOptions } from "../../src/report/publish.js";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github-server.js";
import { deployFailureDoc, failingDoc, passingDoc } from "./fixtures/results.js";

let dir: string;
let gh: FakeGitHub;
let lines: { info: string[]; warn: string[] };
const saved = { output: process.env.GITHUB_OUTPUT, summary: process.env.GITHUB_STEP_SUMMARY };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kpg-publish-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  process.env.GITHUB_OUTPUT = saved.output;
  process.env.GITHUB_STEP_SUMMARY = saved.summary;
  if (saved.output === undefined) delete process.env.GITHUB_OUTPUT;
  if (saved.summary === undefined) delete process.env.GITHUB_STEP_SUMMARY;
});
beforeEach(async () => {
  gh = await startFakeGitHub({ basePath: "/api/v3" });
  lines = { info: [], warn: [] };
  // @actions/core remembers the summary path once it has seen it; keep one path, emptied for each test.
  process.env.GITHUB_STEP_SUMMARY = join(dir, "summary.md");
  process.env.GITHUB_OUTPUT = join(dir, "output.txt");
  writeFileSync(process.env.GITHUB_STEP_SUMMARY, "");
  writeFileSync(process.env.GITHUB_OUTPUT, "");
});
afterEach(() => gh.close());

/** GITHUB_OUTPUT's `name<<delimiter` blocks, as the runner reads them. */
function readOutputs(): Record<string, string> {
  const text = readFileSync(process.env.GITHUB_OUTPUT!, "utf8");
  const outputs: Record<string, string> = {};
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n?\2$/gm)) outputs[match[1]] = match[3];
  return outputs;
}

const options = (over: Partial<PublishOptions> = {}): PublishOptions => ({
  resultsFile: join(dir, "out", "results.json"),
  comment: true,
  token: "ghs_test",
  context: { owner: "acme", repo: "app", pr: 42, apiUrl: gh.baseUrl },
  log: { info: (l) => lines.info.push(l), warn: (l) => lines.warn.push(l) },
  retry: { baseDelayMs: 5, rateLimitDelayMs: 5, maxDelayMs: 1000 },
  ...over,
});

describe("publishResults", () => {
  test("writes the results file, the job summary, the comment, and every output", async () => {
    const doc = passingDoc();
    const result = await publishResults(doc, options());
    const [comment] = gh.comments("acme", "app", 42);
    expect(result).toEqual({
      resultsFile: join(dir, "out", "results.json"),
      commentUrl: comment.html_url,
      commentId: comment.id,
    });

    expect(JSON.parse(readFileSync(result.resultsFile, "utf8"))).toEqual(doc);
    const summary = readFileSync(process.env.GITHUB_STEP_SUMMARY!, "utf8");
    expect(summary).toContain("### ✅ Performance gate passed · `demo/helloworld-go`");
    expect(summary).not.toContain("<!--");
    expect(comment.body.startsWith("<!-- knative-perf-gate:demo/helloworld-go -->\n### ✅")).toBe(true);

    const outputs = readOutputs();
    expect(Object.keys(outputs).sort()).toEqual(OUTPUTS.map((o) => o.name).sort());
    expect(outputs).toMatchObject({
      passed: "true",
      "latency-p99": "158",
      "results-file": result.resultsFile,
      "comment-url": comment.html_url,
      "comment-id": String(comment.id),
    });
  });

  test("a second run updates the same comment", async () => {
    await publishResults(passingDoc(), options());
    await publishResults(failingDoc(), options());
    const comments = gh.comments("acme", "app", 42);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toContain("### ❌ Performance gate failed");
  });

  test("a 403 on the comment warns, leaves the comment outputs empty, and the verdict as it was", async () => {
    gh.readOnly();
    for (const build of [passingDoc, failingDoc]) {
      const doc = build();
      const before = JSON.stringify(doc);
      const result = await publishResults(doc, options());
      expect(result.commentUrl).toBeUndefined();
      expect(JSON.stringify(doc)).toBe(before);
      expect(readOutputs()).toMatchObject({
        passed: String(doc.passed),
        "comment-url": "",
        "comment-id": "",
      });
      writeFileSync(process.env.GITHUB_OUTPUT!, "");
    }
    expect(lines.warn).toHaveLength(2);
    expect(lines.warn[0]).toMatch(/403: Resource not accessible by integration.*verdict is not affected/);
  });

  test("a GitHub outage is a warning, not a failure", async () => {
    gh.fail({ status: 500, times: 100 });
    const result = await publishResults(failingDoc(), options({ retry: { retries: 1, baseDelayMs: 5 } }));
    expect(result.commentId).toBeUndefined();
    expect(lines.warn).toEqual([
      expect.stringMatching(/^Could not write the pull request comment: .*verdict is not affected\.$/),
    ]);
    expect(readOutputs().passed).toBe("false");
  });

  test("push and schedule events (no pull request) get no comment and no API call", async () => {
    await publishResults(
      passingDoc(),
      options({ context: { owner: "acme", repo: "app", apiUrl: gh.baseUrl } }),
    );
    expect(gh.requests).toHaveLength(0);
    expect(lines.info).toContain(
      "No pull request for this event, so no comment (the job summary has the report).",
    );
  });

  test("comment: false makes no API call; no token warns", async () => {
    await publishResults(passingDoc(), options({ comment: false }));
    await publishResults(passingDoc(), options({ token: undefined }));
    expect(gh.requests).toHaveLength(0);
    expect(lines.warn).toEqual(["comment: true, but github-token is empty, so no comment was written."]);
  });

  test("outside Actions (no GITHUB_STEP_SUMMARY) the summary is skipped quietly", async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    await publishResults(passingDoc(), options({ comment: false }));
    expect(lines.warn).toEqual([]);
  });

  test("a run that did not finish is still published, with its error", async () => {
    await publishResults(deployFailureDoc(), options());
    expect(gh.comments("acme", "app", 42)[0].body).toContain("#### What went wrong");
    expect(readOutputs()).toMatchObject({ passed: "false", rps: "", "latency-p99": "" });
  });

  test("an unwritable results file fails, after the outputs, summary and comment are out", async () => {
    writeFileSync(join(dir, "blocker"), "a file where a directory should be");
    await expect(
      publishResults(passingDoc(), options({ resultsFile: join(dir, "blocker", "results.json") })),
    ).rejects.toThrow(/^results-file: cannot write .*blocker\/results\.json/);
    expect(gh.comments("acme", "app", 42)).toHaveLength(1);
    expect(readOutputs().passed).toBe("true");
    expect(readFileSync(process.env.GITHUB_STEP_SUMMARY!, "utf8")).toContain("Performance gate passed");
  });
});

describe("contextFromEvent", () => {
  test("reads the repository, the pull request and the API root from the workflow context", () => {
    const context = {
      eventName: "pull_request",
      payload: { pull_request: { number: 5 }, repository: { name: "app", owner: { login: "acme" } } },
      repo: { owner: "acme", repo: "app" },
      apiUrl: "https://ghe.example.com/api/v3",
    } as unknown as Parameters<typeof contextFromEvent>[0];
    expect(contextFromEvent(context)).toEqual({
      owner: "acme",
      repo: "app",
      pr: 5,
      apiUrl: "https://ghe.example.com/api/v3",
    });
    expect(contextFromEvent({ ...context, eventName: "push" } as typeof context)).toMatchObject({
      pr: undefined,
    });
  });
});
