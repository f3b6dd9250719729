// Knative's cluster-wide settings that decide how many pods a revision gets: ConfigMaps `config-autoscaler` and
// `config-defaults` in `knative-serving`. Read once per run, so that the report explains the pod count with
// the cluster's numbers rather than upstream's defaults. The read is optional (examples/rbac.yaml, part
// knative-config): a ConfigMap that cannot be read (403, 404, anything else) becomes a note, never a failure,
// and the explanation then says it assumed upstream's defaults.
import type { Cluster } from "./cluster.js";
import { describeApiError, statusCodeOf } from "./errors.js";
import { withRetries } from "./retry.js";

export const KNATIVE_NAMESPACE = "knative-serving";
export const CONFIG_AUTOSCALER = "config-autoscaler";
export const CONFIG_DEFAULTS = "config-defaults";

/** What became of reading one ConfigMap: its data, or why there is none. */
export type ConfigMapRead =
  | { status: "read"; data: Record<string, string> }
  | {
      status: "forbidden" | "not-found" | "failed" | "not-read";
      /** The API server's answer, for the log (cluster text: never put into Markdown unescaped). */
      detail: string;
    };

export interface KnativeClusterConfig {
  autoscaler: ConfigMapRead;
  defaults: ConfigMapRead;
}

/** Upstream's defaults everywhere: what a run assumes when it has not read the cluster. */
export const UNREAD_CONFIG: KnativeClusterConfig = {
  autoscaler: { status: "not-read", detail: "not read" },
  defaults: { status: "not-read", detail: "not read" },
};

// client-node sets no request timeout; the API server has answered the reachability check by now, but an
// optional read must never be what holds a run.
const READ_TIMEOUT_MS = 10_000;

async function readOne(cluster: Cluster, name: string): Promise<ConfigMapRead> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${READ_TIMEOUT_MS / 1000} s`)),
      READ_TIMEOUT_MS,
    );
  });
  try {
    const cm = await Promise.race([
      withRetries(() => cluster.core.readNamespacedConfigMap({ name, namespace: KNATIVE_NAMESPACE })),
      timeout,
    ]);
    return { status: "read", data: { ...(cm.data ?? {}) } };
  } catch (error) {
    const code = statusCodeOf(error);
    const status = code === 403 ? "forbidden" : code === 404 ? "not-found" : "failed";
    return { status, detail: describeApiError(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads both ConfigMaps; never throws. `log` gets one line per ConfigMap that could not be read. */
export async function readKnativeConfig(
  cluster: Cluster,
  log: (line: string) => void = () => {},
): Promise<KnativeClusterConfig> {
  const [autoscaler, defaults] = await Promise.all([
    readOne(cluster, CONFIG_AUTOSCALER),
    readOne(cluster, CONFIG_DEFAULTS),
  ]);
  for (const [name, read] of [
    [CONFIG_AUTOSCALER, autoscaler],
    [CONFIG_DEFAULTS, defaults],
  ] as const) {
    if (read.status !== "read") {
      log(
        `note: ConfigMap ${KNATIVE_NAMESPACE}/${name} could not be read (${read.detail}); the pod explanation ` +
          "assumes Knative's upstream defaults (grant the optional knative-config part of examples/rbac.yaml " +
          "to use the cluster's)",
      );
    }
  }
  return { autoscaler, defaults };
}
