// The report's GitHub edge: after a run, write the results file, the job summary and the sticky pull request
// comment, and set every output. Only the results file is essential (later steps and the next run's baseline
// read it); a summary or comment that cannot be written is a warning, and never changes the gate's verdict.
import * as core from "@actions/core";
import * as github from "@actions/github";
import type { ResultsDocument } from "../results.js";
import { commentMarker, commentTarget, upsertComment } from "./comment.js";
import type { RetryPolicy } from "./github-retry.js";
import { renderReport } from "./markdown.js";
import { actionOutputs } from "./outputs.js";
import { writeResultsFile } from "./results-file.js";
import { writeJobSummary } from "./summary.js";

export interface PublishLog {
  info(line: string): void;
  warn(line: string): void;
}

/** Where a comment goes. `pr` is absent for events that are not about a pull request (push, schedule). */
export interface PublishContext {
  owner: string;
  repo: string;
  pr?: number;
  /** REST API root (GITHUB_API_URL), e.g. https://ghe.example.com/api/v3. */
  apiUrl?: string;
}

export interface PublishOptions {
  resultsFile: string;
  /** The `comment` input: whether to write the pull request comment at all. */
  comment: boolean;
  token?: string;
  /** Defaults to the workflow's event (see commentTarget) and GITHUB_API_URL. */
  context?: PublishContext;
  log: PublishLog;
  retry?: Partial<RetryPolicy>;
}

export interface PublishResult {
  /** Absolute path of the results file. */
  resultsFile: string;
  commentUrl?: string;
  commentId?: number;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The comment's target from the workflow run's own context. */
export function contextFromEvent(
  context: typeof github.context = github.context,
): PublishContext | undefined {
  if (!process.env.GITHUB_REPOSITORY && !context.payload.repository) return undefined;
  const target = commentTarget(context);
  const { owner, repo } = context.repo;
  return { owner, repo, pr: target?.issueNumber, apiUrl: context.apiUrl };
}

async function publishComment(
  doc: ResultsDocument,
  opts: PublishOptions,
): Promise<{ commentUrl?: string; commentId?: number }> {
  const context = opts.context ?? contextFromEvent();
  if (!context?.pr) {
    opts.log.info("No pull request for this event, so no comment (the job summary has the report).");
    return {};
  }
  if (!opts.token) {
    opts.log.warn("comment: true, but github-token is empty, so no comment was written.");
    return {};
  }
  const marker = commentMarker(doc.service.namespace, doc.service.name);
  try {
    const result = await upsertComment({
      token: opts.token,
      baseUrl: context.apiUrl,
      owner: context.owner,
      repo: context.repo,
      issueNumber: context.pr,
      marker,
      body: renderReport(doc, { marker }),
      log: opts.log,
      retry: opts.retry,
    });
    return "skipped" in result ? {} : { commentUrl: result.url, commentId: result.id };
  } catch (error) {
    opts.log.warn(
      `Could not write the pull request comment: ${errorText(error)}. The gate's verdict is not affected.`,
    );
    return {};
  }
}

export async function publishResults(doc: ResultsDocument, opts: PublishOptions): Promise<PublishResult> {
  let resultsFile = opts.resultsFile;
  let fileError: unknown;
  try {
    resultsFile = writeResultsFile(opts.resultsFile, doc);
    opts.log.info(`Wrote the results to ${resultsFile}`);
  } catch (error) {
    fileError = error;
  }

  try {
    await writeJobSummary(renderReport(doc));
  } catch (error) {
    opts.log.warn(`Could not write the job summary: ${errorText(error)}`);
  }

  const comment = opts.comment ? await publishComment(doc, opts) : {};

  const outputs = actionOutputs(doc, { resultsFile, ...comment });
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);

  // Outputs, summary and comment are out first, so a failed results file still leaves the run reported.
  if (fileError) throw fileError;
  return { resultsFile, ...comment };
}
