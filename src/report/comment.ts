// The sticky pull request comment: one per service, found again by a hidden marker on its first line, updated on
// every run and never duplicated. Modelled on changesets/action's pr-comment, but the comment list is paginated
// (a busy PR has more than one page) and the newest marked comment wins. A token that may not comment (a fork's
// read-only GITHUB_TOKEN) is not an error of the gate: the comment is skipped with a warning.
import * as github from "@actions/github";
import { markerKey } from "./escape.js";
import {
  apiFailure,
  DEFAULT_RETRY,
  installRetries,
  isRateLimited,
  sleep,
  type RetryPolicy,
} from "./github-retry.js";

export const MARKER_PREFIX = "knative-perf-gate";
/** GitHub refuses comment bodies longer than 65,536 characters; stay below with room for the note. */
export const MAX_COMMENT_CHARS = 65_000;

export interface CommentLog {
  info(line: string): void;
  warn(line: string): void;
}

/** The hidden marker of a service's comment, e.g. `<!-- knative-perf-gate:demo/helloworld-go -->`. */
export function commentMarker(namespace: string, service: string): string {
  return `<!-- ${MARKER_PREFIX}:${markerKey(namespace, service)} -->`;
}

/** Where a run's comment goes, or undefined for events that are not about a pull request. */
export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

/** The parts of @actions/github's `context` that decide the comment's target. */
export interface EventContext {
  eventName: string;
  payload: { pull_request?: { number: number }; issue?: { number: number; pull_request?: unknown } };
  repo: { owner: string; repo: string };
}

const PULL_REQUEST_EVENTS = new Set(["pull_request", "pull_request_target"]);

export function commentTarget(context: EventContext): CommentTarget | undefined {
  let issueNumber: number | undefined;
  if (PULL_REQUEST_EVENTS.has(context.eventName)) issueNumber = context.payload.pull_request?.number;
  else if (context.eventName === "issue_comment" && context.payload.issue?.pull_request) {
    issueNumber = context.payload.issue.number;
  }
  if (!issueNumber) return undefined;
  const { owner, repo } = context.repo;
  return { owner, repo, issueNumber };
}

/** Puts the marker on the first line and keeps the body within GitHub's limit, cutting at a line break. */
export function commentBody(marker: string, body: string): string {
  const full = body.startsWith(marker) ? body : `${marker}\n${body}`;
  if (full.length <= MAX_COMMENT_CHARS) return full;
  const note =
    "\n\n… The report was cut to fit a comment; the job summary and the results file have all of it.\n";
  const room = full.slice(0, MAX_COMMENT_CHARS - note.length);
  return room.slice(0, Math.max(marker.length, room.lastIndexOf("\n"))) + note;
}

export interface UpsertCommentOptions {
  token: string;
  /** REST API root, e.g. https://ghe.example.com/api/v3; defaults to GITHUB_API_URL, then api.github.com. */
  baseUrl?: string;
  owner: string;
  repo: string;
  issueNumber: number;
  marker: string;
  body: string;
  log?: CommentLog;
  retry?: Partial<RetryPolicy>;
}

export type UpsertResult = { id: number; url: string; action: "created" | "updated" } | { skipped: string };

type Octokit = ReturnType<typeof github.getOctokit>;

/** The newest comment whose body starts with the marker, across every page of the list. */
async function findMarked(octokit: Octokit, o: UpsertCommentOptions): Promise<{ id: number } | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: o.owner,
    repo: o.repo,
    issue_number: o.issueNumber,
    per_page: 100,
  });
  let newest: { id: number } | undefined;
  for (const comment of comments) {
    if ((comment.body ?? "").trimStart().startsWith(o.marker) && (!newest || comment.id > newest.id)) {
      newest = comment;
    }
  }
  return newest;
}

/** Why a refusal means "no comment" rather than a failure, for the warning. */
function skipReason(error: unknown, where: string): string | undefined {
  const f = apiFailure(error);
  if (!f) return undefined;
  const message = f.message.split(" - https://")[0];
  const note = (error as { retryNote?: string }).retryNote;
  if (isRateLimited(f)) {
    return `GitHub API rate limit (${f.status}) while commenting on ${where}${note ? `: ${note}` : ""}: ${message}`;
  }
  if (f.status === 403 || f.status === 404) {
    return (
      `GitHub refused the comment on ${where} (${f.status}: ${message}). A pull request from a fork gets a ` +
      `read-only token; elsewhere give the job \`permissions: pull-requests: write\`.`
    );
  }
  if (f.status === 401) return `GitHub rejected the token while commenting on ${where} (401: ${message}).`;
  return undefined;
}

export async function upsertComment(opts: UpsertCommentOptions): Promise<UpsertResult> {
  const log = opts.log ?? { info: () => undefined, warn: () => undefined };
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
  const octokit = github.getOctokit(opts.token, opts.baseUrl ? { baseUrl: opts.baseUrl } : {});
  installRetries(octokit, policy, (line) => log.info(line));
  const where = `${opts.owner}/${opts.repo}#${opts.issueNumber}`;
  const body = commentBody(opts.marker, opts.body);
  try {
    for (let round = 0; ; round++) {
      const existing = await findMarked(octokit, opts);
      if (existing) {
        try {
          const { data } = await octokit.rest.issues.updateComment({
            owner: opts.owner,
            repo: opts.repo,
            comment_id: existing.id,
            body,
          });
          log.info(`Updated the comment on ${where}: ${data.html_url}`);
          return { id: data.id, url: data.html_url, action: "updated" };
        } catch (error) {
          // Deleted between listing and updating: look again rather than fail.
          if (apiFailure(error)?.status === 404 && round === 0) continue;
          throw error;
        }
      }
      try {
        const { data } = await octokit.rest.issues.createComment({
          owner: opts.owner,
          repo: opts.repo,
          issue_number: opts.issueNumber,
          body,
        });
        log.info(`Created a comment on ${where}: ${data.html_url}`);
        return { id: data.id, url: data.html_url, action: "created" };
      } catch (error) {
        // A 5xx on create may still have created the comment: list again before creating, so no duplicate.
        const status = apiFailure(error)?.status ?? 0;
        if (status >= 500 && round < policy.retries) {
          const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** round);
          log.info(
            `Creating the comment on ${where} failed (${status}); looking again in ${delayMs / 1000} s`,
          );
          await sleep(delayMs);
          continue;
        }
        throw error;
      }
    }
  } catch (error) {
    const reason = skipReason(error, where);
    if (!reason) throw error;
    log.warn(`${reason} The gate's verdict is not affected.`);
    return { skipped: reason };
  }
}
