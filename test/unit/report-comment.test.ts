// The sticky comment, with the real Octokit from @actions/github against the fake GitHub REST server.
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import {
  commentBody,
  commentMarker,
  commentTarget,
  MAX_COMMENT_CHARS,
  upsertComment,
  type UpsertCommentOptions,
} from "../../src/report/comment.js";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github-server.js";

let gh: FakeGitHub;
let lines: { info: string[]; warn: string[] };
const log = {
  info: (line: string) => lines.info.push(line),
  warn: (line: string) => lines.warn.push(line),
};
const FAST = { baseDelayMs: 5, rateLimitDelayMs: 5, maxDelayMs: 2000 };
const MARKER = commentMarker("demo", "helloworld-go");

beforeEach(async () => {
  gh = await startFakeGitHub({ basePath: "/api/v3", token: "ghs_test" });
  lines = { info: [], warn: [] };
});
afterEach(() => gh.close());

const upsert = (over: Partial<UpsertCommentOptions> = {}) =>
  upsertComment({
    token: "ghs_test",
    baseUrl: gh.baseUrl,
    owner: "acme",
    repo: "app",
    issueNumber: 42,
    marker: MARKER,
    body: `${MARKER}\n### report`,
    log,
    retry: FAST,
    ...over,
  });

describe("upsertComment", () => {
  test("the first run creates one comment; the second updates it, so there is one in total", async () => {
    const first = await upsert({ body: `${MARKER}\nrun 1` });
    expect(first).toMatchObject({ action: "created" });
    const second = await upsert({ body: `${MARKER}\nrun 2` });
    expect(second).toEqual({ ...first, action: "updated" });
    const comments = gh.comments("acme", "app", 42);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toBe(`${MARKER}\nrun 2`);
    expect("url" in first && first.url).toBe(comments[0].html_url);
    expect(gh.requests.every((r) => r.authorization === "token ghs_test")).toBe(true);
  });

  test("two services on one pull request get a comment each, each updated in place", async () => {
    const other = commentMarker("demo", "helloworld-go-canary");
    const a = await upsert();
    const b = await upsert({ marker: other, body: `${other}\ncanary` });
    await upsert({ body: `${MARKER}\nagain` });
    await upsert({ marker: other, body: `${other}\ncanary again` });
    expect(a).toMatchObject({ action: "created" });
    expect(b).toMatchObject({ action: "created" });
    expect(gh.comments("acme", "app", 42).map((c) => c.body)).toEqual([
      `${MARKER}\nagain`,
      `${other}\ncanary again`,
    ]);
  });

  test("adds the marker when the body lacks it", async () => {
    await upsert({ body: "no marker here" });
    expect(gh.comments("acme", "app", 42)[0].body).toBe(`${MARKER}\nno marker here`);
  });

  test("finds the marker beyond the first 100 comments (marker on comment 150)", async () => {
    gh.seed(
      "acme",
      "app",
      42,
      Array.from({ length: 149 }, (_, i) => `chatter ${i + 1}`),
    );
    const [ours] = gh.seed("acme", "app", 42, [`${MARKER}\nold report`], {
      login: "github-actions[bot]",
      id: 41898282,
      type: "Bot",
    });
    gh.seed(
      "acme",
      "app",
      42,
      Array.from({ length: 60 }, (_, i) => `more ${i + 1}`),
    );
    const result = await upsert({ body: `${MARKER}\nnew report` });
    expect(result).toEqual({ id: ours.id, url: ours.html_url, action: "updated" });
    expect(gh.comments("acme", "app", 42)).toHaveLength(210);
    const lists = gh.requests.filter((r) => r.method === "GET");
    expect(lists.map((r) => r.query)).toEqual([
      { per_page: "100" },
      { per_page: "100", page: "2" },
      { per_page: "100", page: "3" },
    ]);
    expect(lists[1].path).toMatch(/^\/repositories\/\d+\/issues\/42\/comments$/);
  });

  test("updates the newest marked comment, and ignores the marker quoted inside someone's comment", async () => {
    const [older, newer] = gh.seed("acme", "app", 42, [`${MARKER}\nolder`, `${MARKER}\nnewer`]);
    gh.seed("acme", "app", 42, [`> ${MARKER}\n> quoting the bot`]);
    const result = await upsert();
    expect(result).toMatchObject({ id: newer.id, action: "updated" });
    expect(gh.comments("acme", "app", 42).find((c) => c.id === older.id)!.body).toBe(`${MARKER}\nolder`);
  });

  test("a read-only token (fork pull request) is a warning and a skip, never a throw", async () => {
    gh.readOnly();
    const result = await upsert();
    expect(result).toEqual({
      skipped: expect.stringMatching(
        /^GitHub refused the comment on acme\/app#42 \(403: Resource not accessible by integration\)/,
      ),
    });
    expect(lines.warn).toHaveLength(1);
    expect(lines.warn[0]).toContain("The gate's verdict is not affected.");
    expect(gh.comments("acme", "app", 42)).toHaveLength(0);
  });

  test("a 404 (pull request not visible to the token) is skipped too", async () => {
    gh.fail({ status: 404, method: "GET", message: "Not Found" });
    const result = await upsert();
    expect(result).toEqual({ skipped: expect.stringContaining("(404: Not Found)") });
    expect(gh.requests).toHaveLength(1);
  });

  test("secondary rate limits are retried, honoring retry-after, then the comment is written", async () => {
    gh.secondaryRateLimit({ times: 1, retryAfterSeconds: 1, method: "GET" });
    gh.secondaryRateLimit({ times: 1, status: 429, method: "POST" });
    const started = Date.now();
    const result = await upsert();
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ action: "created" });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(gh.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      "GET 403",
      "GET 200",
      "POST 429",
      "POST 201",
    ]);
    expect(lines.info.filter((l) => /rate limited/.test(l))).toHaveLength(2);
    expect(gh.comments("acme", "app", 42)).toHaveLength(1);
  });

  test("a rate limit asking for longer than we allow is given up at once, as a skip", async () => {
    gh.secondaryRateLimit({ times: 1, retryAfterSeconds: 120 });
    const result = await upsert({ retry: { ...FAST, maxDelayMs: 1000 } });
    expect(result).toEqual({
      skipped: expect.stringContaining("GitHub asks to wait 120 s, longer than the 1 s we allow"),
    });
    expect(gh.requests).toHaveLength(1);
  });

  test("rate limits that persist are retried a bounded number of times", async () => {
    gh.secondaryRateLimit({ times: 10 });
    const result = await upsert({ retry: { ...FAST, retries: 2 } });
    expect(result).toEqual({ skipped: expect.stringContaining("still rate limited after 2 retries") });
    expect(gh.requests).toHaveLength(3);
  });

  test("server errors on reads and updates are retried", async () => {
    await upsert();
    gh.fail({ status: 502, method: "GET", times: 2 });
    gh.fail({ status: 503, method: "PATCH" });
    const result = await upsert({ body: `${MARKER}\nafter errors` });
    expect(result).toMatchObject({ action: "updated" });
    expect(gh.requests.slice(2).map((r) => `${r.method} ${r.status}`)).toEqual([
      "GET 502",
      "GET 502",
      "GET 200",
      "PATCH 503",
      "PATCH 200",
    ]);
  });

  test("a 502 on create after GitHub created the comment: we look again and update, not duplicate", async () => {
    gh.fail({ status: 502, method: "POST", commit: true });
    const result = await upsert();
    expect(result).toMatchObject({ action: "updated" });
    expect(gh.comments("acme", "app", 42)).toHaveLength(1);
    expect(gh.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      "GET 200",
      "POST 502",
      "GET 200",
      "PATCH 200",
    ]);
  });

  test("server errors that persist end in an error after bounded retries", async () => {
    gh.fail({ status: 500, method: "GET", times: 100 });
    await expect(upsert({ retry: { ...FAST, retries: 2 } })).rejects.toMatchObject({ status: 500 });
    expect(gh.requests).toHaveLength(3);
  });

  test("works against api.github.com-style roots too (no /api/v3)", async () => {
    const plain = await startFakeGitHub();
    try {
      const result = await upsert({ baseUrl: plain.baseUrl });
      expect(result).toMatchObject({ action: "created" });
      expect(plain.comments("acme", "app", 42)).toHaveLength(1);
    } finally {
      await plain.close();
    }
  });
});

