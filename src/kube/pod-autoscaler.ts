// Watches the Service's PodAutoscalers (podautoscalers.autoscaling.internal.knative.dev, one per revision, named
// after it) and records every change of status.desiredScale (the autoscaler's decision) and status.actualScale
// (its count of ready pods), with the time it was seen. Upstream's KPA reconciler writes both on each reconcile
// (pkg/reconciler/autoscaling/kpa/kpa.go computeStatus; the fields are in pkg/apis/autoscaling/v1alpha1/
// pa_types.go PodAutoscalerStatus). Optional: PodAutoscaler is an internal type that a least-privilege role may
// not grant; a refused watch leaves the decisions unknown, with a note, and never fails the run.
import type { Cluster } from "./cluster.js";
import { LABEL_SERVICE } from "./knative.js";
import { resilientWatch } from "./watch.js";

export const POD_AUTOSCALER = {
  apiVersion: "autoscaling.internal.knative.dev/v1alpha1",
  kind: "PodAutoscaler",
  plural: "podautoscalers",
} as const;

/** One observed status of a revision's PodAutoscaler. */
export interface ScaleDecision {
  /** Epoch ms when the change was seen. */
  at: number;
  /** status.desiredScale: what the autoscaler wants; -1 while it has no data yet. */
  desired: number;
  /** status.actualScale: the ready pods it counted. */
  actual: number;
}

interface PodAutoscalerObject {
  metadata?: { name?: string; resourceVersion?: string };
  status?: { desiredScale?: number; actualScale?: number };
}

export interface AutoscalerTracker {
  /** The revision's observed statuses, oldest first (each a change of desired or actual). */
  decisions(revision: string): ScaleDecision[];
  /**
   * Why the PodAutoscalers could not be watched (RBAC, or never listed), if so: then decisions are unknown, not
   * absent.
   */
  failure(): string | undefined;
  stop(): void;
}

export function trackAutoscaler(
  cluster: Cluster,
  namespace: string,
  service: string,
  options: { log?: (line: string) => void } = {},
): AutoscalerTracker {
  const byRevision = new Map<string, ScaleDecision[]>();
  let refused: string | undefined;
  let retried: string | undefined;
  let listed = false;

  const record = (pa: PodAutoscalerObject) => {
    const name = pa.metadata?.name;
    const desired = pa.status?.desiredScale;
    if (!name || desired === undefined) return;
    const actual = pa.status?.actualScale ?? 0;
    const list = byRevision.get(name) ?? [];
    const last = list[list.length - 1];
    if (last && last.desired === desired && last.actual === actual) return;
    list.push({ at: Date.now(), desired, actual });
    byRevision.set(name, list);
  };

  const watch = resilientWatch<PodAutoscalerObject>(
    cluster,
    { ...POD_AUTOSCALER, namespace },
    { labelSelector: `${LABEL_SERVICE}=${service}` },
    {
      onSync: (items) => {
        listed = true;
        items.forEach(record);
      },
      onEvent: (type, pa) => {
        if (type !== "DELETED") record(pa);
      },
      // Once: an optional watch must not flood the log while it retries.
      onRetry: (message) => {
        if (retried === undefined) options.log?.(`${message} (the autoscaler's decisions are optional)`);
        retried = message;
      },
      onRefused: (message) => {
        refused = message;
        options.log?.(
          `cannot watch the PodAutoscalers of ${service}: ${message}; the autoscaler's decisions are not reported`,
        );
      },
    },
  );

  return {
    decisions: (revision) => [...(byRevision.get(revision) ?? [])],
    // Never listed (e.g. no such resource: an autoscaler without PodAutoscalers): unknown, not "no decision".
    failure: () =>
      refused ?? (listed ? undefined : `the PodAutoscalers were never listed (${retried ?? "no answer"})`),
    stop: () => watch.stop(),
  };
}
