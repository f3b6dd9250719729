// Phase 4 (cold-start: true): wait (bounded) until the revision has no pod, then time one request through the
// activator. From the runner even with load-from: cluster: one request, timed where the gate runs.
import { CancelledError, ClusterError } from "../../kube/errors.js";
import { measureFirstRequest, type LoadTarget } from "../../load/index.js";
import type { ColdStartSummary } from "../../results.js";
import type { RunScope } from "../scope.js";
import type { DeployedSubject } from "../subject.js";

/**
 * Every subject's cold start, one after the other (two probes at once would share the activator and the
 * node); in an A/B run the order is drawn from the seed, so neither side is always the first to wake the
 * cluster up. The summaries come back in the subjects' order.
 */
export async function measureColdStarts(
  scope: RunScope,
  subjects: Array<{ subject: DeployedSubject; target: LoadTarget }>,
  seed: number,
): Promise<ColdStartSummary[]> {
  const order = subjects.map((_, i) => i);
  if (seed % 2 === 1) order.reverse();
  const summaries: ColdStartSummary[] = [];
  for (const i of order)
    summaries[i] = await measureColdStart(scope, subjects[i].subject, subjects[i].target);
  return summaries;
}

export function measureColdStart(
  scope: RunScope,
  subject: DeployedSubject,
  target: LoadTarget,
): Promise<ColdStartSummary> {
  const { settings, signal, log } = scope;
  const title = scope.settings.abBaseline ? `Cold start (${subject.side})` : "Cold start";
  return log.group(title, async () => {
    const waitStarted = Date.now();
    const bound = Math.round(settings.coldStartTimeoutMs / 1000);
    log.info(`waiting up to ${bound} s for the revision to scale to zero`);
    const atZero = await subject.pods.waitFor(
      (c) => c.serving === 0 && c.pending === 0 && c.terminating === 0,
      settings.coldStartTimeoutMs,
      signal,
    );
    if (!atZero) {
      if (signal.aborted) throw new CancelledError("cancelled while waiting for scale to zero");
      throw new ClusterError(
        `cold-start: the revision did not scale to zero within ${bound} s (cold-start-timeout); ` +
          "check autoscaling.knative.dev/min-scale and the scale-to-zero grace period",
      );
    }
    const scaleToZeroWaitMs = Date.now() - waitStarted;
    const first = await measureFirstRequest({ ...target, request: settings.request, signal });
    const readyAt = subject.pods.firstServingReadyAfter(first.sentAt);
    const summary: ColdStartSummary = {
      firstResponseMs: first.firstResponseMs,
      podReadyMs: readyAt === undefined ? undefined : readyAt - first.sentAt,
      status: first.status,
      scaleToZeroWaitMs,
      ...(first.unanswered ? { unanswered: first.unanswered } : {}),
    };
    if (first.unanswered) log.info(`no answer to the cold-start request: ${first.unanswered}`);
    else
      log.info(
        `first response after ${summary.firstResponseMs.toFixed(0)} ms (HTTP ${summary.status})` +
          (summary.podReadyMs === undefined ? "" : `; a pod was Ready after ${summary.podReadyMs} ms`),
      );
    return summary;
  });
}
