// A small stand-in for GitHub's REST API on 127.0.0.1, enough for issue comments: list (paginated with Link
// headers the way GitHub writes them), create, get, update. Tests run the real Octokit against it, so pagination,
// error mapping and retries are exercised over real HTTP. Faults (403/404/5xx, secondary rate limits with
// retry-after) are queued per request; every request is logged.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeUser {
  login: string;
  id: number;
  type: "Bot" | "User";
}

export interface FakeComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
  author_association: string;
}

export interface LoggedRequest {
  method: string;
  /** Path without the base path prefix (e.g. without /api/v3), without the query. */
  path: string;
  query: Record<string, string>;
  status: number;
  authorization?: string;
  body?: unknown;
}

export interface Fault {
  status: number;
  /** Only requests with this method (default: any). */
  method?: string;
  /** Only requests whose path matches (default: any). */
  path?: RegExp;
  /** How many matching requests fail (default 1). */
  times?: number;
  message?: string;
  headers?: Record<string, string>;
  /** The request takes effect, and only then the fault is answered (a 502 after GitHub created the comment). */
  commit?: boolean;
}

export interface FakeGitHubOptions {
  /** Base path like GitHub Enterprise Server's "/api/v3" (default: none, like api.github.com). */
  basePath?: string;
  /** When set, requests must carry `Authorization: token <token>` or `Bearer <token>`. */
  token?: string;
  /** Author of comments created through the API (default: the Actions bot). */
  user?: FakeUser;
  /** Fixed clock for created_at/updated_at (default: real time). */
  now?: () => Date;
}

export interface FakeGitHub {
  /** What Octokit takes as baseUrl, e.g. http://127.0.0.1:41234/api/v3. */
  baseUrl: string;
  requests: LoggedRequest[];
  /** Comments of one issue or pull request, oldest first. */
  comments(owner: string, repo: string, issue: number): FakeComment[];
  /** Adds comments as if people (or an earlier run) had written them; returns them. */
  seed(owner: string, repo: string, issue: number, bodies: string[], user?: FakeUser): FakeComment[];
  /** Queues a fault for the next matching request(s). */
  fail(fault: Fault): void;
  /** `times` secondary rate limit responses (403 by default, as GitHub sends), with retry-after when given. */
  secondaryRateLimit(opts?: {
    times?: number;
    retryAfterSeconds?: number;
    status?: 403 | 429;
    method?: string;
  }): void;
  /** From now on writes are refused the way a read-only GITHUB_TOKEN (fork pull request) is refused. */
  readOnly(enabled?: boolean): void;
  close(): Promise<void>;
}

export const ACTIONS_BOT: FakeUser = { login: "github-actions[bot]", id: 41898282, type: "Bot" };
export const SECONDARY_RATE_LIMIT_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to " +
  "GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.";
const DOCS = "https://docs.github.com/rest";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

interface Repo {
  id: number;
  issues: Map<number, FakeComment[]>;
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const basePath = (options.basePath ?? "").replace(/\/+$/, "");
  const now = options.now ?? (() => new Date());
  const creator = options.user ?? ACTIONS_BOT;
  const repos = new Map<string, Repo>();
  const requests: LoggedRequest[] = [];
  const faults: (Fault & { remaining: number })[] = [];
  let nextCommentId = 1_000_001;
  let nextRepoId = 500_001;
  let writesRefused = false;
  let origin = "";

  const repoOf = (owner: string, name: string): Repo => {
    const key = `${owner.toLowerCase()}/${name.toLowerCase()}`;
    let repo = repos.get(key);
    if (!repo) {
      repo = { id: nextRepoId++, issues: new Map() };
      repos.set(key, repo);
    }
    return repo;
  };
  const findRepoById = (id: number): [string, Repo] | undefined =>
    [...repos.entries()].find(([, r]) => r.id === id);
  const issueComments = (owner: string, name: string, issue: number): FakeComment[] => {
    const repo = repoOf(owner, name);
    if (!repo.issues.has(issue)) repo.issues.set(issue, []);
    return repo.issues.get(issue)!;
  };

  const newComment = (
    owner: string,
    name: string,
    issue: number,
    body: string,
    user: FakeUser,
  ): FakeComment => {
    const id = nextCommentId++;
    const at = now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
    const api = `${origin}${basePath}/repos/${owner}/${name}`;
    const comment: FakeComment = {
      id,
      node_id: `IC_fake${id}`,
      url: `${api}/issues/comments/${id}`,
      html_url: `${origin}/${owner}/${name}/pull/${issue}#issuecomment-${id}`,
      issue_url: `${api}/issues/${issue}`,
      body,
      user,
      created_at: at,
      updated_at: at,
      author_association: user.type === "Bot" ? "NONE" : "MEMBER",
    };
    issueComments(owner, name, issue).push(comment);
    return comment;
  };

  const findComment = (owner: string, name: string, id: number): FakeComment | undefined => {
    for (const list of repoOf(owner, name).issues.values()) {
      const found = list.find((c) => c.id === id);
      if (found) return found;
    }
    return undefined;
  };

