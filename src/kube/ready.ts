// Waits for a Knative Service to become Ready with a watch, the way knative/client's `kn service wait` does:
// read first, watch from there, fail fast on Ready=False unless it recovers within an error window, and on
// timeout say which conditions were still pending.
import type { Cluster } from "./cluster.js";
import { ClusterError, describeApiError } from "./errors.js";
import { failingConditions, type KnativeObject, SERVING_API_VERSION, serviceReadiness } from "./knative.js";
import { resilientWatch } from "./watch.js";

export interface ReadyOptions {
  namespace: string;
  name: string;
  timeoutMs: number;
  /** Epoch ms that readyMs counts from: when the deploy was sent (default: when the wait starts). */
  since?: number;
  /** How long Ready=False may last before it counts as a failure (kn's --wait-window, 2 s by default). */
  errorWindowMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface ReadyService {
  service: KnativeObject;
  /** status.url */
  url: string;
  /** status.address.url: the cluster-local address, where pods in the cluster reach the Service. */
  addressUrl?: string;
  revision: string;
  generation: number;
  readyMs: number;
}

export const DEFAULT_ERROR_WINDOW_MS = 2000;

export function waitForReady(cluster: Cluster, options: ReadyOptions): Promise<ReadyService> {
  const started = options.since ?? Date.now();
  const errorWindowMs = options.errorWindowMs ?? DEFAULT_ERROR_WINDOW_MS;
  const log = options.log ?? (() => {});
  let last: KnativeObject | undefined;
  let failureTimer: NodeJS.Timeout | undefined;
  const reported = new Set<string>();

  return new Promise<ReadyService>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(failureTimer);
      options.signal?.removeEventListener("abort", onAbort);
      watch.stop();
      outcome();
    };
    const onAbort = () => finish(() => reject(new ClusterError("cancelled while waiting for Ready")));

    const judge = (svc: KnativeObject) => {
      last = svc;
      const readiness = serviceReadiness(svc);
      for (const c of svc.status?.conditions ?? []) {
        const line = `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ""}${c.message ? `: ${c.message}` : ""}`;
        if (!reported.has(line)) {
          reported.add(line);
          log(`  ${line}`);
        }
      }
      if (readiness.state === "ready") {
        finish(() =>
          resolve({
            service: svc,
            url: svc.status?.url ?? "",
            addressUrl: addressUrlOf(svc),
            revision: svc.status?.latestReadyRevisionName ?? "",
            generation: svc.metadata.generation ?? 0,
            readyMs: Date.now() - started,
          }),
        );
        return;
      }
      if (readiness.state === "failed") {
        // Rollouts can blip to False and recover; only a False that lasts the window is a failure.
        failureTimer ??= setTimeout(() => {
          const latest = last ? serviceReadiness(last) : readiness;
          const failure = latest.state === "failed" ? latest : readiness;
          void describeFailure(cluster, options.namespace, last ?? svc, failure).then((message) =>
            finish(() => reject(new ClusterError(message, failure.reason))),
          );
        }, errorWindowMs);
      } else {
        clearTimeout(failureTimer);
        failureTimer = undefined;
      }
    };

    const watch = resilientWatch<KnativeObject>(
      cluster,
      { apiVersion: SERVING_API_VERSION, kind: "Service", plural: "services", namespace: options.namespace },
      { fieldSelector: `metadata.name=${options.name}` },
      {
        onSync: (items) => {
          if (items[0]) judge(items[0]);
        },
        onEvent: (type, svc) => {
          if (type !== "DELETED") judge(svc);
          else
            finish(() =>
              reject(new ClusterError(`service ${options.name} was deleted while waiting for Ready`)),
            );
        },
        onRetry: log,
        onRefused: (message) =>
          finish(() =>
            reject(new ClusterError(`cannot wait for service ${options.name} to be Ready: ${message}`)),
          ),
      },
    );
    const timeout = setTimeout(() => {
      const readiness = last ? serviceReadiness(last) : undefined;
      const pending =
        readiness?.state === "pending" ? readiness.pending.join("; ") : "the service was never observed";
      finish(() =>
        reject(
          new ClusterError(
            `service ${options.name} was not Ready after ${Math.round(options.timeoutMs / 1000)} s (ready-timeout); still pending: ${pending}`,
            "Timeout",
          ),
        ),
      );
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", onAbort);
    // A signal that came during the deploy has already fired its event: stop now, not at the timeout.
    if (options.signal?.aborted) onAbort();
  });
}

/** "Reason: message", plus the failing conditions of the latest revision, which name the real cause. */
async function describeFailure(
  cluster: Cluster,
  namespace: string,
  svc: KnativeObject,
  failure: { reason: string; message: string },
): Promise<string> {
  const name = svc.metadata.name ?? "";
  let text = `service ${name} failed: ${failure.reason}: ${failure.message}`;
  const revision = svc.status?.latestCreatedRevisionName;
  if (!revision) return text;
  try {
    const rev = await cluster.objects.read<KnativeObject & { apiVersion: string; kind: string }>({
      apiVersion: SERVING_API_VERSION,
      kind: "Revision",
      metadata: { name: revision, namespace },
    });
    const lines = failingConditions(rev);
    if (lines.length) text += `\nrevision ${revision}: ${lines.join("; ")}`;
  } catch (error) {
    text += `\n(revision ${revision} could not be read: ${describeApiError(error)})`;
  }
  return text;
}

function addressUrlOf(svc: KnativeObject): string | undefined {
  const address = svc.status?.address as { url?: unknown } | undefined;
  return typeof address?.url === "string" && address.url !== "" ? address.url : undefined;
}
