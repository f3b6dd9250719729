// Puts the user's Knative Service on the cluster with server-side apply, and records what we created so that
// cleanup removes exactly that: a Service is ours only if this tool created it (it then carries our
// managed-by label); a user's Service is updated only with update-existing and never deleted.
import type { PatchStrategy } from "@kubernetes/client-node";
import { InputError } from "../config/errors.js";
import type { KnativeServiceManifest } from "../config/settings.js";
import type { Cluster } from "./cluster.js";
import { ClusterError, describeApiError, isNotFound, statusCodeOf } from "./errors.js";
import { withRetries } from "./retry.js";
import { waitForServiceLease } from "./service-lease.js";
import {
  FIELD_MANAGER,
  type KnativeObject,
  LEASE_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  RUN_ANNOTATION,
  SERVING_API_VERSION,
} from "./knative.js";

/** client-node's PatchStrategy.ServerSideApply, spelled out so this module needs only its types. */
const SERVER_SIDE_APPLY: PatchStrategy = "application/apply-patch+yaml";

export interface AppliedService {
  /** True when the Service did not exist before this run, or was left by an earlier run of this tool. */
  owned: boolean;
  /** True when this run created it. */
  created: boolean;
  service: KnativeObject;
}

export async function readService(
  cluster: Cluster,
  namespace: string,
  name: string,
): Promise<KnativeObject | undefined> {
  try {
    return await withRetries(() =>
      cluster.objects.read<KnativeObject & { apiVersion: string; kind: string }>({
        apiVersion: "serving.knative.dev/v1",
        kind: "Service",
        metadata: { name, namespace },
      }),
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new ClusterError(`cannot read service ${namespace}/${name}: ${describeApiError(error)}`);
  }
}

/** A gate run's claim on a Service it manages: its id and when the claim lapses (a crashed run's never ends). */
export interface RunLease {
  id: string;
  until: Date;
}

export function leaseOf(service: KnativeObject): RunLease | undefined {
  const id = service.metadata.annotations?.[RUN_ANNOTATION];
  const until = Date.parse(service.metadata.annotations?.[LEASE_ANNOTATION] ?? "");
  return id && Number.isFinite(until) ? { id, until: new Date(until) } : undefined;
}

/** Another run holds the Service (its lease, when known). A ClusterError: exit 3, as before lease-wait. */
class LeaseHeldError extends ClusterError {
  constructor(
    message: string,
    readonly holder?: RunLease,
  ) {
    super(message, "InUse");
  }
}

function inUse(namespace: string, name: string, holder?: RunLease): ClusterError {
  const by = holder ? ` (run ${holder.id}, until ${holder.until.toISOString()})` : "";
  return new LeaseHeldError(
    `service ${namespace}/${name} is in use by another knative-perf-gate run${by}; give each run its own ` +
      "service-name (e.g. app-pr-{pr} or app-{run}), serialize the runs with a concurrency group, or set " +
      "lease-wait to wait for it",
    holder,
  );
}

export interface ApplyOptions {
  updateExisting: boolean;
  lease: RunLease;
  /** Called before the write with whether the Service is ours, so the cleanup plan is saved first. */
  beforeWrite?: (owned: boolean) => void;
  /** How long to wait for another run's live lease to end (lease-wait); 0 or unset: refuse at once. */
  leaseWaitMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Applies the Service; when another run holds it and lease-wait allows, waits for that run to let go (see
 * service-lease.ts) and tries again from the read, within the one lease-wait budget.
 */
export async function applyService(
  cluster: Cluster,
  manifest: KnativeServiceManifest,
  options: ApplyOptions,
): Promise<AppliedService> {
  const deadline = Date.now() + (options.leaseWaitMs ?? 0);
  for (;;) {
    try {
      return await applyOnce(cluster, manifest, options);
    } catch (error) {
      const held = error instanceof LeaseHeldError ? error : undefined;
      const left = deadline - Date.now();
      if (!held?.holder || left <= 0) throw error;
      const { name, namespace = "default" } = manifest.metadata;
      await waitForServiceLease(cluster, namespace, name, options.lease, {
        timeoutMs: left,
        signal: options.signal,
        log: options.log ?? (() => {}),
        holder: held.holder,
      });
    }
  }
}

async function applyOnce(
  cluster: Cluster,
  manifest: KnativeServiceManifest,
  options: ApplyOptions,
): Promise<AppliedService> {
  const { name, namespace = "default" } = manifest.metadata;
  const existing = await readService(cluster, namespace, name);
  const owned = !existing || existing.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
  if (existing && !owned && !options.updateExisting) {
    throw new ClusterError(
      `service ${namespace}/${name} already exists and was not deployed by knative-perf-gate; ` +
        "set update-existing: true to load-test it anyway (it is never deleted), or choose another service-name",
    );
  }
  const holder = existing && leaseOf(existing);
  if (holder && holder.id !== options.lease.id && holder.until.getTime() > Date.now()) {
    throw inUse(namespace, name, holder);
  }
  const body: KnativeServiceManifest = owned
    ? {
        ...manifest,
        metadata: {
          ...manifest.metadata,
          namespace,
          labels: { ...manifest.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY },
          annotations: {
            ...manifest.metadata.annotations,
            [RUN_ANNOTATION]: options.lease.id,
            [LEASE_ANNOTATION]: options.lease.until.toISOString(),
          },
        },
      }
    : { ...manifest, metadata: { ...manifest.metadata, namespace } };
  options.beforeWrite?.(owned);
  if (!existing) {
    // Create, not apply: of two runs that both found no Service, exactly one creates it; the other gets 409.
    try {
      const service = await withRetries(() =>
        cluster.objects.create(body, undefined, undefined, FIELD_MANAGER),
      );
      return { owned, created: true, service: service as KnativeObject };
    } catch (error) {
      if (statusCodeOf(error) !== 409) throw writeError("create", namespace, name, error);
      // Our own create may have landed with its answer lost, and the retry met it: then it is ours.
      const found = await readService(cluster, namespace, name);
      if (found && leaseOf(found)?.id === options.lease.id) return { owned, created: true, service: found };
      throw inUse(namespace, name, found && leaseOf(found));
    }
  }
  try {
    // Server-side apply is idempotent: repeating it after a failure that did apply changes nothing.
    const service = await withRetries(() =>
      cluster.objects.patch(body, undefined, undefined, FIELD_MANAGER, true, SERVER_SIDE_APPLY),
    );
    return { owned, created: false, service };
  } catch (error) {
    throw writeError("apply", namespace, name, error);
  }
}

/**
 * A write the cluster refused. Knative's admission webhook answers 400 for a manifest it finds invalid: that is
 * the user's input, not the cluster, so it is reported as an input error (exit 2) naming service-file.
 */
function writeError(verb: string, namespace: string, name: string, error: unknown): Error {
  const why = describeApiError(error);
  if (statusCodeOf(error) === 400 && /admission webhook/.test(why)) {
    return new InputError("service-file", `rejected by the cluster's Knative webhook: ${why}`, {
      hint: "fix the manifest (the webhook's message names the field)",
    });
  }
  return new ClusterError(`cannot ${verb} service ${namespace}/${name}: ${why}`);
}

const MAX_DELETE_ATTEMPTS = 3;

/**
 * Deletes a Service; one that is already gone is fine. With `runId`, only while the Service still names this run:
 * another run that took it over (after our lease lapsed) keeps it. The delete is conditional on the version we
 * checked, so a takeover between the read and the delete is not missed.
 */
export async function deleteService(
  cluster: Cluster,
  namespace: string,
  name: string,
  runId?: string,
): Promise<"deleted" | "gone" | "held-by-another-run"> {
  for (let attempt = 1; ; attempt++) {
    const service = await readService(cluster, namespace, name);
    if (!service) return "gone";
    const holder = leaseOf(service);
    if (runId && holder && holder.id !== runId) return "held-by-another-run";
    try {
      await withRetries(() =>
        cluster.objects.delete(
          { apiVersion: SERVING_API_VERSION, kind: "Service", metadata: { name, namespace } },
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          { preconditions: { resourceVersion: service.metadata.resourceVersion } },
        ),
      );
      return "deleted";
    } catch (error) {
      if (isNotFound(error)) return "gone";
      if (statusCodeOf(error) === 409 && attempt < MAX_DELETE_ATTEMPTS) continue;
      throw new ClusterError(`cannot delete service ${namespace}/${name}: ${describeApiError(error)}`);
    }
  }
}
