// Many runs, one namespace (create-namespace: true). A namespace this tool created is shared by every run that
// deploys into it, and it is deleted by the last of them to finish, never under a run still using it.
//
// How: each run registers itself on the namespace before it deploys, as one annotation
// `runs.knative-perf-gate.dev/<run id>: <lease end>`, and removes it at cleanup. Every write is conditional on
// the namespace's resourceVersion (a replace carrying it, a delete with it as precondition; both answer 409
// when anyone wrote in between: kubernetes pkg/registry/core/namespace/storage/storage.go, Delete checks
// Preconditions.ResourceVersion). So "nobody else is registered, delete it" is one atomic step: a run that
// registers between our read and our delete changes the version and our delete is refused; we read again and
// see it. Why annotations on the namespace and not a coordination.k8s.io Lease per run: a Lease lives inside
// the namespace, so "no Leases left, delete the namespace" is a list followed by a delete that nothing ties
// together (a Lease created in between is deleted with the namespace), and it would need a new resource in
// the RBAC grant; the namespace's own version ties the check to the delete, and costs one more verb
// (namespaces: update) on the grant create-namespace already needs.
//
// A crashed run's registration ends with its lease (the run's own bound, see pipeline/lease.ts): expired
// entries are ignored by the last-one-out check and dropped by the next write. A namespace without our
// managed-by label (the user's) is never registered on and never deleted. The older guard stays: a namespace
// that holds Services of runs that never registered (runs without create-namespace) is left in place.
import type { KubernetesObject, V1Namespace } from "@kubernetes/client-node";
import type { Cluster } from "./cluster.js";
import type { RunLease } from "./deploy.js";
import { CancelledError, ClusterError, describeApiError, isNotFound, statusCodeOf } from "./errors.js";
import { MANAGED_BY, MANAGED_BY_LABEL, SERVING_API_VERSION } from "./knative.js";
import { withRetries } from "./retry.js";

/** The annotation prefix of a run's registration: `<prefix><run id>` = the ISO time its lease ends. */
export const REGISTRATION_PREFIX = "runs.knative-perf-gate.dev/";

// Conflicts are other runs registering at the same moment: each retry reads afresh, so a handful suffices for
// dozens of simultaneous runs; the bound only stops a livelock from spinning forever.
const MAX_CONFLICTS = 50;
// How often a Terminating namespace is looked at again; a GET, so the grant needs no list/watch on namespaces.
const TERMINATING_POLL_MS = 1000;
const PROGRESS_EVERY_MS = 10_000;

export interface NamespaceClaim {
  /** This run's create made the namespace. */
  created: boolean;
  /** The namespace is ours (managed-by label) and this run is registered on it. */
  registered: boolean;
  /** Other runs registered on it when we joined. */
  others: number;
}

/** Live registrations on a namespace, by run id, at `now` (pure). */
export function registrationsOf(
  annotations: Record<string, string> | undefined,
  now: number,
): { live: Map<string, number>; expired: string[] } {
  const live = new Map<string, number>();
  const expired: string[] = [];
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(REGISTRATION_PREFIX)) continue;
    const until = Date.parse(value);
    if (Number.isFinite(until) && until > now) live.set(key.slice(REGISTRATION_PREFIX.length), until);
    else expired.push(key);
  }
  return { live, expired };
}

/** The namespace's annotations with `runId` registered (or removed, without `until`) and expired entries dropped. */
export function withRegistration(
  annotations: Record<string, string> | undefined,
  runId: string,
  until: Date | undefined,
  now: number,
): Record<string, string> {
  const next = { ...annotations };
  for (const key of registrationsOf(annotations, now).expired) delete next[key];
  if (until) next[REGISTRATION_PREFIX + runId] = until.toISOString();
  else delete next[REGISTRATION_PREFIX + runId];
  return next;
}

const isManaged = (ns: V1Namespace) => ns.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;

