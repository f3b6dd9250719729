// The rules that relate two or more inputs, applied once every input has had its own check. A rule runs only on
// values that passed their own checks (a value that failed is already reported, and blaming it twice would
// only add noise), except url/gateway, which are refused together whatever their values.
import { InputError } from "./errors.js";
import { isValid, type Checked, type Draft, type InputReader } from "./input-reader.js";
import type { InputName } from "./inputs.js";
import { LIMITS, MAX_CAPACITY_STEPS } from "./limits.js";
import type { LoadDraft } from "./groups/load.js";
import { metricValue, stageMetricOf, type ThresholdRule } from "../metrics.js";
import type { ComparisonSettings, LoadStage, RequestSettings, VerdictSettings } from "./settings.js";
import { workersProblem } from "../worker-limits.js";

export interface GroupDrafts {
  request: Draft<RequestSettings>;
  load: LoadDraft;
  verdict: Draft<VerdictSettings>;
  comparison: Draft<ComparisonSettings>;
}

const ab_ = (comparison: Draft<ComparisonSettings>): boolean => comparison.abBaseline !== undefined;

/**
 * A staged load replaces duration, connections and rate; what it does not support yet (a request cap, load from
 * the cluster, an A/B run) is refused rather than half done.
 */
function checkStages(inputs: InputReader, load: LoadDraft, ab: boolean): void {
  if (inputs.value("stages") === "") return;
  const fail = (input: InputName, problem: string, hint: string) =>
    inputs.errors.add(new InputError(input, problem, { hint }));
  if (inputs.given("duration")) {
    fail("duration", "duration and stages are both set", "each stage has its own duration; remove duration");
  }
  if (inputs.given("rate")) {
    fail("rate", "rate and stages are both set", "give each stage its rate, e.g. 30s:100/s; remove rate");
  }
  const stages = isValid(load.stages) ? load.stages : undefined;
  if (stages && inputs.given("connections") && stages.every((s) => s.rate === undefined)) {
    fail(
      "connections",
      "connections and stages are both set, and every stage gives its own connections",
      "connections applies only to open-loop stages (<duration>:<rate>/s); remove it",
    );
  }
  if (inputs.given("requests")) {
    fail(
      "requests",
      "a request cap is not supported with stages",
      "remove requests; each stage runs for its duration",
    );
  }
  if (load.loadFrom === "cluster") {
    fail(
      "stages",
      "a staged load from the cluster is not supported yet",
      "remove load-from: cluster, or stages",
    );
  }
  if (ab) {
    fail(
      "stages",
      "an A/B run with stages is not supported yet",
      "remove stages (an A/B run takes duration, connections and rate), or baseline-image/baseline-service-file",
    );
  }
}

/** Rules on stages need them: a stage[N] rule a stage N, scale-up.seconds at least two stages to step between. */
function checkStageRules(
  inputs: InputReader,
  rules: ThresholdRule[] | undefined,
  stages: LoadStage[] | undefined,
): void {
  if (!rules || (stages === undefined && inputs.value("stages") !== "")) return;
  const count = stages?.length ?? 0;
  for (const rule of rules) {
    const staged = stageMetricOf(rule.metric);
    const fail = (problem: string, hint: string) =>
      inputs.errors.add(
        new InputError("thresholds", `"${rule.source}" ${problem}`, { line: rule.line, hint }),
      );
    if (staged && staged.index > count) {
      fail(
        count === 0 ? "needs stages" : `names stage ${staged.index}, but stages has ${count}`,
        count === 0 ? "set stages, e.g. 30s:2, 1m:40" : `stages count from 1 to ${count}`,
      );
    } else if (rule.metric === "scale-up.seconds" && count < 2) {
      fail("needs stages to step between", "set stages with at least two levels, e.g. 30s:2, 1m:40");
    }
  }
}

/** The search runs its own steps from the runner: what would fight it is refused. */
function checkCapacitySearch(inputs: InputReader, load: LoadDraft, ab: boolean): void {
  if (inputs.value("capacity-search") === "") return;
  const fail = (input: InputName, problem: string, hint: string) =>
    inputs.errors.add(new InputError(input, problem, { hint }));
  if (inputs.value("stages") !== "") {
    fail("stages", "stages and capacity-search are both set", "the search chooses its own steps; remove one");
  }
  if (inputs.given("requests")) {
    fail("requests", "a request cap is not supported with capacity-search", "remove requests");
  }
  if (load.loadFrom === "cluster") {
    fail(
      "capacity-search",
      "a capacity search from the cluster is not supported yet",
      "remove load-from: cluster",
    );
  }
  if (ab) {
    fail("capacity-search", "an A/B run with capacity-search is not supported yet", "remove capacity-search");
  }
  const step = isValid(load.load.durationMs) ? load.load.durationMs : undefined;
  if (step !== undefined && step * MAX_CAPACITY_STEPS > LIMITS.duration.maxMs) {
    fail(
      "duration",
      `with capacity-search, duration is each step's length: ${MAX_CAPACITY_STEPS} steps of ${step / 1000} s exceed 1h`,
      `use at most ${LIMITS.duration.maxMs / MAX_CAPACITY_STEPS / 1000} s`,
    );
  }
}

