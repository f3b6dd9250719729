// Server-side apply and field ownership (metadata.managedFields). Apply merges the applied configuration into
// the live object, removes fields the manager applied before and no longer applies (unless someone else owns
// them), and refuses with 409 Conflict to change a field another manager owns with a different value unless
// force=true. Ordinary writes (create, PUT, patch) take ownership of what they change, as an "Update" entry.
// Simplified from sigs.k8s.io/structured-merge-diff: no type-level defaults or versions conversion.

import { StatusError, type StatusCause } from "./errors.js";
import {
  fromFieldsV1,
  getAt,
  leafPaths,
  mergeApplied,
  removeAt,
  toFieldsV1,
  type FieldPath,
} from "./fieldpaths.js";
import type { ResourceId } from "./resources.js";
import type { K8sObject } from "../store.js";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

interface Ownership {
  entry: ManagedFieldsEntry;
  paths: Map<string, FieldPath>;
}

const CLIENT_SIDE_APPLY = "kubectl-client-side-apply";
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** The owned part of kubectl's last-applied-configuration annotation, if the object has a valid one. */
function lastAppliedConfiguration(live: K8sObject | undefined): Record<string, unknown> | undefined {
  const text = live?.metadata.annotations?.[LAST_APPLIED];
  if (!text) return undefined;
  try {
    return ownedPart(JSON.parse(text) as K8sObject, undefined);
  } catch {
    return undefined;
  }
}

const TRACKED_METADATA = ["labels", "annotations", "ownerReferences", "finalizers"];

/** The part of an object whose fields are owned: everything but identity metadata (and status, unless asked). */
function ownedPart(obj: K8sObject, subresource: string | undefined): Record<string, unknown> {
  if (subresource === "status") return obj.status === undefined ? {} : { status: obj.status };
  const { apiVersion: _a, kind: _k, metadata, status: _s, ...rest } = obj;
  const meta = Object.fromEntries(
    TRACKED_METADATA.filter((k) => metadata?.[k] !== undefined).map((k) => [k, metadata[k]]),
  );
  return Object.keys(meta).length > 0 ? { metadata: meta, ...rest } : rest;
}

