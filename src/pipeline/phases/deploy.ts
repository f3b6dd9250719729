// Phase 3: the namespace (when asked to create it), then each subject's Service applied, its pods watched
// from the moment it exists, and its Ready awaited. Subjects deploy side by side and are waited for together;
// when one fails the others' waits are stopped, and the failure names its side in an A/B run. ready-seconds
// counts from each one's deploy request, as a user timing `kubectl apply` + wait would.
import { InputError, inputErrorsOf, InputErrors } from "../../config/errors.js";
import type { Cluster } from "../../kube/cluster.js";
import { applyService } from "../../kube/deploy.js";
import { CancelledError, ClusterError } from "../../kube/errors.js";
import { trackAutoscaler } from "../../kube/pod-autoscaler.js";
import { trackPods } from "../../kube/pods.js";
import { waitForReady } from "../../kube/ready.js";
import type { RunScope } from "../scope.js";
import { claimRunNamespace } from "../sharing.js";
import type { DeployedSubject, Subject } from "../subject.js";

export interface DeployHooks {
  /** Called once every subject's Service has been applied, while their Ready is awaited. */
  onApplied?: () => void;
}

export function deploy(
  scope: RunScope,
  cluster: Cluster,
  subjects: Subject[],
  hooks: DeployHooks = {},
): Promise<DeployedSubject[]> {
  const { settings, log } = scope;
  const title = subjects.map((s) => `${s.namespace}/${s.name}`).join(" and ");
  let waiting = subjects.length;
  const applied = () => {
    if (--waiting === 0) hooks.onApplied?.();
  };
  return log.group(`Deploy ${title}`, async () => {
    if (settings.createNamespace) await claimRunNamespace(scope, cluster);
    if (subjects.length === 1) return [await deployOne(scope, cluster, subjects[0], scope.signal, applied)];
    // Side by side: the first failure stops the other sides' waits (they would otherwise run to ready-timeout),
    // and every side is settled before the run moves on to cleanup, so no create is still in flight then.
    const siblings = new AbortController();
    const stopSiblings = () => siblings.abort(scope.signal.reason);
    scope.signal.addEventListener("abort", stopSiblings, { once: true });
    let firstError: unknown;
    try {
      const settled = await Promise.allSettled(
        subjects.map((subject) =>
          deployOne(scope, cluster, subject, siblings.signal, applied).catch((error: unknown) => {
            // A side stopped because another failed: the other side's error is the one to report.
            if (!siblings.signal.aborted || scope.signal.aborted) firstError ??= sideError(subject, error);
            siblings.abort(error);
            throw error;
          }),
        ),
      );
      if (firstError !== undefined) throw firstError;
      return settled.map((result) => (result as PromiseFulfilledResult<DeployedSubject>).value);
    } finally {
      scope.signal.removeEventListener("abort", stopSiblings);
    }
  });
}

async function deployOne(
  scope: RunScope,
  cluster: Cluster,
  subject: Subject,
  signal: AbortSignal,
  onApplied: () => void,
): Promise<DeployedSubject> {
  const { settings } = scope;
  const info =
    subject.side === "candidate" && !settings.abBaseline
      ? scope.log.info
      : (line: string) => scope.log.info(`[${subject.side}] ${line}`);
  let deployedAt = Date.now();
  let owned = false;
  const applied = await applyService(cluster, subject.manifest, {
    updateExisting: settings.updateExisting,
    lease: scope.lease,
    leaseWaitMs: settings.leaseWaitMs,
    signal,
    log: info,
    beforeWrite: (ours) => {
      // Ready time counts from the write, not from a wait for another run's lease (lease-wait).
      deployedAt = Date.now();
      owned = ours;
      if (subject.side === "candidate") scope.recorder.record({ deleteService: ours });
      else scope.recorder.record({ baseline: { service: subject.name, deleteService: ours } });
    },
  });
  info(
    `${applied.created ? "created" : "updated"} service (generation ${applied.service.metadata.generation})`,
  );
  const pods = trackPods(cluster, subject.namespace, subject.name, { log: info });
  scope.defer(() => pods.stop());
  const autoscaler = trackAutoscaler(cluster, subject.namespace, subject.name, { log: info });
  scope.defer(() => autoscaler.stop());
  onApplied();
  info(`waiting up to ${Math.round(settings.readyTimeoutMs / 1000)} s for Ready`);
  const ready = await waitForReady(cluster, {
    namespace: subject.namespace,
    name: subject.name,
    timeoutMs: settings.readyTimeoutMs,
    podProblemWindowMs: settings.podProblemWindowMs,
    // The tracker's list and watch: one of each per run for the pods, not one for each of the two uses.
    pods: pods.events,
    since: deployedAt,
    signal,
    log: info,
  });
  info(`Ready in ${(ready.readyMs / 1000).toFixed(1)} s: ${ready.url} (revision ${ready.revision})`);
  return { ...subject, ready, pods, autoscaler, created: owned };
}

/** The error with its side named ("baseline: service … failed: RevisionFailed: …"), keeping its kind. */
function sideError(subject: Subject, error: unknown): unknown {
  const side = subject.side;
  if (error instanceof CancelledError) return error;
  if (error instanceof ClusterError) return new ClusterError(`${side}: ${error.message}`, error.reason);
  const inputs = inputErrorsOf(error);
  if (inputs.length > 0) {
    const input = side === "baseline" ? "baseline-service-file" : "service-file";
    return new InputErrors(
      inputs.map(
        (e) =>
          new InputError(e.input === "service-file" ? input : e.input, `${side}: ${e.problem}`, {
            line: e.line,
            column: e.column,
            hint: e.hint,
          }),
      ),
    );
  }
  return error instanceof Error ? Object.assign(error, { message: `${side}: ${error.message}` }) : error;
}
