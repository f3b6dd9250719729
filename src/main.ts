// The action's main step: read inputs, run the gate, publish, and fail the step when the gate fails.
import * as core from "@actions/core";
import { actionLog } from "./action-log.js";
import { actionState } from "./action-state.js";
import { actionContext, readActionInputs } from "./config/action-inputs.js";
import { readFileUpTo } from "./config/files.js";
import { parseSettings } from "./config/parse.js";
import { decide, decideError } from "./pipeline/outcome.js";
import { runGate } from "./pipeline/run.js";
import { abortOnSignals } from "./pipeline/signals.js";
import { writeBenchmarkFiles } from "./report/benchmark-file.js";
import { publishResults } from "./report/publish.js";

export async function runMain(): Promise<void> {
  const signals = abortOnSignals((signal) => core.warning(`${signal}: stopping the run and cleaning up`));
  try {
    const context = actionContext();
    const settings = parseSettings(readActionInputs(), {
      ...context,
      readFile: readFileUpTo,
    });
    const outcome = await runGate(settings, {
      log: actionLog,
      state: actionState,
      signal: signals.signal,
      github: context.results,
    });
    await publishResults(outcome.doc, {
      resultsFile: settings.resultsFile,
      comment: settings.comment,
      token: settings.githubToken,
      log: actionLog,
    });
    if (settings.benchmarkFile)
      for (const path of writeBenchmarkFiles(settings.benchmarkFile, outcome.doc))
        actionLog.info(`Wrote ${path}`);
    const decision = decide(outcome, settings.failOnThreshold);
    if (decision.level === "fail") core.setFailed(decision.message);
    else if (decision.level === "warn") core.warning(decision.message);
  } catch (error) {
    if (error instanceof Error && error.stack) core.debug(error.stack);
    core.setFailed(decideError(error).message);
  } finally {
    signals.dispose();
  }
}
