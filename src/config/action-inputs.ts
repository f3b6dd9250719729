// The action adapter: inputs from the runner (INPUT_* variables through @actions/core) and the run's identity
// from the GitHub context. Secrets are masked the moment they are read, before anything could log them.
import * as core from "@actions/core";
import * as github from "@actions/github";
import { ACTION_INPUTS } from "./inputs.js";
import type { RunIdentity } from "./placeholders.js";
import type { ResultsDocument } from "../results.js";

/** Keys whose values in a kubeconfig are credentials; each is masked on its own (see maskKubeconfig). */
const KUBECONFIG_SECRET_KEYS = [
  "token",
  "password",
  "client-key-data",
  "client-certificate-data",
  "id-token",
  "refresh-token",
  "access-token",
  "client-secret",
];

export function readActionInputs(): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const spec of ACTION_INPUTS) {
    const value = core.getInput(spec.name, { trimWhitespace: !spec.keepWhitespace });
    if (spec.secret && value.trim() !== "") {
      if (spec.name === "kubeconfig") maskKubeconfig(value);
      else core.setSecret(value.trim());
    }
    raw[spec.name] = value;
  }
  return raw;
}

/**
 * The runner masks a multi-line secret only as a whole, so a single line of it (a token) printed by some
 * library would still show. Mask the whole content and each credential value in it.
 */
export function maskKubeconfig(content: string): void {
  core.setSecret(content);
  const keys = KUBECONFIG_SECRET_KEYS.join("|");
  const pattern = new RegExp(`^\\s*-?\\s*(?:${keys})\\s*:\\s*["']?([^"'\\s#]+)`, "gm");
  for (const match of content.matchAll(pattern)) {
    if (match[1].length >= 8) core.setSecret(match[1]);
  }
}

export interface ActionContext extends RunIdentity {
  /** Where the report belongs, recorded in the results document. */
  results: NonNullable<ResultsDocument["context"]>;
}

type GithubContext = Pick<typeof github.context, "payload" | "sha" | "ref" | "runId" | "repo">;

/** For a pull request, {sha} is the head commit (GITHUB_SHA is a merge commit that exists only in the runner). */
export function actionContext(context: GithubContext = github.context): ActionContext {
  const pullRequest = context.payload.pull_request as
    { number?: number; head?: { sha?: string } } | undefined;
  const pr = typeof pullRequest?.number === "number" ? pullRequest.number : undefined;
  const sha = pullRequest?.head?.sha || context.sha || undefined;
  const runId = context.runId ? String(context.runId) : undefined;
  let repository: string | undefined;
  try {
    repository = `${context.repo.owner}/${context.repo.repo}`;
  } catch {
    // GITHUB_REPOSITORY is unset outside a workflow; the results simply carry no repository.
    repository = undefined;
  }
  return { pr, sha, runId, results: { repository, sha, ref: context.ref || undefined, pr, runId } };
}