  const takeFault = (method: string, path: string): Fault | undefined => {
    const index = faults.findIndex(
      (f) => f.remaining > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(path)),
    );
    if (index < 0) return undefined;
    const fault = faults[index];
    if (--fault.remaining === 0) faults.splice(index, 1);
    return fault;
  };

  const validBody = (body: unknown): string => {
    const text = (body as { body?: unknown } | undefined)?.body;
    if (typeof text !== "string" || text.length === 0) {
      throw new HttpError(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
    }
    if (text.length > 65536) {
      throw new HttpError(
        422,
        "Validation Failed",
        {},
        {
          errors: [
            {
              resource: "IssueComment",
              code: "custom",
              field: "body",
              message: "body is too long (maximum is 65536 characters)",
            },
          ],
        },
      );
    }
    return text;
  };

  const refuseWrite = (method: string) => {
    if (writesRefused && method !== "GET") throw new HttpError(403, "Resource not accessible by integration");
  };

  /** GitHub's Link header: prev, next, last, first (only those that apply), on /repositories/:id URLs. */
  const linkHeader = (
    repoId: number,
    rest: string,
    query: URLSearchParams,
    page: number,
    lastPage: number,
  ): string | undefined => {
    const at = (p: number) => {
      const q = new URLSearchParams(query);
      q.set("page", String(p));
      return `<${origin}${basePath}/repositories/${repoId}${rest}?${q.toString()}>`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`${at(Math.min(page - 1, lastPage))}; rel="prev"`);
    if (page < lastPage) links.push(`${at(page + 1)}; rel="next"`, `${at(lastPage)}; rel="last"`);
    if (page > 1) links.push(`${at(1)}; rel="first"`);
    return links.length ? links.join(", ") : undefined;
  };

  const positiveInt = (value: string | null, fallback: number, name: string): number => {
    if (value === null || value === "") return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new HttpError(422, `Invalid ${name}: ${value}`);
    return n;
  };

  interface Reply {
    status: number;
    data: unknown;
    headers?: Record<string, string>;
  }

  function route(req: IncomingMessage, path: string, query: URLSearchParams, body: unknown): Reply {
    const method = req.method ?? "GET";
    let match = path.match(/^\/(?:repos\/([^/]+)\/([^/]+)|repositories\/(\d+))\/issues\/(\d+)\/comments$/);
    if (match) {
      let owner = match[1];
      let name = match[2];
      if (match[3]) {
        const found = findRepoById(Number(match[3]));
        if (!found) throw new HttpError(404, "Not Found");
        [owner, name] = found[0].split("/");
      }
      const repo = repoOf(owner, name);
      const issue = Number(match[4]);
      if (method === "GET") {
        const perPage = Math.min(100, positiveInt(query.get("per_page"), 30, "per_page"));
        const page = positiveInt(query.get("page"), 1, "page");
        const all = issueComments(owner, name, issue);
        const lastPage = Math.max(1, Math.ceil(all.length / perPage));
        const rest = `/issues/${issue}/comments`;
        const link = linkHeader(repo.id, rest, query, page, lastPage);
        const headers: Record<string, string> = link ? { link } : {};
        return { status: 200, data: all.slice((page - 1) * perPage, page * perPage), headers };
      }
      if (method === "POST") {
        refuseWrite(method);
        const comment = newComment(owner, name, issue, validBody(body), creator);
        return { status: 201, data: comment, headers: { location: comment.url } };
      }
    }
    match = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/);
    if (match) {
      const comment = findComment(match[1], match[2], Number(match[3]));
      if (method === "GET") {
        if (!comment) throw new HttpError(404, "Not Found");
        return { status: 200, data: comment };
      }
      if (method === "PATCH") {
        refuseWrite(method);
        if (!comment) throw new HttpError(404, "Not Found");
        comment.body = validBody(body);
        comment.updated_at = now()
          .toISOString()
          .replace(/\.\d{3}Z$/, "Z");
        return { status: 200, data: comment };
      }
    }
    throw new HttpError(404, "Not Found");
  }

  const send = (res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(data);
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "x-github-request-id": `FAKE:${requests.length}`,
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      ...headers,
    });
    res.end(text);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    const method = req.method ?? "GET";
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    const entry: LoggedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      authorization: req.headers.authorization,
    };
    requests.push(entry);
    try {
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new HttpError(400, "Problems parsing JSON");
        }
        entry.body = body;
      }
      if (basePath && !url.pathname.startsWith(basePath + "/")) throw new HttpError(404, "Not Found");
      const path = url.pathname.slice(basePath.length);
      entry.path = path;
      if (options.token && !/^(token|bearer) /i.test(req.headers.authorization ?? "")) {
        throw new HttpError(401, "Requires authentication");
      }
      if (options.token && req.headers.authorization!.replace(/^(token|bearer) /i, "") !== options.token) {
        throw new HttpError(401, "Bad credentials");
      }
      const fault = takeFault(method, path);
      if (fault?.commit) route(req, path, url.searchParams, body);
      if (fault) throw new HttpError(fault.status, fault.message ?? "Server Error", fault.headers);
      const result = route(req, path, url.searchParams, body);
      entry.status = result.status;
      send(res, result.status, result.data, result.headers);
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(500, String(error));
      entry.status = e.status;
      send(
        res,
        e.status,
        { message: e.message, ...e.extra, documentation_url: DOCS, status: String(e.status) },
        e.headers,
      );
    }
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: `${origin}${basePath}`,
    requests,
    comments: (owner, repo, issue) => [...issueComments(owner, repo, issue)],
    seed: (owner, repo, issue, bodies, user = { login: "octocat", id: 583231, type: "User" }) =>
      bodies.map((body) => newComment(owner, repo, issue, body, user)),
    fail: (fault) => faults.push({ ...fault, remaining: fault.times ?? 1 }),
    secondaryRateLimit: ({ times = 1, retryAfterSeconds, status = 403, method } = {}) =>
      faults.push({
        status,
        method,
        remaining: times,
        message: SECONDARY_RATE_LIMIT_MESSAGE,
        headers: retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) },
      }),
    readOnly: (enabled = true) => {
      writesRefused = enabled;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
