// Errors from the cluster side of a run. The CLI maps ClusterError to exit code 3; the action fails the step.

/** The cluster could not be reached, refused us, or a deploy could not finish (not Ready, timed out). */
export class ClusterError extends Error {
  constructor(
    message: string,
    /** Knative's reason when the failure is a Knative condition, e.g. "RevisionFailed". */
    readonly reason?: string,
  ) {
    super(message);
    this.name = "ClusterError";
  }
}

interface ApiErrorShape {
  code?: number;
  body?: unknown;
  message?: string;
}

/** The HTTP status of a client-node ApiException, or undefined for transport errors. */
export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as ApiErrorShape | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

/** A one-line description of a client-node error: the metav1.Status message when the server sent one. */
export function describeApiError(error: unknown): string {
  const e = error as ApiErrorShape;
  let body = e?.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: keep the text
    }
  }
  const status = body as { message?: string; reason?: string } | undefined;
  if (status && typeof status === "object" && status.message) {
    return `${status.message}${e.code ? ` (HTTP ${e.code})` : ""}`;
  }
  if (typeof e?.code === "number")
    return `HTTP ${e.code}${typeof body === "string" && body ? `: ${body}` : ""}`;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code || cause?.message)
    return `${e?.message ?? "request failed"}: ${cause.code ?? cause.message}`;
  return error instanceof Error ? error.message : String(error);
}

export function isNotFound(error: unknown): boolean {
  return statusCodeOf(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return statusCodeOf(error) === 409;
}

/**
 * The run was cancelled (SIGINT/SIGTERM, a cancelled workflow) while it waited on the cluster. Not a
 * ClusterError: nothing on the cluster failed, and the outcome mapping reports it as a cancellation.
 */
export class CancelledError extends Error {
  constructor(message = "cancelled") {
    super(message);
    this.name = "CancelledError";
  }
}
