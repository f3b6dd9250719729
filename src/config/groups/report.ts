// What happens after the run: the PR comment and its token, the results file, and what is torn down.
import { InputError } from "../errors.js";
import { INVALID, type Draft, type InputReader } from "../input-reader.js";
import { TEARDOWN_CHOICES } from "../limits.js";
import type { ReportSettings } from "../settings.js";
import { controlCharacterAt, parseEnum } from "../values.js";

export function parseReportGroup(inputs: InputReader): Draft<ReportSettings> {
  const resultsFile = inputs.value("results-file");
  const isPath = resultsFile !== "" && controlCharacterAt(resultsFile) < 0 && !resultsFile.endsWith("/");
  if (!isPath) {
    inputs.errors.add(
      new InputError("results-file", `"${resultsFile}" is not a file path`, {
        hint: "e.g. knative-perf-gate-results.json",
      }),
    );
  }
  const benchmarkFile = inputs.value("benchmark-file") || undefined;
  const benchmarkIsPath =
    benchmarkFile === undefined || (controlCharacterAt(benchmarkFile) < 0 && !benchmarkFile.endsWith("/"));
  if (!benchmarkIsPath) {
    inputs.errors.add(
      new InputError("benchmark-file", `"${benchmarkFile}" is not a file path`, { hint: "e.g. perf.json" }),
    );
  }
  return {
    benchmarkFile: benchmarkIsPath ? benchmarkFile : INVALID,
    comment: inputs.bool("comment"),
    githubToken: inputs.value("github-token") || undefined,
    teardown: inputs.check(() => parseEnum("teardown", inputs.value("teardown"), TEARDOWN_CHOICES)),
    resultsFile: isPath ? resultsFile : INVALID,
  };
}
