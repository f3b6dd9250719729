// Knative's "living condition set" (knative.dev/pkg apis/condition_set.go): a happy condition (Ready) whose
// state follows its dependents. Reproduced rather than approximated because clients (kn, kubectl wait, our
// action) read reasons and messages from exactly these rules: False beats Unknown, the most recent unhappy
// dependent wins, conditions are kept sorted by type, and lastTransitionTime only moves on a real change.

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  /** "" (terminal, omitted) or "Info" for conditions outside the set (e.g. Revision Active). */
  severity?: string;
  lastTransitionTime: string;
}

export interface WithConditions {
  conditions?: Condition[];
}

export class ConditionSet {
  constructor(
    readonly happy: string,
    readonly dependents: readonly string[],
  ) {}

  get(status: WithConditions, type: string): Condition | undefined {
    return status.conditions?.find((c) => c.type === type);
  }

  /** Sets every condition of the set that is missing to Unknown (InitializeConditions). */
  initialize(status: WithConditions, now = new Date()): void {
    const happy = this.get(status, this.happy);
    if (!happy) this.set(status, { type: this.happy, status: "Unknown" }, now);
    // Dependents inherit True from a happy condition that is already True (upstream's behaviour).
    const initial: ConditionStatus = happy?.status === "True" ? "True" : "Unknown";
    for (const t of this.dependents) {
      if (!this.get(status, t)) this.set(status, { type: t, status: initial }, now);
    }
  }

  markTrue(status: WithConditions, type: string, now = new Date()): void {
    this.set(status, { type, status: "True" }, now);
    this.recomputeHappiness(status, type, now);
  }

  markTrueWithReason(
    status: WithConditions,
    type: string,
    reason: string,
    message: string,
    now = new Date(),
  ) {
    this.set(status, { type, status: "True", reason, message }, now);
    this.recomputeHappiness(status, type, now);
  }

  markUnknown(status: WithConditions, type: string, reason: string, message: string, now = new Date()): void {
    this.set(status, { type, status: "Unknown", reason, message }, now);
    let isDependent = false;
    for (const dep of this.dependents) {
      const c = this.get(status, dep);
      if (c?.status === "False") {
        // A failed dependent trumps Unknown: keep (or make) the happy condition False.
        if (this.get(status, this.happy)?.status !== "False") {
          this.markFalse(status, this.happy, reason, message, now);
        }
        return;
      }
      if (dep === type) isDependent = true;
    }
    if (isDependent) this.set(status, { type: this.happy, status: "Unknown", reason, message }, now);
  }

  markFalse(status: WithConditions, type: string, reason: string, message: string, now = new Date()): void {
    const types = [type];
    if (this.dependents.includes(type)) types.push(this.happy);
    for (const t of types) this.set(status, { type: t, status: "False", reason, message }, now);
  }

  isTrue(status: WithConditions, type = this.happy): boolean {
    return this.get(status, type)?.status === "True";
  }

  private recomputeHappiness(status: WithConditions, type: string, now: Date): void {
    const unhappy = this.findUnhappyDependent(status);
    if (unhappy) {
      this.set(
        status,
        { type: this.happy, status: unhappy.status, reason: unhappy.reason, message: unhappy.message },
        now,
      );
    } else if (type !== this.happy) {
      this.set(status, { type: this.happy, status: "True" }, now);
    }
  }

  private findUnhappyDependent(
    status: WithConditions,
  ): Pick<Condition, "status" | "reason" | "message"> | null {
    if (this.dependents.length === 0) return null;
    const terminal = (status.conditions ?? [])
      .filter((c) => this.dependents.includes(c.type))
      .sort((a, b) => Date.parse(b.lastTransitionTime) - Date.parse(a.lastTransitionTime));
    const falsy = terminal.find((c) => c.status === "False");
    if (falsy) return falsy;
    const unknown = terminal.find((c) => c.status === "Unknown");
    if (unknown) return unknown;
    if (this.dependents.length > terminal.length) return { status: "Unknown" };
    return null;
  }

  /** SetCondition: replace by type, keep lastTransitionTime when nothing but the time would change, sort by type. */
  private set(
    status: WithConditions,
    cond: { type: string; status: ConditionStatus; reason?: string; message?: string },
    now: Date,
  ): void {
    const severity = this.isTerminal(cond.type) ? undefined : "Info";
    const next: Condition = { type: cond.type, status: cond.status, lastTransitionTime: now.toISOString() };
    if (cond.reason) next.reason = cond.reason;
    if (cond.message) next.message = cond.message;
    if (severity) next.severity = severity;
    const others: Condition[] = [];
    for (const c of status.conditions ?? []) {
      if (c.type !== cond.type) {
        others.push(c);
      } else if (
        c.status === next.status &&
        (c.reason ?? "") === (next.reason ?? "") &&
        (c.message ?? "") === (next.message ?? "") &&
        (c.severity ?? "") === (next.severity ?? "")
      ) {
        return;
      }
    }
    others.push(next);
    others.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    status.conditions = others;
  }

  private isTerminal(type: string): boolean {
    return type === this.happy || this.dependents.includes(type);
  }
}

// The condition sets of serving.knative.dev/v1 (pkg/apis/serving/v1/*_lifecycle.go).
export const serviceConditions = new ConditionSet("Ready", ["ConfigurationsReady", "RoutesReady"]);
export const configurationConditions = new ConditionSet("Ready", []);
export const routeConditions = new ConditionSet("Ready", [
  "AllTrafficAssigned",
  "IngressReady",
  "CertificateProvisioned",
]);
export const revisionConditions = new ConditionSet("Ready", ["ResourcesAvailable", "ContainerHealthy"]);