async function readNamespace(cluster: Cluster, name: string): Promise<V1Namespace | undefined> {
  try {
    return await withRetries(() => cluster.core.readNamespace({ name }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new ClusterError(`cannot read namespace ${name}: ${describeApiError(error)}`);
  }
}

/** Sleeps `ms`, or less when `signal` aborts (then throws CancelledError). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(new CancelledError());
    }
    signal?.addEventListener("abort", aborted, { once: true });
  });
}

/**
 * Makes sure namespace `name` exists and registers this run on it (when it is ours): creates it with our label
 * and registration, or joins one that exists. A namespace still Terminating (deleted by an earlier run; its
 * pods drain for a while) is waited for, up to `timeoutMs` with a progress line, and then created again.
 * `beforeWrite` is called before each write, so the cleanup plan is saved first.
 */
export async function claimNamespace(
  cluster: Cluster,
  name: string,
  lease: RunLease,
  options: { timeoutMs: number; signal?: AbortSignal; log(line: string): void; beforeWrite(): void },
): Promise<NamespaceClaim> {
  const deadline = Date.now() + options.timeoutMs;
  let waitedSince: number | undefined;
  let lastProgress = 0;
  for (let conflicts = 0; ;) {
    if (options.signal?.aborted) throw new CancelledError();
    const ns = await readNamespace(cluster, name);
    if (!ns) {
      options.beforeWrite();
      try {
        await withRetries(() =>
          cluster.core.createNamespace({
            body: {
              metadata: {
                name,
                labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
                annotations: withRegistration({}, lease.id, lease.until, Date.now()),
              },
            },
          }),
        );
        return { created: true, registered: true, others: 0 };
      } catch (error) {
        // Another run created it first, or our own create landed and its answer was lost: read it again.
        if (statusCodeOf(error) === 409 && ++conflicts < MAX_CONFLICTS) continue;
        throw new ClusterError(
          `create-namespace: cannot create namespace ${name}: ${describeApiError(error)}`,
        );
      }
    }
    if (ns.metadata?.deletionTimestamp) {
      const now = Date.now();
      waitedSince ??= now;
      if (now >= deadline) {
        throw new ClusterError(
          `create-namespace: namespace ${name} is still terminating after ${Math.round((now - waitedSince) / 1000)} s ` +
            "(bounded by ready-timeout); its objects are still being removed, try again later or use another namespace",
        );
      }
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        options.log(
          now === waitedSince
            ? `namespace ${name} is still terminating (deleted by an earlier run); waiting up to ` +
                `${Math.round((deadline - now) / 1000)} s for it to go, then creating it again`
            : `namespace ${name} still terminating after ${Math.round((now - waitedSince) / 1000)} s`,
        );
      }
      await pause(Math.min(TERMINATING_POLL_MS, deadline - now), options.signal);
      continue;
    }
    if (!isManaged(ns)) return { created: false, registered: false, others: 0 };
    const now = Date.now();
    const { live } = registrationsOf(ns.metadata?.annotations, now);
    const others = [...live.keys()].filter((id) => id !== lease.id).length;
    // Our registration is there already: a write of ours landed and its answer was lost, then a retry met 409.
    if (live.has(lease.id)) return { created: false, registered: true, others };
    options.beforeWrite();
    try {
      await withRetries(() =>
        cluster.core.replaceNamespace({
          name,
          body: {
            ...ns,
            metadata: {
              ...ns.metadata,
              annotations: withRegistration(ns.metadata?.annotations, lease.id, lease.until, now),
            },
          },
        }),
      );
      return { created: false, registered: true, others };
    } catch (error) {
      if ((statusCodeOf(error) === 409 || isNotFound(error)) && ++conflicts < MAX_CONFLICTS) continue;
      throw new ClusterError(
        `create-namespace: cannot register on namespace ${name}: ${describeApiError(error)}`,
      );
    }
  }
}

export type NamespaceRelease =
  { outcome: "deleted" | "gone" | "not-ours" } | { outcome: "in-use"; runs: number } | { outcome: "kept" };

/**
 * Removes this run's registration; when no other run is registered and `mayDelete`, deletes the namespace
 * instead, in the same conditional write. Never deletes a namespace without our label, nor one that holds
 * Services of runs that did not register (those would go with it): that one is left in place, with an error.
 */
export async function releaseNamespace(
  cluster: Cluster,
  name: string,
  runId: string,
  options: { mayDelete: boolean },
): Promise<NamespaceRelease> {
  for (let conflicts = 0; ;) {
    const ns = await readNamespace(cluster, name);
    if (!ns || ns.metadata?.deletionTimestamp) return { outcome: "gone" };
    if (!isManaged(ns)) return { outcome: "not-ours" };
    const now = Date.now();
    const others = [...registrationsOf(ns.metadata?.annotations, now).live.keys()].filter(
      (id) => id !== runId,
    );
    const services = options.mayDelete && others.length === 0 ? await servicesIn(cluster, name) : [];
    try {
      if (options.mayDelete && others.length === 0 && services.length === 0) {
        await withRetries(() =>
          cluster.core.deleteNamespace({
            name,
            body: {
              preconditions: { resourceVersion: ns.metadata?.resourceVersion, uid: ns.metadata?.uid },
            },
          }),
        );
        return { outcome: "deleted" };
      }
      const annotations = withRegistration(ns.metadata?.annotations, runId, undefined, now);
      const changed = Object.keys(annotations).length !== Object.keys(ns.metadata?.annotations ?? {}).length;
      if (changed) {
        await withRetries(() =>
          cluster.core.replaceNamespace({ name, body: { ...ns, metadata: { ...ns.metadata, annotations } } }),
        );
      }
    } catch (error) {
      if (isNotFound(error)) return { outcome: "gone" };
      if (statusCodeOf(error) === 409 && ++conflicts < MAX_CONFLICTS) continue;
      throw new ClusterError(`cannot release namespace ${name}: ${describeApiError(error)}`);
    }
    if (services.length > 0) {
      throw new ClusterError(
        `namespace ${name} was created by knative-perf-gate but now also holds service ${services.join(", ")}; ` +
          "left in place so as not to delete them",
      );
    }
    return others.length > 0 ? { outcome: "in-use", runs: others.length } : { outcome: "kept" };
  }
}

/** Knative Services in the namespace that are not already being deleted. */
async function servicesIn(cluster: Cluster, namespace: string): Promise<string[]> {
  try {
    const services = await withRetries(() =>
      cluster.objects.list<KubernetesObject>(SERVING_API_VERSION, "Service", namespace),
    );
    return services.items.filter((s) => !s.metadata?.deletionTimestamp).map((s) => s.metadata?.name ?? "");
  } catch (error) {
    if (isNotFound(error)) return [];
    throw new ClusterError(`cannot list the services of namespace ${namespace}: ${describeApiError(error)}`);
  }
}