function ownerships(obj: K8sObject | undefined): Ownership[] {
  const entries = (obj?.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.map((entry) => ({ entry, paths: fromFieldsV1(entry.fieldsV1) }));
}

function serialize(list: Ownership[]): ManagedFieldsEntry[] | undefined {
  const out = list
    .filter((o) => o.paths.size > 0)
    .map((o) => ({ ...o.entry, fieldsV1: toFieldsV1(o.paths.values()) }));
  return out.length > 0 ? out : undefined;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function printManager(e: ManagedFieldsEntry): string {
  const sub = e.subresource ? ` with subresource "${e.subresource}"` : "";
  return e.operation === "Update"
    ? `"${e.manager}"${sub} using ${e.apiVersion} at ${e.time}`
    : `"${e.manager}"${sub}`;
}

function conflictError(conflicts: { owner: ManagedFieldsEntry; path: string }[]): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${printManager(c.owner)}`,
    field: c.path,
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].owner)}: ${conflicts[0].path}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = printManager(c.owner);
      byManager.set(m, [...(byManager.get(m) ?? []), c.path]);
    }
    const lines = [...byManager.keys()]
      .sort()
      .flatMap((m) => [`conflicts with ${m}:`, ...(byManager.get(m) ?? []).map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError(409, "Conflict", message, { causes });
}

export interface ApplyOptions {
  res: ResourceId;
  manager: string;
  force: boolean;
  apiVersion: string;
  time: string;
}

/**
 * The object after applying `applied` as `manager` to `live` (undefined when it does not exist yet), with
 * managedFields updated. Identity (name, namespace, uid, resourceVersion) comes from `live` when present.
 */
export function serverSideApply(live: K8sObject | undefined, applied: K8sObject, o: ApplyOptions): K8sObject {
  const owners = ownerships(live).filter((x) => !x.entry.subresource);
  const appliedPart = ownedPart(applied, undefined);
  const A = leafPaths(o.res, appliedPart);
  const livePart = live ? ownedPart(live, undefined) : {};

  const lastApplied = lastAppliedConfiguration(live);
  const conflicts: { owner: ManagedFieldsEntry; path: string }[] = [];
  const takenOver: { owner: ManagedFieldsEntry; path: string }[] = [];
  for (const other of owners) {
    if (other.entry.manager === o.manager && other.entry.operation === "Apply") continue;
    for (const [k, p] of other.paths) {
      if (!A.has(k)) continue;
      const current = getAt(livePart, p);
      if (current === undefined || same(current, getAt(appliedPart, p))) continue;
      // Like the apiserver's lastAppliedManager: moving from client-side to server-side apply with the same
      // configuration is not a conflict with kubectl's client-side apply.
      const csa = other.entry.manager === CLIENT_SIDE_APPLY && other.entry.operation === "Update";
      if (csa && lastApplied && same(getAt(lastApplied, p), getAt(appliedPart, p)))
        takenOver.push({ owner: other.entry, path: k });
      else conflicts.push({ owner: other.entry, path: k });
    }
  }
  if (conflicts.length > 0 && !o.force) throw conflictError(conflicts);
  conflicts.push(...takenOver);
  for (const c of conflicts)
    for (const other of owners) if (other.entry === c.owner) other.paths.delete(c.path);

  let mine = owners.find((x) => x.entry.manager === o.manager && x.entry.operation === "Apply");
  const result = structuredClone(live ?? { metadata: {} }) as K8sObject;
  const resultPart = ownedPart(result, undefined);
  if (mine) {
    for (const [k, p] of mine.paths) {
      if (A.has(k)) continue;
      if (owners.some((x) => x !== mine && x.paths.has(k))) continue;
      removeAt(resultPart, p);
    }
  }
  const merged = mergeApplied(o.res, resultPart, appliedPart) as Record<string, unknown>;
  const { metadata: mergedMeta, ...mergedRest } = merged as { metadata?: Record<string, unknown> };
  const out: K8sObject = {
    apiVersion: applied.apiVersion,
    kind: applied.kind,
    ...mergedRest,
    metadata: { ...result.metadata },
  };
  for (const k of TRACKED_METADATA) {
    if (mergedMeta?.[k] !== undefined) out.metadata[k] = mergedMeta[k];
    else delete out.metadata[k];
  }
  if (live?.status !== undefined) out.status = live.status;
  if (!live) {
    out.metadata.name = applied.metadata.name;
    out.metadata.namespace = applied.metadata.namespace;
  }

  const entry: ManagedFieldsEntry = {
    manager: o.manager,
    operation: "Apply",
    apiVersion: o.apiVersion,
    time: o.time,
    fieldsType: "FieldsV1",
    fieldsV1: {},
  };
  if (mine) mine.entry = entry;
  else {
    mine = { entry, paths: new Map() };
    owners.push(mine);
  }
  mine.paths = A;
  const others = ownerships(live).filter((x) => x.entry.subresource);
  const managed = serialize([...owners, ...others]);
  if (managed) out.metadata.managedFields = managed;
  else delete out.metadata.managedFields;
  return out;
}

export interface UpdateOwnership {
  res: ResourceId;
  manager: string;
  apiVersion: string;
  time: string;
  subresource?: "status";
}

/**
 * Records an ordinary write: `manager` (operation Update) takes the fields whose value it set or changed,
 * every manager loses the fields that disappeared. Returns `next` with its managedFields set.
 */
export function recordUpdate(old: K8sObject | undefined, next: K8sObject, u: UpdateOwnership): K8sObject {
  const before = old ? ownedPart(old, u.subresource) : {};
  const after = ownedPart(next, u.subresource);
  const oldPaths = leafPaths(u.res, before);
  const newPaths = leafPaths(u.res, after);
  const changed = [...newPaths].filter(
    ([k, p]) => !oldPaths.has(k) || !same(getAt(before, p), getAt(after, p)),
  );
  const gone = [...oldPaths.keys()].filter((k) => !newPaths.has(k));

  const owners = ownerships(old);
  for (const x of owners) for (const k of gone) x.paths.delete(k);
  if (changed.length > 0) {
    for (const x of owners)
      if ((x.entry.subresource ?? undefined) === u.subresource) for (const [k] of changed) x.paths.delete(k);
    let mine = owners.find(
      (x) =>
        x.entry.manager === u.manager &&
        x.entry.operation === "Update" &&
        x.entry.subresource === u.subresource,
    );
    if (!mine) {
      mine = {
        entry: {
          manager: u.manager,
          operation: "Update",
          apiVersion: u.apiVersion,
          time: u.time,
          fieldsType: "FieldsV1",
          fieldsV1: {},
        },
        paths: new Map(),
      };
      if (u.subresource) mine.entry.subresource = u.subresource;
      owners.push(mine);
    }
    mine.entry = { ...mine.entry, time: u.time, apiVersion: u.apiVersion };
    for (const [k, p] of changed) mine.paths.set(k, p);
  }
  const out = structuredClone(next);
  const managed = serialize(owners);
  if (managed) out.metadata.managedFields = managed;
  else delete out.metadata.managedFields;
  return out;
}