export function crossCheck(inputs: InputReader, { request, load, verdict, comparison }: GroupDrafts): void {
  const fail = (error: InputError) => inputs.errors.add(error);
  const valid = <T>(value: Checked<T>): T | undefined => (isValid(value) ? value : undefined);
  const { loadFrom, loadWorkers, coldStart } = load;
  const connections = valid(load.load.connections);
  const requests = valid(load.load.requests);

  // Worker pods exist only for a load from the cluster, and each needs its share of connections and requests.
  if (loadFrom === "runner" && isValid(loadWorkers) && loadWorkers > 1) {
    fail(
      new InputError("load-workers", `${loadWorkers} workers need load-from: cluster`, {
        hint: "the runner is one client; set load-from: cluster, or remove load-workers",
      }),
    );
  }
  if (loadFrom === "cluster" && isValid(loadWorkers) && connections !== undefined) {
    const problem = workersProblem(loadWorkers, { connections, requests });
    if (problem) fail(new InputError("load-workers", problem));
  }

  checkStages(inputs, load, ab_(comparison));
  checkCapacitySearch(inputs, load, ab_(comparison));

  // An A/B run loads two Services side by side from the runner; a url input would send both loads to one place.
  const ab = comparison.abBaseline !== undefined;
  const abInput = inputs.value("baseline-image") !== "" ? "baseline-image" : "baseline-service-file";
  if (ab && loadFrom === "cluster") {
    fail(
      new InputError(
        abInput,
        "an A/B run loads both Services from the runner; load-from: cluster is not supported with it yet",
        {
          hint: "remove load-from: cluster, or compare with a baseline results file instead",
        },
      ),
    );
  }
  if (ab && inputs.value("url") !== "") {
    fail(
      new InputError(
        "url",
        "an A/B run needs each Service's own address; url sends every request to one place",
        {
          hint: "use gateway (each Service is reached with its own Host header), or no url (status.url)",
        },
      ),
    );
  }
  if (ab && inputs.value("baseline") !== "") {
    fail(
      new InputError("baseline", "a baseline results file and an A/B baseline are both set", {
        hint: "compare with one: baseline-image / baseline-service-file (side by side, stronger) or baseline (a stored run)",
      }),
    );
  }

  if (inputs.value("url") !== "" && inputs.value("gateway") !== "") {
    fail(
      new InputError("gateway", "url and gateway are both set", {
        hint: "set one: url sends straight to that origin; gateway sends to an address with the Service's Host header",
      }),
    );
  }

  if (request.body !== undefined && request.method === "HEAD") {
    fail(
      new InputError("body", "a HEAD request has no body", { hint: "use another method or remove the body" }),
    );
  }

  // Rules on the cold start need it measured.
  const thresholds = valid(verdict.thresholds);
  const coldStartRule = coldStart === false ? thresholds?.find((r) => r.metric === "cold-start") : undefined;
  if (coldStartRule) {
    fail(
      new InputError("thresholds", `"${coldStartRule.source}" needs a cold-start measurement`, {
        line: coldStartRule.line,
        hint: "set cold-start: true, or remove the rule",
      }),
    );
  }
  checkStageRules(inputs, thresholds, valid(load.stages));

  const maxRegression = valid(verdict.maxRegression);
  if (coldStart === false && maxRegression?.some((r) => r.metric === "cold-start")) {
    fail(
      new InputError("max-regression", "cold-start needs a cold-start measurement", {
        hint: "set cold-start: true",
      }),
    );
  }

  // The baseline must hold every metric a regression rule compares.
  const baseline = valid(verdict.baselineDocument);
  if (baseline && maxRegression) {
    const missing = maxRegression
      .filter((r) => metricValue(baseline, r.metric) === null)
      .map((r) => r.metric);
    if (missing.length > 0) {
      fail(
        new InputError(
          "baseline",
          `"${valid(verdict.baseline)}" has no ${missing.join(", ")} to compare with`,
          {
            hint: baseline.error
              ? `that run failed (${baseline.error}); use the results of a run that finished`
              : `remove ${missing.join(", ")} from max-regression or record a new baseline`,
          },
        ),
      );
    }
  }
}
