// A run's lease on a Service it manages (the run annotation and its end, written by applyService) after the
// run: released at cleanup whether or not the Service is deleted, so a kept Service (teardown on-success after a
// failed gate, or never) is taken over by the next run on the same name instead of refusing it until the lease
// runs out; and, with lease-wait, waited for by a run that finds another run's lease still live.
import type { Cluster } from "./cluster.js";
import { leaseOf, readService, type RunLease } from "./deploy.js";
import { CancelledError, ClusterError, describeApiError, isNotFound, statusCodeOf } from "./errors.js";
import {
  FIELD_MANAGER,
  type KnativeObject,
  LEASE_ANNOTATION,
  RUN_ANNOTATION,
  SERVING_API_VERSION,
} from "./knative.js";
import { withRetries } from "./retry.js";
import { until, watchSource, type WatchEvent } from "./watch-until.js";

const MERGE_PATCH = "application/merge-patch+json";
const MAX_CONFLICTS = 5;
const PROGRESS_EVERY_MS = 10_000;

/**
 * Removes this run's lease from the Service, only while the Service still names this run: the merge patch
 * carries the resourceVersion we read, so a run that took the Service over in between (409) keeps its lease.
 */
export async function releaseServiceLease(
  cluster: Cluster,
  namespace: string,
  name: string,
  runId: string,
): Promise<"released" | "gone" | "not-held"> {
  for (let conflicts = 0; ;) {
    const service = await readService(cluster, namespace, name);
    if (!service) return "gone";
    if (service.metadata.annotations?.[RUN_ANNOTATION] !== runId) return "not-held";
    const patch = {
      apiVersion: SERVING_API_VERSION,
      kind: "Service",
      metadata: {
        name,
        namespace,
        resourceVersion: service.metadata.resourceVersion,
        annotations: { [RUN_ANNOTATION]: null, [LEASE_ANNOTATION]: null },
      },
    };
    // A merge patch deletes a key with JSON null (RFC 7386), which client-node's object types cannot say; the
    // body is the patch's JSON, typed as the object the client expects.
    const body: KnativeObject & { apiVersion: string; kind: string; metadata: { name: string } } = JSON.parse(
      JSON.stringify(patch),
    );
    try {
      await withRetries(() =>
        cluster.objects.patch(body, undefined, undefined, FIELD_MANAGER, undefined, MERGE_PATCH),
      );
      return "released";
    } catch (error) {
      if (isNotFound(error)) return "gone";
      // Changed since we read it (our own patch whose answer was lost, or another run): read it again.
      if (statusCodeOf(error) === 409 && ++conflicts < MAX_CONFLICTS) continue;
      throw new ClusterError(`cannot release service ${namespace}/${name}: ${describeApiError(error)}`);
    }
  }
}

/** What the lease wait decides on: the Service as last seen (undefined: it does not exist). */
interface LeaseWaitState {
  service?: KnativeObject;
}

/** Pure: done once nobody else holds a live lease on the Service; else wake when the holder's lease ends. */
export function leaseWaitStep(
  state: LeaseWaitState,
  event: WatchEvent<KnativeObject> | { type: "WAKE"; now: number },
  ourId: string,
): { state: LeaseWaitState; done: true } | { state: LeaseWaitState; wakeAt: number } {
  let { service } = state;
  if (event.type === "SYNC") service = event.items[0];
  else if (event.type === "DELETED") service = undefined;
  else if (event.type !== "WAKE") service = event.object;
  const holder = service && leaseOf(service);
  if (!holder || holder.id === ourId || holder.until.getTime() <= event.now)
    return { state: { service }, done: true };
  return { state: { service }, wakeAt: holder.until.getTime() };
}

/**
 * Waits until the Service is free of other runs' leases (released, expired, or the Service deleted), for at
 * most `timeoutMs`, with a progress line every few seconds. Watches the one Service (the gate's grant has
 * services get/list/watch), so it goes on the moment the other run lets go.
 */
export function waitForServiceLease(
  cluster: Cluster,
  namespace: string,
  name: string,
  ours: RunLease,
  options: { timeoutMs: number; signal?: AbortSignal; log(line: string): void; holder: RunLease },
): Promise<void> {
  const started = Date.now();
  let holder = options.holder;
  options.log(
    `service ${namespace}/${name} is held by another knative-perf-gate run (run ${holder.id}, until ` +
      `${holder.until.toISOString()}); waiting up to ${Math.round(options.timeoutMs / 1000)} s (lease-wait) for it to finish`,
  );
  return until<WatchEvent<KnativeObject>, LeaseWaitState, void>(
    watchSource<KnativeObject>(
      cluster,
      { apiVersion: SERVING_API_VERSION, kind: "Service", plural: "services", namespace },
      { fieldSelector: `metadata.name=${name}` },
      {
        onRetry: options.log,
        onRefused: (message) => new ClusterError(`cannot watch service ${namespace}/${name}: ${message}`),
      },
    ),
    {
      initial: {},
      step: (state, event) => {
        const next = leaseWaitStep(state, event, ours.id);
        const seen = next.state.service && leaseOf(next.state.service);
        if (seen && seen.id !== ours.id) holder = seen;
        return "done" in next ? { state: next.state, done: undefined } : next;
      },
      timeoutMs: options.timeoutMs,
      onTimeout: () => ({
        error: new ClusterError(
          `service ${namespace}/${name} is still in use by another knative-perf-gate run (run ${holder.id}, until ` +
            `${holder.until.toISOString()}) after waiting ${Math.round(options.timeoutMs / 1000)} s (lease-wait); ` +
            "give each run its own service-name (e.g. app-pr-{pr}), serialize the runs with a concurrency group, " +
            "or raise lease-wait",
          "InUse",
        ),
      }),
      every: {
        ms: PROGRESS_EVERY_MS,
        run: () =>
          options.log(
            `still held by run ${holder.id} after ${Math.round((Date.now() - started) / 1000)} s ` +
              `(lease until ${holder.until.toISOString()})`,
          ),
      },
      signal: options.signal,
      onAbort: () => ({ error: new CancelledError("cancelled while waiting for another run's lease") }),
    },
  );
}
