// The ECI PrivateZone switch of Alibaba Cloud ASK: key `enablePrivateZone` in ConfigMap kube-system/eci-profile.
// We set it for the run and put back the value it had, unless someone else changed it in between.
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { Cluster } from "./cluster.js";
import { ClusterError, describeApiError, isConflict, isNotFound } from "./errors.js";
import { DEFAULT_RETRY, isTransient, retryDelayMs, withRetries } from "./retry.js";

export const ECI_PROFILE = {
  namespace: "kube-system",
  name: "eci-profile",
  key: "enablePrivateZone",
} as const;

export interface PrivateZoneChange {
  /** The value before we changed it; undefined when the key was absent. */
  previous?: string;
  /** The value we wrote. */
  applied: string;
}

const MAX_CONFLICT_RETRIES = 5;

async function readProfile(cluster: Cluster): Promise<V1ConfigMap> {
  try {
    return await withRetries(() =>
      cluster.core.readNamespacedConfigMap({ name: ECI_PROFILE.name, namespace: ECI_PROFILE.namespace }),
    );
  } catch (error) {
    if (isNotFound(error)) {
      throw new ClusterError(
        `private-zone: ConfigMap ${ECI_PROFILE.namespace}/${ECI_PROFILE.name} not found; ` +
          "it exists on Alibaba Cloud ASK/ECI clusters only (use private-zone: keep elsewhere)",
      );
    }
    throw new ClusterError(
      `private-zone: cannot read ${ECI_PROFILE.namespace}/${ECI_PROFILE.name}: ${describeApiError(error)}`,
    );
  }
}

/**
 * Read-modify-write with the ConfigMap's resourceVersion: a concurrent writer makes the update fail with 409,
 * and we decide again on the fresh copy instead of overwriting their change. A write that failed without a
 * clear answer (5xx, a dropped connection) may still have happened: if the fresh copy holds exactly what we
 * wrote, it did, and it counts as ours; otherwise we decide again.
 */
async function updateKey(
  cluster: Cluster,
  decide: (current: string | undefined) => { value: string | undefined } | "skip",
  beforeWrite?: (current: string | undefined) => void,
): Promise<{ before: string | undefined; written: boolean }> {
  let unsure: { before: string | undefined; value: string | undefined } | undefined;
  let conflicts = 0;
  let failures = 0;
  for (;;) {
    const cm = await readProfile(cluster);
    const current = cm.data?.[ECI_PROFILE.key];
    if (unsure && current === unsure.value) return { before: unsure.before, written: true };
    unsure = undefined;
    const decision = decide(current);
    if (decision === "skip") return { before: current, written: false };
    const data = { ...cm.data };
    if (decision.value === undefined) delete data[ECI_PROFILE.key];
    else data[ECI_PROFILE.key] = decision.value;
    beforeWrite?.(current);
    try {
      await cluster.core.replaceNamespacedConfigMap({
        name: ECI_PROFILE.name,
        namespace: ECI_PROFILE.namespace,
        body: { ...cm, data },
      });
      return { before: current, written: true };
    } catch (error) {
      if (isConflict(error) && ++conflicts <= MAX_CONFLICT_RETRIES) continue;
      if (isTransient(error) && ++failures < DEFAULT_RETRY.attempts) {
        unsure = { before: current, value: decision.value };
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(failures)));
        continue;
      }
      throw new ClusterError(
        `private-zone: cannot update ${ECI_PROFILE.namespace}/${ECI_PROFILE.name}: ${describeApiError(error)}`,
      );
    }
  }
}

/**
 * Sets the flag; returns the change to undo, or undefined when it already had the wanted value.
 * `beforeWrite` gets the change before each write, so that the cleanup plan can be saved first: a run killed
 * between the write and its answer still knows what to restore (restoring a change that never landed is a
 * no-op: the flag does not hold the value we would have written).
 */
export async function setPrivateZone(
  cluster: Cluster,
  enable: boolean,
  options: { beforeWrite?: (change: PrivateZoneChange) => void } = {},
): Promise<PrivateZoneChange | undefined> {
  const applied = enable ? "true" : "false";
  const { before, written } = await updateKey(
    cluster,
    (current) => (current === applied ? "skip" : { value: applied }),
    (current) => options.beforeWrite?.({ previous: current, applied }),
  );
  return written ? { previous: before, applied } : undefined;
}

/**
 * Puts the previous value back. If the flag no longer holds the value we wrote, someone else has changed it
 * since; theirs wins and we leave it alone.
 */
export async function restorePrivateZone(
  cluster: Cluster,
  change: PrivateZoneChange,
): Promise<"restored" | "changed-by-someone-else"> {
  const { written } = await updateKey(cluster, (current) =>
    current === change.applied ? { value: change.previous } : "skip",
  );
  return written ? "restored" : "changed-by-someone-else";
}
