// PR-isolated names: `hello-pr-{pr}`, `hello-{sha}`, `hello-{run}` give each pull request (or commit, or run)
// its own Service so that parallel runs never measure or delete each other's.
import { InputError } from "./errors.js";

export interface RunIdentity {
  /** Pull request number, when the run is for a pull request. */
  pr?: number;
  /** Commit SHA (for a pull request: its head commit). {sha} uses the first 7 characters. */
  sha?: string;
  /** Workflow run id. */
  runId?: string;
}

export const PLACEHOLDERS = ["{pr}", "{sha}", "{run}"] as const;

export function expandPlaceholders(input: string, template: string, identity: RunIdentity): string {
  return template.replace(/\{([^{}]*)\}/g, (whole, name: string) => {
    switch (name) {
      case "pr":
        if (identity.pr === undefined) {
          throw new InputError(input, "{pr} is used but this run is not for a pull request", {
            hint: "use {sha} or {run} for runs on push or schedule",
          });
        }
        return String(identity.pr);
      case "sha":
        if (!identity.sha || !/^[0-9a-fA-F]{7,}$/.test(identity.sha)) {
          throw new InputError(input, "{sha} is used but the commit SHA is unknown", {
            hint: "run it in GitHub Actions (GITHUB_SHA) or use {run}",
          });
        }
        return identity.sha.slice(0, 7).toLowerCase();
      case "run":
        if (!identity.runId) {
          throw new InputError(input, "{run} is used but the workflow run id is unknown", {
            hint: "run it in GitHub Actions (GITHUB_RUN_ID) or use {sha}",
          });
        }
        return identity.runId;
      default:
        throw new InputError(input, `unknown placeholder ${whole}`, {
          hint: `valid placeholders: ${PLACEHOLDERS.join(", ")}`,
        });
    }
  });
}