describe("commentMarker", () => {
  test("is a one-line hidden comment keyed by namespace/service", () => {
    expect(commentMarker("demo", "helloworld-go")).toBe("<!-- knative-perf-gate:demo/helloworld-go -->");
  });

  test("a hostile name cannot close the comment early or spoof another service's key", () => {
    const marker = commentMarker("demo", "x --> <!-- knative-perf-gate:demo/other");
    expect(marker).toMatch(/^<!-- knative-perf-gate:[a-z0-9./-]+ -->$/);
    expect(marker.indexOf("-->")).toBe(marker.length - 3);
  });
});

describe("commentBody", () => {
  test("keeps a body within GitHub's limit, cut at a line break, marker first", () => {
    const long = `${MARKER}\n` + "line of the report\n".repeat(5000);
    const body = commentBody(MARKER, long);
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.startsWith(`${MARKER}\n`)).toBe(true);
    expect(body).toMatch(/line of the report\n\n… The report was cut to fit a comment; .*\n$/);
    expect(commentBody(MARKER, "short")).toBe(`${MARKER}\nshort`);
  });
});

describe("commentTarget", () => {
  const repo = { owner: "acme", repo: "app" };
  test("pull_request and pull_request_target comment on the pull request", () => {
    for (const eventName of ["pull_request", "pull_request_target"]) {
      expect(commentTarget({ eventName, payload: { pull_request: { number: 7 } }, repo })).toEqual({
        owner: "acme",
        repo: "app",
        issueNumber: 7,
      });
    }
  });

  test("issue_comment comments only when the issue is a pull request", () => {
    expect(
      commentTarget({
        eventName: "issue_comment",
        payload: { issue: { number: 9, pull_request: {} } },
        repo,
      }),
    ).toEqual({ owner: "acme", repo: "app", issueNumber: 9 });
    expect(
      commentTarget({ eventName: "issue_comment", payload: { issue: { number: 9 } }, repo }),
    ).toBeUndefined();
  });

  test("push, schedule and workflow_dispatch get no comment", () => {
    for (const eventName of ["push", "schedule", "workflow_dispatch"]) {
      expect(commentTarget({ eventName, payload: {}, repo })).toBeUndefined();
    }
  });
});
