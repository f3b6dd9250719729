// How the cluster is reached (kubeconfig or kubeconfig-file) and what the run may change in it.
import type { Draft, InputReader, ParseContext } from "../input-reader.js";
import { resolveKubeconfig } from "../kubeconfig.js";
import { LIMITS, PRIVATE_ZONE_CHOICES } from "../limits.js";
import type { ClusterSettings } from "../settings.js";
import { parseDuration, parseEnum } from "../values.js";

export function parseClusterGroup(inputs: InputReader, ctx: ParseContext): Draft<ClusterSettings> {
  return {
    kubeconfig: inputs.check(() =>
      resolveKubeconfig(inputs.value("kubeconfig"), inputs.value("kubeconfig-file"), ctx.readFile),
    ),
    createNamespace: inputs.bool("create-namespace"),
    updateExisting: inputs.bool("update-existing"),
    leaseWaitMs: inputs.check(() =>
      parseDuration("lease-wait", inputs.value("lease-wait"), LIMITS.leaseWait),
    ),
    readyTimeoutMs: inputs.check(() =>
      parseDuration("ready-timeout", inputs.value("ready-timeout"), LIMITS.readyTimeout),
    ),
    podProblemWindowMs: inputs.check(() =>
      parseDuration("pod-problem-window", inputs.value("pod-problem-window"), LIMITS.podProblemWindow),
    ),
    privateZone: inputs.check(() =>
      parseEnum("private-zone", inputs.value("private-zone"), PRIVATE_ZONE_CHOICES),
    ),
  };
}
