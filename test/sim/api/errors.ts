// metav1.Status errors with the codes, reasons and message formats of k8s.io/apimachinery/pkg/api/errors, so
// clients (client-node, kubectl, our action) see exactly what a real API server would send them.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** What an error message needs to name a resource: `pods` or `services.serving.knative.dev`. */
export interface ResourceName {
  group: string;
  plural: string;
  kind: string;
}

function qualifiedResource(r: ResourceName): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

function qualifiedKind(r: ResourceName): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}

export class StatusError extends Error {
  readonly status: Status;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = "StatusError";
    this.status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      code,
    };
    if (details) this.status.details = details;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason;
  }

  static notFound(r: ResourceName, name: string): StatusError {
    return new StatusError(404, "NotFound", `${qualifiedResource(r)} "${name}" not found`, {
      name,
      group: r.group,
      kind: r.plural,
    });
  }

  static alreadyExists(r: ResourceName, name: string): StatusError {
    return new StatusError(409, "AlreadyExists", `${qualifiedResource(r)} "${name}" already exists`, {
      name,
      group: r.group,
      kind: r.plural,
    });
  }

  static conflict(r: ResourceName, name: string, why: string): StatusError {
    return new StatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${why}`,
      { name, group: r.group, kind: r.plural },
    );
  }

  /** The stale-resourceVersion conflict of an optimistic-concurrency update. */
  static staleUpdate(r: ResourceName, name: string): StatusError {
    return StatusError.conflict(
      r,
      name,
      "the object has been modified; please apply your changes to the latest version and try again",
    );
  }

  /** 422 Invalid; `causes` carry `field` and a message such as `Required value: ...`. */
  static invalid(r: ResourceName, name: string, causes: StatusCause[]): StatusError {
    const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : (c.message ?? "")));
    const summary = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
    return new StatusError(422, "Invalid", `${qualifiedKind(r)} "${name}" is invalid: ${summary}`, {
      name,
      group: r.group,
      kind: r.kind,
      causes,
    });
  }

  static badRequest(message: string, causes?: StatusCause[]): StatusError {
    return new StatusError(400, "BadRequest", message, causes ? { causes } : undefined);
  }

  static forbidden(message: string, details?: StatusDetails): StatusError {
    return new StatusError(403, "Forbidden", message, details);
  }

  static unauthorized(): StatusError {
    return new StatusError(401, "Unauthorized", "Unauthorized");
  }

  /** What the watch cache answers for a resourceVersion older than its window (reason Expired, code 410). */
  static expired(message: string): StatusError {
    return new StatusError(410, "Expired", message);
  }

  static gone(message: string): StatusError {
    return new StatusError(410, "Gone", message);
  }

  static methodNotAllowed(verb: string, kind: string): StatusError {
    return new StatusError(
      405,
      "MethodNotAllowed",
      `${verb} is not supported on resources of kind "${kind}"`,
    );
  }

  static unsupportedMediaType(contentType: string): StatusError {
    return new StatusError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType || "none"})`,
    );
  }

  static internal(message: string): StatusError {
    return new StatusError(500, "InternalError", `Internal error occurred: ${message}`, {
      causes: [{ message }],
    });
  }

  static tooManyRequests(
    message = "Too many requests, please try again later.",
    retryAfterSeconds = 1,
  ): StatusError {
    return new StatusError(429, "TooManyRequests", message, { retryAfterSeconds });
  }

  static serviceUnavailable(message = "the server is currently unable to handle the request"): StatusError {
    return new StatusError(503, "ServiceUnavailable", message);
  }

  /** The error for an HTTP status code alone, as a fault knob needs it. */
  static forCode(code: number, message?: string): StatusError {
    switch (code) {
      case 429:
        return StatusError.tooManyRequests(message);
      case 503:
        return StatusError.serviceUnavailable(message);
      case 500:
        return StatusError.internal(message ?? "injected fault");
      default:
        return new StatusError(code, "Unknown", message ?? `injected fault ${code}`);
    }
  }
}

export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}
