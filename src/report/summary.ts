// The job summary: the same Markdown report, on the run's summary page. Only inside GitHub Actions (where
// GITHUB_STEP_SUMMARY names the file); elsewhere, such as the CLI on a laptop, there is nowhere to write it.
import * as core from "@actions/core";

/** Appends `markdown` to the job summary; false when the runner offers none. */
export async function writeJobSummary(markdown: string): Promise<boolean> {
  if (!process.env.GITHUB_STEP_SUMMARY) return false;
  await core.summary.addRaw(markdown, true).write();
  return true;
}
