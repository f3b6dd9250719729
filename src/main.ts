// The action's main step: read inputs, run the gate, publish, and fail the step when the gate fails.
import * as core from "@actions/core";
import { actionContext, readActionInputs } from "./config/action-inputs.js";
import { parseSettings } from "./config/parse.js";
import { readFileSync } from "node:fs";
import { errorMessage } from "./pipeline/errors.js";
import type { Log } from "./pipeline/log.js";
import { runGate } from "./pipeline/run.js";
import { abortOnSignals } from "./pipeline/signals.js";
import { actionState } from "./pipeline/state.js";
import { writeBenchmarkFiles } from "./report/benchmark-file.js";
import { publishResults } from "./report/publish.js";
import { failureSummary } from "./verdict/summary.js";

export const actionLog: Log = {
  info: (line) => core.info(line),
  warn: (line) => core.warning(line),
  group: (title, phase) => core.group(title, phase),
};

export async function runMain(): Promise<void> {
  const signals = abortOnSignals((signal) => core.warning(`${signal}: stopping the run and cleaning up`));
  try {
    const context = actionContext();
    const settings = parseSettings(readActionInputs(), {
      ...context,
      readFile: (path) => readFileSync(path, "utf8"),
    });
    const { doc, failure } = await runGate(settings, {
      log: actionLog,
      state: actionState,
      signal: signals.signal,
      github: context.results,
    });
    await publishResults(doc, {
      resultsFile: settings.resultsFile,
      comment: settings.comment,
      token: settings.githubToken,
      log: actionLog,
    });
    if (settings.benchmarkFile)
      for (const path of writeBenchmarkFiles(settings.benchmarkFile, doc)) actionLog.info(`Wrote ${path}`);
    if (failure === "cluster") core.setFailed(doc.error ?? "the run did not finish");
    else if (failure === "gate" && settings.failOnThreshold) core.setFailed(failureSummary(doc));
    else if (failure === "gate") core.warning(`${failureSummary(doc)} (fail-on-threshold: false)`);
  } catch (error) {
    core.setFailed(errorMessage(error));
  } finally {
    signals.dispose();
  }
}
