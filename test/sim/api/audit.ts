// The audit log behind /sim/requests: one entry per API request (simulator control endpoints excluded), so
// tests and benchmarks can assert "no write happened" or count the requests a run made.

export interface AuditEntry {
  method: string;
  path: string;
  query: string;
  verb: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  user: string;
  userAgent?: string;
  status: number;
  /** ISO time the request arrived. */
  time: string;
  /** Until the response was complete (for watches: until the stream started). */
  durationMs: number;
}

export interface AuditFilter {
  verb?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  /** Only entries at or after this ISO time. */
  since?: string;
}

export const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);

export class AuditLog {
  private entries: AuditEntry[] = [];

  constructor(private readonly limit = 100_000) {}

  record(e: AuditEntry): void {
    this.entries.push(e);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  list(filter: AuditFilter = {}): AuditEntry[] {
    return this.entries.filter(
      (e) =>
        (!filter.verb || filter.verb.split(",").includes(e.verb)) &&
        (!filter.resource || e.resource === filter.resource) &&
        (!filter.namespace || e.namespace === filter.namespace) &&
        (!filter.name || e.name === filter.name) &&
        (!filter.since || e.time >= filter.since),
    );
  }

  /**
   * The write requests (create, update, patch, delete) that succeeded (2xx), e.g. to prove a dry run or a refused
   * user changed nothing. Refused attempts stay visible through `list`.
   */
  writes(filter: AuditFilter = {}): AuditEntry[] {
    return this.list(filter).filter((e) => WRITE_VERBS.has(e.verb) && e.status < 300);
  }

  clear(): void {
    this.entries = [];
  }
}
