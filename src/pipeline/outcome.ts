// How a run ends, in one place for the action and the CLI: what kind of failure it was, the exit code (the
// CLI's; the action fails its step for every non-zero one), and the one line that says why.
//   0 passed (or failed with fail-on-threshold: false)   1 the gate failed (thresholds, regression)
//   2 invalid input (also a manifest the cluster's Knative webhook rejects)
//   3 the run could not finish: cluster unreachable or refusing, not Ready, timed out, cancelled
//   4 internal error: a bug in knative-perf-gate (its stack is in the debug output)
import { inputErrorsOf } from "../config/errors.js";
import { CancelledError, ClusterError, statusCodeOf } from "../kube/errors.js";
import type { ResultsDocument } from "../results.js";
import { failureSummary } from "../verdict/summary.js";

export type Failure = "gate" | "input" | "cluster" | "cancelled" | "internal";

export const EXIT = {
  passed: 0,
  gateFailed: 1,
  invalidInput: 2,
  clusterError: 3,
  internalError: 4,
} as const;

export interface Decision {
  exit: number;
  /** ok: nothing to say; warn: a failed gate that must not fail the job; fail: the job fails with `message`. */
  level: "ok" | "warn" | "fail";
  message: string;
}

export interface GateOutcome {
  doc: ResultsDocument;
  failure?: Failure;
}

/** What kind of failure a thrown value is. Anything not known to come from input, the cluster or a cancel is a bug. */
export function failureOf(error: unknown, signal?: AbortSignal): Exclude<Failure, "gate"> {
  if (error instanceof CancelledError || signal?.aborted) return "cancelled";
  if (inputErrorsOf(error).length > 0) return "input";
  if (error instanceof ClusterError || isTransportOrApiError(error)) return "cluster";
  return "internal";
}

export function decide(outcome: GateOutcome, failOnThreshold: boolean): Decision {
  const { doc, failure } = outcome;
  switch (failure) {
    case undefined:
      return { exit: EXIT.passed, level: "ok", message: "performance gate passed" };
    case "gate":
      return failOnThreshold
        ? { exit: EXIT.gateFailed, level: "fail", message: failureSummary(doc) }
        : { exit: EXIT.passed, level: "warn", message: `${failureSummary(doc)} (fail-on-threshold: false)` };
    default:
      return decideFailure(failure, doc.error ?? "the run did not finish");
  }
}

/** For a value thrown outside the run (inputs, the cleanup command): the same codes and wording. */
export function decideError(error: unknown): Decision {
  const message = error instanceof Error ? error.message : String(error);
  return decideFailure(failureOf(error), message);
}

function decideFailure(failure: Exclude<Failure, "gate">, message: string): Decision {
  switch (failure) {
    case "input":
      return { exit: EXIT.invalidInput, level: "fail", message };
    case "internal":
      return {
        exit: EXIT.internalError,
        level: "fail",
        message: `internal error: ${message} (a bug in knative-perf-gate: please report it with the debug output)`,
      };
    default:
      return { exit: EXIT.clusterError, level: "fail", message };
  }
}

/** client-node's ApiException (an HTTP status) or a transport failure (ECONNREFUSED, a reset) not yet wrapped. */
function isTransportOrApiError(error: unknown): boolean {
  if (statusCodeOf(error) !== undefined) return true;
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === "string" || typeof (error as { code?: unknown })?.code === "string";
}
