// The CLI: `knative-perf-gate run --service-file ... [--json]` (flags mirror the action's inputs) and
// `knative-perf-gate cleanup --state-file FILE`. Exit codes (pipeline/outcome.ts): 0 passed, 1 gate failed,
// 2 invalid input, 3 the run could not finish (cluster, Ready, cancelled), 4 internal error.
import { parseCliArgs } from "./config/cli-args.js";
import { readFileUpTo } from "./config/files.js";
import { parseCleanupSettings, parseSettings } from "./config/parse.js";
import { openCluster } from "./kube/cluster.js";
import { runCleanup } from "./pipeline/cleanup.js";
import { streamLog } from "./pipeline/log.js";
import { decide, decideError, EXIT } from "./pipeline/outcome.js";
import { runGate } from "./pipeline/run.js";
import { abortOnSignals } from "./pipeline/signals.js";
import { fileState } from "./pipeline/state.js";
import { renderForCli, wantsColor } from "./report/text.js";
import { writeResultsFile } from "./report/results-file.js";
import { writeBenchmarkFiles } from "./report/benchmark-file.js";

export { EXIT } from "./pipeline/outcome.js";

const DEFAULT_STATE_FILE = ".knative-perf-gate-state.json";

export async function runCli(
  argv: string[],
  io: {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    /** Aborts this run as SIGTERM would (for callers running several CLI runs in one process: tests). */
    signal?: AbortSignal;
  } = {
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
      const { kubeconfig } = parseCleanupSettings(args.raw, { readFile: readFileUpTo });
      await runCleanup(await openCluster(kubeconfig), plan, state, log);
      return EXIT.passed;
    }
    const settings = parseSettings(args.raw, {
      ...githubEnvironment(),
      readFile: readFileUpTo,
    });
    const signals = abortOnSignals((signal) => log.warn(`${signal}: stopping the run and cleaning up`));
    try {
      const signal = io.signal ? AbortSignal.any([signals.signal, io.signal]) : signals.signal;
      const outcome = await runGate(settings, { log, state, signal });
      const { doc } = outcome;
      writeResultsFile(settings.resultsFile, doc);
      if (settings.benchmarkFile) writeBenchmarkFiles(settings.benchmarkFile, doc);
      io.stdout(renderForCli(doc, args.output, { color: wantsColor(process.stdout.isTTY, process.env) }));
      const decision = decide(outcome, settings.failOnThreshold);
      if (decision.level !== "ok") {
        // A failed gate's summary stands alone; a run that could not finish is an error.
        io.stderr(outcome.failure === "gate" ? `${decision.message}\n` : `error: ${decision.message}\n`);
      }
      return decision.exit;
    } finally {
      signals.dispose();
    }
  } catch (error) {
    const decision = decideError(error);
    if (error instanceof Error && error.stack) log.debug(error.stack);
    io.stderr(`error: ${decision.message}\n`);
    return decision.exit;
  }
}

/** Placeholders ({pr}, {sha}, {run}) work from the CLI too when it runs inside a GitHub workflow. */
function githubEnvironment(): { sha?: string; runId?: string; pr?: number } {
  const env = process.env;
  const pr = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? "")?.[1];
  return { sha: env.GITHUB_SHA, runId: env.GITHUB_RUN_ID, pr: pr ? Number(pr) : undefined };
}
