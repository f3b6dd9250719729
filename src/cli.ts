// The CLI: `knative-perf-gate run --service-file ... [--json]` (flags mirror the action's inputs) and
// `knative-perf-gate cleanup --state-file FILE`. Exit codes: 0 passed, 1 gate failed, 2 invalid input,
// 3 deploy or cluster error.
import { readFileSync } from "node:fs";
import { parseCliArgs } from "./config/cli-args.js";
import { inputErrorsOf } from "./config/errors.js";
import { parseSettings } from "./config/parse.js";
import { openCluster } from "./kube/cluster.js";
import { runCleanup } from "./pipeline/cleanup.js";
import { errorMessage } from "./pipeline/errors.js";
import { streamLog } from "./pipeline/log.js";
import { runGate } from "./pipeline/run.js";
import { abortOnSignals } from "./pipeline/signals.js";
import { fileState } from "./pipeline/state.js";
import { renderForCli, wantsColor } from "./report/text.js";
import { writeResultsFile } from "./report/results-file.js";
import { writeBenchmarkFiles } from "./report/benchmark-file.js";
import { failureSummary } from "./verdict/summary.js";

export const EXIT = { passed: 0, gateFailed: 1, invalidInput: 2, clusterError: 3 } as const;

const DEFAULT_STATE_FILE = ".knative-perf-gate-state.json";

export async function runCli(
  argv: string[],
  io: { stdout: (text: string) => void; stderr: (text: string) => void } = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  const log = streamLog(io.stderr);
  try {
    const args = parseCliArgs(argv);
    if (args.command === "help" || args.command === "version") {
      io.stdout(args.text);
      return EXIT.passed;
    }
    const state = fileState(args.stateFile ?? DEFAULT_STATE_FILE);
    if (args.command === "cleanup") {
      const plan = state.load();
      if (!plan || plan.done) {
        log.info("nothing to clean up");
        return EXIT.passed;
      }
      const kubeconfig =
        args.raw.kubeconfig || (args.kubeconfigPath && readFileSync(args.kubeconfigPath, "utf8"));
      await runCleanup(await openCluster(kubeconfig || undefined), plan, state, log);
      return EXIT.passed;
    }
    const settings = parseSettings(args.raw, {
      ...githubEnvironment(),
      readFile: (path) => readFileSync(path, "utf8"),
    });
    const signals = abortOnSignals((signal) => log.warn(`${signal}: stopping the run and cleaning up`));
    try {
      const { doc, failure } = await runGate(settings, { log, state, signal: signals.signal });
      writeResultsFile(settings.resultsFile, doc);
      if (settings.benchmarkFile) writeBenchmarkFiles(settings.benchmarkFile, doc);
      io.stdout(renderForCli(doc, args.output, { color: wantsColor(process.stdout.isTTY, process.env) }));
      if (failure === "cluster") {
        io.stderr(`error: ${doc.error}\n`);
        return EXIT.clusterError;
      }
      if (failure === "gate") {
        io.stderr(`${failureSummary(doc)}\n`);
        return settings.failOnThreshold ? EXIT.gateFailed : EXIT.passed;
      }
      return EXIT.passed;
    } finally {
      signals.dispose();
    }
  } catch (error) {
    io.stderr(`error: ${errorMessage(error)}\n`);
    // Anything but bad input happened while talking to the cluster (connect, deploy, cleanup).
    return inputErrorsOf(error).length > 0 ? EXIT.invalidInput : EXIT.clusterError;
  }
}

/** Placeholders ({pr}, {sha}, {run}) work from the CLI too when it runs inside a GitHub workflow. */
function githubEnvironment(): { sha?: string; runId?: string; pr?: number } {
  const env = process.env;
  const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? "")?.[1];
  return { sha: env.GITHUB_SHA, runId: env.GITHUB_RUN_ID, pr: pr ? Number(pr) : undefined };
}
