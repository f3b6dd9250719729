// What knative.dev/pkg's generated reconcilers do around every ReconcileKind (reconciler/reconcile_common.go):
// initialize the condition set, mark Ready Unknown "NewObservedGenFailure" when a new generation is seen, then
// bump observedGeneration and keep lastTransitionTime for conditions that did not change. Plus small helpers for
// writing status and owner references through the store.
import type { Condition, ConditionSet } from "./conditions.js";
import type { K8sObject, OwnerReference, Store } from "../store.js";

export interface KStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  [key: string]: unknown;
}

let lastInstant = 0;
/** Strictly increasing instants, so "the most recent unhappy condition" is well defined within one reconcile. */
export function instant(): Date {
  lastInstant = Math.max(Date.now(), lastInstant + 1);
  return new Date(lastInstant);
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function preProcess(set: ConditionSet, obj: K8sObject): KStatus {
  const status = structuredClone((obj.status ?? {}) as KStatus);
  set.initialize(status, instant());
  if (status.observedGeneration !== obj.metadata.generation) {
    set.markUnknown(
      status,
      set.happy,
      "NewObservedGenFailure",
      "unsuccessfully observed a new generation",
      instant(),
    );
  }
  return status;
}

export function postProcess(obj: K8sObject, status: KStatus): void {
  status.observedGeneration = obj.metadata.generation;
  const old = ((obj.status ?? {}) as KStatus).conditions ?? [];
  const now = rfc3339(new Date());
  for (const c of status.conditions ?? []) {
    const before = old.find((o) => o.type === c.type);
    if (before && sameCondition(before, c)) c.lastTransitionTime = before.lastTransitionTime;
    else c.lastTransitionTime = now;
  }
}

function sameCondition(a: Condition, b: Condition): boolean {
  return (
    a.status === b.status &&
    (a.reason ?? "") === (b.reason ?? "") &&
    (a.message ?? "") === (b.message ?? "") &&
    (a.severity ?? "") === (b.severity ?? "")
  );
}

/** Writes `status` through the status subresource when it differs from what is stored. */
export function writeStatus(store: Store, res: string, obj: K8sObject, status: unknown): K8sObject {
  if (JSON.stringify(obj.status ?? {}) === JSON.stringify(status)) return obj;
  return store.update(res, { ...obj, status }, { subresource: "status" });
}

export function controllerRef(owner: K8sObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion as string,
    kind: owner.kind as string,
    name: owner.metadata.name as string,
    uid: owner.metadata.uid as string,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isControlledBy(obj: K8sObject, owner: K8sObject): boolean {
  return obj.metadata.ownerReferences?.some((r) => r.controller && r.uid === owner.metadata.uid) ?? false;
}

export function getCondition(obj: K8sObject | undefined, type: string): Condition | undefined {
  return ((obj?.status ?? {}) as KStatus).conditions?.find((c) => c.type === type);
}

/** Deep equality of plain JSON values, key order ignored. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
