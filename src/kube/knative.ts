// Knative Serving objects as the gate reads them, and the readiness rules of knative/client's wait
// (pkg/wait/wait_for_ready.go) and serving's lifecycle (pkg/apis/serving/v1/service_lifecycle.go).

export const SERVING_GROUP = "serving.knative.dev";
export const SERVING_VERSION = "v1";
export const SERVING_API_VERSION = `${SERVING_GROUP}/${SERVING_VERSION}`;

export const LABEL_SERVICE = "serving.knative.dev/service";
export const LABEL_REVISION = "serving.knative.dev/revision";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "knative-perf-gate";
export const FIELD_MANAGER = "knative-perf-gate";
/** Which gate run holds a Service we manage, and until when: a second run on the same name must not share it. */
export const RUN_ANNOTATION = "knative-perf-gate.dev/run";
export const LEASE_ANNOTATION = "knative-perf-gate.dev/lease-until";

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface KnativeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
  };
  spec?: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    url?: string;
    latestCreatedRevisionName?: string;
    latestReadyRevisionName?: string;
    [key: string]: unknown;
  };
}

export function condition(obj: KnativeObject, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** The generation the controller has seen; conditions of an unobserved generation say nothing yet. */
export function isObserved(obj: KnativeObject): boolean {
  return (obj.status?.observedGeneration ?? 0) === (obj.metadata.generation ?? 0);
}

export type Readiness =
  | { state: "ready" }
  | { state: "failed"; reason: string; message: string }
  | { state: "pending"; pending: string[] };

/**
 * Ready means: the controller observed this generation, condition Ready is True, and the latest created
 * revision is the latest ready one (a new template is not served until its revision is Ready).
 * When Ready is False, the Service's own reason is often RevisionMissing (from RoutesReady); the real cause
 * is in ConfigurationsReady (RevisionFailed with the revision's message), so report that one first.
 */
export function serviceReadiness(svc: KnativeObject): Readiness {
  if (!isObserved(svc)) {
    return {
      state: "pending",
      pending: [
        `observedGeneration ${svc.status?.observedGeneration ?? "unset"} of generation ${svc.metadata.generation}`,
      ],
    };
  }
  const ready = condition(svc, "Ready");
  if (ready?.status === "False") {
    const cause =
      [condition(svc, "ConfigurationsReady"), condition(svc, "RoutesReady")].find(
        (c) => c?.status === "False",
      ) ?? ready;
    return { state: "failed", reason: cause.reason ?? "Failed", message: cause.message ?? "" };
  }
  const latestCreated = svc.status?.latestCreatedRevisionName;
  const latestReady = svc.status?.latestReadyRevisionName;
  if (ready?.status === "True" && latestCreated && latestCreated === latestReady) return { state: "ready" };
  const pending = (svc.status?.conditions ?? [])
    .filter((c) => c.status !== "True")
    .map(
      (c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ""})` : ""}`,
    );
  if (!ready) pending.push("Ready (no condition yet)");
  if (ready?.status === "True" && latestCreated !== latestReady) {
    pending.push(
      `latestReadyRevisionName ${latestReady ?? "unset"} != latestCreatedRevisionName ${latestCreated}`,
    );
  }
  return { state: "pending", pending };
}

/** A revision's failing conditions as "Type: Reason: message" lines, for failure reports. */
export function failingConditions(obj: KnativeObject): string[] {
  return (obj.status?.conditions ?? [])
    .filter((c) => c.status === "False")
    .map((c) => `${c.type}: ${c.reason ?? ""}${c.message ? `: ${c.message}` : ""}`);
}
