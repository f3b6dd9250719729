// Phase 2 (ASK): set eci-profile's enablePrivateZone as the private-zone input asks; cleanup restores it.
import type { Cluster } from "../../kube/cluster.js";
import { setPrivateZone } from "../../kube/private-zone.js";
import type { RunScope } from "../scope.js";

export async function flipPrivateZone(scope: RunScope, cluster: Cluster): Promise<void> {
  const wanted = scope.settings.privateZone;
  if (wanted === "keep") return;
  await scope.log.group("PrivateZone", async () => {
    const change = await setPrivateZone(cluster, wanted === "enable", {
      // Recorded before the write: a run killed while it is in flight must still restore the flag.
      beforeWrite: (pending) => scope.recorder.record({ privateZone: pending }),
    });
    // A conflict re-read may find the flag already as wanted: then there is nothing of ours to restore.
    scope.recorder.record({ privateZone: change });
    scope.log.info(
      change
        ? `enablePrivateZone: "${change.previous ?? "(unset)"}" -> "${change.applied}" (restored at cleanup)`
        : `enablePrivateZone already "${wanted === "enable"}"; nothing to change`,
    );
  });
}
