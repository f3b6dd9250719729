// raw inputs (from the action or the CLI) → Settings. Every input is validated and every problem reported at
// once; the files inputs name are read here, through ctx.readFile. No network call happens here, so bad input
// never reaches a cluster.
// The inputs are read in groups (groups/*.ts), each returning its settings as a draft in which a value that
// failed its check is INVALID; then cross-check.ts applies the rules between inputs; then, if nothing was
// reported, the drafts are complete and become the Settings.
import { ErrorCollector, InputError } from "./errors.js";
import { parseClusterGroup } from "./groups/cluster.js";
import { parseComparisonGroup } from "./groups/comparison.js";
import { parseLoadGroup } from "./groups/load.js";
import { parseReportGroup } from "./groups/report.js";
import { parseRequestGroup } from "./groups/request.js";
import { parseServiceGroup } from "./groups/service.js";
import { parseTargetGroup } from "./groups/target.js";
import { parseVerdictGroup } from "./groups/verdict.js";
import { crossCheck } from "./cross-check.js";
import { InputReader, complete, type Draft, type ParseContext } from "./input-reader.js";
import { INPUTS, findInput } from "./inputs.js";
import { resolveKubeconfig } from "./kubeconfig.js";
import { didYouMean } from "./suggest.js";
import type { CleanupSettings, Settings } from "./settings.js";

export type { ParseContext } from "./input-reader.js";
export { LIMITS, LOAD_FROM_CHOICES, PRIVATE_ZONE_CHOICES, TEARDOWN_CHOICES } from "./limits.js";

const KNOWN: readonly string[] = INPUTS.map((i) => i.name);

export function parseSettings(raw: Record<string, string | undefined>, ctx: ParseContext): Settings {
  const errors = new ErrorCollector();
  checkNames(raw, errors);
  const inputs = new InputReader(raw, errors);
  const cluster = parseClusterGroup(inputs, ctx);
  const service = parseServiceGroup(inputs, ctx);
  const target = parseTargetGroup(inputs);
  const request = parseRequestGroup(inputs);
  const load = parseLoadGroup(inputs);
  const verdict = parseVerdictGroup(inputs, ctx);
  const comparison = parseComparisonGroup(inputs, ctx, service);
  const report = parseReportGroup(inputs);
  crossCheck(inputs, { request, load, verdict, comparison });
  throwInInputOrder(errors);
  const { load: loadSettings, ...loadGroup } = load;
  return {
    ...completed(service),
    ...completed(cluster),
    ...completed(target),
    request: completed(request),
    load: completed(loadSettings),
    ...completed(loadGroup),
    ...completed(verdict),
    ...completed(comparison),
    ...completed(report),
  };
}

/**
 * The post step and the `cleanup` command: they only need the cluster, read from the same inputs with the same
 * checks as a run (kubeconfig or kubeconfig-file, validated, the file read within its size limit). The action's
 * inputs are masked when read (readActionInputs), as for a run.
 */
export function parseCleanupSettings(
  raw: Record<string, string | undefined>,
  ctx: Pick<ParseContext, "readFile">,
): CleanupSettings {
  const inputs = new InputReader(raw);
  const kubeconfig = inputs.check(() =>
    resolveKubeconfig(inputs.value("kubeconfig"), inputs.value("kubeconfig-file"), ctx.readFile),
  );
  throwInInputOrder(inputs.errors);
  return completed({ kubeconfig });
}

/** Names that are not inputs (a typo in a workflow's `with:`) are reported with a suggestion. */
function checkNames(raw: Record<string, string | undefined>, errors: ErrorCollector): void {
  for (const name of Object.keys(raw)) {
    if (!findInput(name)) {
      errors.add(
        new InputError(name, "is not an input of knative-perf-gate", {
          hint: `${didYouMean(name, KNOWN)}valid inputs: ${KNOWN.join(", ")}`,
        }),
      );
    }
  }
}

/** Report in the order of the inputs table (action.yml's order), whatever order the checks ran in. */
function throwInInputOrder(errors: ErrorCollector): void {
  const order = (input: string) => KNOWN.indexOf(input);
  errors.errors.sort((a, b) => order(a.input) - order(b.input));
  errors.throwIfAny();
}

/** A group after every input passed: a field still INVALID means a check failed without reporting it (a bug). */
function completed<T extends object>(draft: Draft<T>): T {
  const settings = complete(draft);
  if (!settings) throw new Error("internal error: an input failed its check without an error message");
  return settings;
}
