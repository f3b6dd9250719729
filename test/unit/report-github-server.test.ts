// The fake GitHub REST server speaks like GitHub where our code depends on it: pagination and Link headers,
// status codes and error bodies, secondary rate limits, base paths like GitHub Enterprise Server.
import { afterEach, describe, expect, test } from "@jest/globals";
import {
  ACTIONS_BOT,
  SECONDARY_RATE_LIMIT_MESSAGE,
  startFakeGitHub,
  type FakeGitHub,
} from "../fakes/github-server.js";

let gh: FakeGitHub | undefined;
afterEach(async () => {
  await gh?.close();
  gh = undefined;
});

const call = async (url: string, init: RequestInit = {}) => {
  const res = await fetch(url, {
    ...init,
    headers: { authorization: "token t0k", "content-type": "application/json", ...(init.headers ?? {}) },
  });
  // Replies are JSON of several shapes (a comment, a list, an error); the assertions say which.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, data: (await res.json()) as any };
};

const links = (header: string | null) =>
  Object.fromEntries(
    (header ?? "")
      .split(", ")
      .filter(Boolean)
      .map((part) => {
        const [, url, rel] = part.match(/^<([^>]+)>; rel="(\w+)"$/)!;
        return [rel, url];
      }),
  );

describe("fake GitHub: issue comments", () => {
  test("creates, lists, gets and updates comments with GitHub's fields", async () => {
    gh = await startFakeGitHub();
    const created = await call(`${gh.baseUrl}/repos/acme/app/issues/7/comments`, {
      method: "POST",
      body: JSON.stringify({ body: "hello" }),
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ body: "hello", user: ACTIONS_BOT });
    expect(created.data.html_url).toBe(`${gh.baseUrl}/acme/app/pull/7#issuecomment-${created.data.id}`);
    expect(created.headers.get("location")).toBe(created.data.url);

    const updated = await call(created.data.url, { method: "PATCH", body: JSON.stringify({ body: "bye" }) });
    expect(updated.status).toBe(200);
    expect((await call(created.data.url)).data.body).toBe("bye");
    const list = await call(`${gh.baseUrl}/repos/acme/app/issues/7/comments`);
    expect(list.data.map((c: { body: string }) => c.body)).toEqual(["bye"]);
    expect(gh.comments("acme", "app", 7)).toHaveLength(1);
    expect(gh.comments("acme", "app", 8)).toHaveLength(0);
  });

  test("paginates like GitHub: per_page default 30, at most 100, Link with prev/next/last/first", async () => {
    gh = await startFakeGitHub();
    gh.seed(
      "acme",
      "app",
      1,
      Array.from({ length: 250 }, (_, i) => `c${i + 1}`),
    );
    const base = `${gh.baseUrl}/repos/acme/app/issues/1/comments`;

    const first = await call(base);
    expect(first.data).toHaveLength(30);
    const firstLinks = links(first.headers.get("link"));
    expect(Object.keys(firstLinks)).toEqual(["next", "last"]);
    expect(firstLinks.next).toMatch(/\/repositories\/\d+\/issues\/1\/comments\?page=2$/);
    expect(firstLinks.last).toMatch(/page=9$/);

    const middle = await call(`${base}?per_page=100&page=2`);
    expect(middle.data.map((c: { body: string }) => c.body).slice(0, 2)).toEqual(["c101", "c102"]);
    const middleLinks = links(middle.headers.get("link"));
    expect(Object.keys(middleLinks)).toEqual(["prev", "next", "last", "first"]);
    expect(middleLinks.next).toMatch(/\?per_page=100&page=3$/);

    const last = await call(middleLinks.next);
    expect(last.status).toBe(200);
    expect(last.data).toHaveLength(50);
    expect(Object.keys(links(last.headers.get("link")))).toEqual(["prev", "first"]);

    expect((await call(`${base}?per_page=500`)).data).toHaveLength(100);
    expect((await call(`${base}?page=0`)).status).toBe(422);
  });

  test("one page, no Link header", async () => {
    gh = await startFakeGitHub();
    gh.seed("acme", "app", 1, ["only"]);
    expect((await call(`${gh.baseUrl}/repos/acme/app/issues/1/comments`)).headers.get("link")).toBeNull();
  });

  test("serves under a GitHub Enterprise base path and nowhere else", async () => {
    gh = await startFakeGitHub({ basePath: "/api/v3" });
    expect(gh.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
    expect((await call(`${gh.baseUrl}/repos/acme/app/issues/1/comments`)).status).toBe(200);
    expect((await call(`${gh.baseUrl.replace("/api/v3", "")}/repos/acme/app/issues/1/comments`)).status).toBe(
      404,
    );
    expect(gh.requests[0].path).toBe("/repos/acme/app/issues/1/comments");
  });

  test("checks the token when given one", async () => {
    gh = await startFakeGitHub({ token: "right" });
    const url = `${gh.baseUrl}/repos/acme/app/issues/1/comments`;
    expect((await call(url)).status).toBe(401);
    expect((await call(url, { headers: { authorization: "Bearer right" } })).status).toBe(200);
  });

  test("rejects missing and oversized bodies with 422, unknown comments with 404", async () => {
    gh = await startFakeGitHub();
    const url = `${gh.baseUrl}/repos/acme/app/issues/1/comments`;
    expect((await call(url, { method: "POST", body: "{}" })).status).toBe(422);
    const big = await call(url, { method: "POST", body: JSON.stringify({ body: "x".repeat(65537) }) });
    expect(big.status).toBe(422);
    expect(big.data.errors[0].message).toMatch(/too long/);
    expect((await call(`${gh.baseUrl}/repos/acme/app/issues/comments/42`)).status).toBe(404);
  });
});

describe("fake GitHub: faults", () => {
  test("queued faults hit the next matching requests, then the server recovers", async () => {
    gh = await startFakeGitHub();
    const url = `${gh.baseUrl}/repos/acme/app/issues/1/comments`;
    gh.fail({ status: 502, method: "GET", times: 2 });
    expect((await call(url, { method: "POST", body: JSON.stringify({ body: "x" }) })).status).toBe(201);
    expect((await call(url)).status).toBe(502);
    expect((await call(url)).status).toBe(502);
    expect((await call(url)).status).toBe(200);
    expect(gh.requests.map((r) => r.status)).toEqual([201, 502, 502, 200]);
  });

  test("a committed fault takes effect before it is answered", async () => {
    gh = await startFakeGitHub();
    gh.fail({ status: 502, method: "POST", commit: true });
    const url = `${gh.baseUrl}/repos/acme/app/issues/1/comments`;
    expect((await call(url, { method: "POST", body: JSON.stringify({ body: "x" }) })).status).toBe(502);
    expect(gh.comments("acme", "app", 1).map((c) => c.body)).toEqual(["x"]);
  });

  test("secondary rate limit: 403 with GitHub's message and retry-after", async () => {
    gh = await startFakeGitHub();
    gh.secondaryRateLimit({ retryAfterSeconds: 3 });
    const res = await call(`${gh.baseUrl}/repos/acme/app/issues/1/comments`);
    expect(res.status).toBe(403);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(res.data.message).toBe(SECONDARY_RATE_LIMIT_MESSAGE);
  });

  test("read-only mode refuses writes like a fork's token, reads still work", async () => {
    gh = await startFakeGitHub();
    gh.readOnly();
    const url = `${gh.baseUrl}/repos/acme/app/issues/1/comments`;
    const res = await call(url, { method: "POST", body: JSON.stringify({ body: "x" }) });
    expect(res.status).toBe(403);
    expect(res.data.message).toBe("Resource not accessible by integration");
    expect((await call(url)).status).toBe(200);
  });

  test("logs method, path, query, status, authorization and body", async () => {
    gh = await startFakeGitHub();
    await call(`${gh.baseUrl}/repos/acme/app/issues/1/comments?per_page=100`, {
      method: "POST",
      body: JSON.stringify({ body: "b" }),
    });
    expect(gh.requests).toEqual([
      {
        method: "POST",
        path: "/repos/acme/app/issues/1/comments",
        query: { per_page: "100" },
        status: 201,
        authorization: "token t0k",
        body: { body: "b" },
      },
    ]);
  });
});
