// Phase 3: the namespace (when asked to create it), then each subject's Service applied, its pods watched
// from the moment it exists, and its Ready awaited. Subjects deploy side by side; ready-seconds counts from each
// one's deploy request, as a user timing `kubectl apply` + wait would.
import type { Cluster } from "../../kube/cluster.js";
import { applyService } from "../../kube/deploy.js";
import { trackPods } from "../../kube/pods.js";
import { waitForReady } from "../../kube/ready.js";
import type { RunScope } from "../scope.js";
import { claimRunNamespace } from "../sharing.js";
import type { DeployedSubject, Subject } from "../subject.js";

export function deploy(scope: RunScope, cluster: Cluster, subjects: Subject[]): Promise<DeployedSubject[]> {
  const { settings, log } = scope;
  const title = subjects.map((s) => `${s.namespace}/${s.name}`).join(" and ");
  return log.group(`Deploy ${title}`, async () => {
    if (settings.createNamespace) await claimRunNamespace(scope, cluster);
    return Promise.all(subjects.map((subject) => deployOne(scope, cluster, subject)));
  });
}

async function deployOne(scope: RunScope, cluster: Cluster, subject: Subject): Promise<DeployedSubject> {
  const { settings, signal } = scope;
  const info =
    subject.side === "candidate"
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
      scope.recorder.record({ deleteService: ours });
    },
  });
  info(
    `${applied.created ? "created" : "updated"} service (generation ${applied.service.metadata.generation})`,
  );
  const pods = trackPods(cluster, subject.namespace, subject.name, { log: info });
  scope.defer(() => pods.stop());
  info(`waiting up to ${Math.round(settings.readyTimeoutMs / 1000)} s for Ready`);
  const ready = await waitForReady(cluster, {
    namespace: subject.namespace,
    name: subject.name,
    timeoutMs: settings.readyTimeoutMs,
    since: deployedAt,
    signal,
    log: info,
  });
  info(`Ready in ${(ready.readyMs / 1000).toFixed(1)} s: ${ready.url} (revision ${ready.revision})`);
  return { ...subject, ready, pods, created: owned };
}
