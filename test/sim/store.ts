// The simulator's object store: the one source of truth behind the HTTP API server and the in-process Knative
// controllers (which call it directly, bypassing HTTP and the audit log). It behaves like etcd plus the parts of
// the apiserver every client relies on: one global resourceVersion counter, optimistic concurrency, generation,
// the status subresource, watch history with a compaction window (410 Expired), finalizers, namespace
// termination and owner-reference garbage collection. Objects going in and out are deep copies.

import { randomUUID } from "node:crypto";
import { applyBuiltinDefaults, ClusterIpAllocator } from "./api/builtin-defaults.js";
import { StatusError } from "./api/errors.js";
import { nameErrors, nameRuleFor, randomNameSuffix } from "./api/names.js";
import { apiVersionOf, resourceType, type ResourceId, type ResourceType } from "./api/resources.js";
import { selectorPredicate, type Selectors } from "./api/selectors.js";

export { StatusError, isStatusError, type Status, type StatusCause } from "./api/errors.js";
export {
  RESOURCE_TYPES,
  resourceType,
  findResourceType,
  apiVersionOf,
  type ResourceId,
  type ResourceType,
} from "./api/resources.js";
export type { Selectors } from "./api/selectors.js";

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent {
  type: WatchEventType;
  object: K8sObject;
}

/** A change of any resource, as controllers see it; `old` is the previous state for MODIFIED and DELETED. */
export interface ChangeEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  res: ResourceId;
  object: K8sObject;
  old?: K8sObject;
}

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/**
 * Called before an object of a resource is removed. Returning "deferred" keeps it, marked with
 * metadata.deletionTimestamp (Terminating), until `finishDelete` is called — how pods terminate gracefully.
 */
export type DeleteHook = (object: K8sObject, opts: DeleteOptions) => "deferred" | void;

export interface StoreOptions {
  /** Watch events kept for resuming watches; older resourceVersions get 410 Expired. Default 10000. */
  historyLimit?: number;
  /** Clock for timestamps; tests with a time scale may pass their own. */
  now?: () => Date;
  /** Namespaces that exist from the start. Default: default, kube-system, kube-public, kube-node-lease. */
  namespaces?: string[];
}

interface HistoryEntry extends ChangeEvent {
  rv: number;
}

interface Watcher {
  res: ResourceId;
  namespace: string | undefined;
  matches: (o: K8sObject) => boolean;
  onEvent: (e: WatchEvent) => void;
  /** Highest resourceVersion already delivered, so replay and live delivery never overlap. */
  lastRv: number;
}

const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

function key(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Everything but metadata and status: what counts as "spec" for generation, as for CRDs. */
function specPart(o: K8sObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return JSON.stringify(rest);
}

function sameContent(a: K8sObject, b: K8sObject): boolean {
  const strip = (o: K8sObject) =>
    JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return strip(a) === strip(b);
}

export class Store {
  private readonly objects = new Map<ResourceId, Map<string, K8sObject>>();
  private readonly history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly subscribers = new Set<(e: ChangeEvent) => void>();
  private readonly deleteHooks = new Map<ResourceId, DeleteHook>();
  /** Objects whose removal waits for `finishDelete` (their delete hook deferred it). */
  private readonly deferred = new Set<string>();
  private readonly queue: HistoryEntry[] = [];
  private draining = false;
  private readonly clusterIps = new ClusterIpAllocator();
  private rv = 0;
  /** Events with resourceVersion <= compactedRv are gone from history. */
  private compactedRv = 0;
  private historyLimit: number;
  private readonly now: () => Date;

  constructor(opts: StoreOptions = {}) {
    this.historyLimit = opts.historyLimit ?? 10000;
    this.now = opts.now ?? (() => new Date());
    for (const ns of opts.namespaces ?? DEFAULT_NAMESPACES) {
      this.create("/namespaces", { metadata: { name: ns } });
    }
  }

  currentResourceVersion(): string {
    return String(this.rv);
  }

  get(res: ResourceId, namespace: string | undefined, name: string): K8sObject | undefined {
    const o = this.bucket(res).get(key(this.scope(res, namespace), name));
    return o && clone(o);
  }

  /** Like `get`, but a missing object is a 404 StatusError. */
  mustGet(res: ResourceId, namespace: string | undefined, name: string): K8sObject {
    const o = this.get(res, namespace, name);
    if (!o) throw StatusError.notFound(resourceType(res), name);
    return o;
  }

  list(
    res: ResourceId,
    namespace: string | undefined,
    opts?: Selectors,
  ): { items: K8sObject[]; resourceVersion: string } {
    const matches = selectorPredicate(res, opts);
    const ns = this.scope(res, namespace);
    const items = [...this.bucket(res).entries()]
      .filter(([, o]) => (ns === undefined || o.metadata.namespace === ns) && matches(o))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => clone(o));
    return { items, resourceVersion: this.currentResourceVersion() };
  }

  create(res: ResourceId, input: K8sObject): K8sObject {
    const t = resourceType(res);
    const obj = clone(input);
    obj.metadata = obj.metadata ?? {};
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomNameSuffix();
    this.checkName(t, meta.name, meta.generateName);
    const name = meta.name as string;
    if (t.namespaced) {
      if (!meta.namespace) throw StatusError.badRequest(`${t.plural} "${name}": the namespace is required`);
      this.checkNamespaceWritable(t, meta.namespace, name);
    } else delete meta.namespace;
    const k = key(meta.namespace, name);
    if (this.bucket(res).has(k)) throw StatusError.alreadyExists(t, name);

    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    applyBuiltinDefaults(res, obj, undefined, this.clusterIps);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (obj.spec !== undefined) meta.generation = 1;
    else delete meta.generation;
    if (res === "/namespaces") {
      obj.spec = { finalizers: ["kubernetes"] };
      obj.status = { phase: "Active" };
      delete meta.generation;
    }
    meta.resourceVersion = String(++this.rv);
    this.bucket(res).set(k, obj);
    this.emit({ type: "ADDED", res, object: obj, rv: this.rv });
    return clone(obj);
  }

  /**
   * Replaces an object. A given metadata.resourceVersion must be current (else 409 Conflict). With
   * subresource "status" only the status changes; otherwise the old status is kept (for types with a status
   * subresource) and generation goes up when anything outside metadata and status changed.
   */
  update(res: ResourceId, input: K8sObject, opts?: { subresource?: "status" }): K8sObject {
    const t = resourceType(res);
    const name = input.metadata?.name;
    if (!name) throw StatusError.invalid(t, "", [requiredName()]);
    const ns = this.scope(res, input.metadata.namespace);
    const k = key(ns, name);
    const old = this.bucket(res).get(k);
    if (!old) throw StatusError.notFound(t, name);
    const given = input.metadata.resourceVersion;
    if (given && given !== old.metadata.resourceVersion) throw StatusError.staleUpdate(t, name);
    if (input.metadata.uid && input.metadata.uid !== old.metadata.uid) {
      throw StatusError.conflict(
        t,
        name,
        `Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }

    let next: K8sObject;
    if (opts?.subresource === "status") {
      next = clone(old);
      next.status = clone(input.status);
      // The HTTP layer records status writers in managedFields; nothing else in metadata changes.
      if (input.metadata.managedFields) next.metadata.managedFields = clone(input.metadata.managedFields);
    } else {
      next = clone(input);
      if (t.hasStatus) next.status = clone(old.status);
      next.metadata = {
        ...next.metadata,
        name,
        namespace: old.metadata.namespace,
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        deletionTimestamp: old.metadata.deletionTimestamp,
        deletionGracePeriodSeconds: old.metadata.deletionGracePeriodSeconds,
        generation: old.metadata.generation,
      };
      if (!t.namespaced) delete next.metadata.namespace;
      applyBuiltinDefaults(res, next, old, this.clusterIps);
      for (const f of ["deletionTimestamp", "deletionGracePeriodSeconds", "generation"] as const) {
        if (next.metadata[f] === undefined) delete next.metadata[f];
      }
      if (old.metadata.generation !== undefined && specPart(next) !== specPart(old)) {
        next.metadata.generation = old.metadata.generation + 1;
      }
    }
    next.apiVersion = apiVersionOf(t);
    next.kind = t.kind;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (sameContent(next, old)) return clone(old);

    next.metadata.resourceVersion = String(++this.rv);
    this.bucket(res).set(k, next);
    this.emit({ type: "MODIFIED", res, object: next, old, rv: this.rv });
    // Removing the last finalizer of a deleted object completes its deletion (namespaces finish when empty).
    const finalized = next.metadata.deletionTimestamp && !next.metadata.finalizers?.length;
    if (finalized && res !== "/namespaces" && !this.deferred.has(res + " " + k)) this.remove(res, k);
    return clone(next);
  }

  /**
   * Deletes an object. Returns the object as it was removed, or, when finalizers or a delete hook keep it,
   * as it now is (with metadata.deletionTimestamp). Dependents (ownerReferences) are collected per policy:
   * Background (default) after the owner is gone, Foreground before it, Orphan keeps them without the owner
   * reference. Deleting a namespace deletes everything in it, then the namespace.
   */
  delete(res: ResourceId, namespace: string | undefined, name: string, opts: DeleteOptions = {}): K8sObject {
    const t = resourceType(res);
    const k = key(this.scope(res, namespace), name);
    const obj = this.bucket(res).get(k);
    if (!obj) throw StatusError.notFound(t, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== obj.metadata.uid) {
      throw StatusError.conflict(
        t,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
      throw StatusError.conflict(
        t,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
      );
    }
    const deferredKey = res + " " + k;
    if (obj.metadata.deletionTimestamp) {
      if (
        opts.gracePeriodSeconds === 0 &&
        this.deferred.has(deferredKey) &&
        !obj.metadata.finalizers?.length
      ) {
        return this.remove(res, k);
      }
      return clone(obj);
    }

    if (res === "/namespaces") return this.terminateNamespace(obj);
    const policy = opts.propagationPolicy ?? "Background";
    if (policy === "Orphan") this.orphanDependents(obj.metadata.uid as string);

    if (policy === "Foreground" && this.dependentsOf(obj.metadata.uid as string).length > 0) {
      const marked = this.markDeleting(res, k, { addFinalizer: "foregroundDeletion" });
      for (const d of this.dependentsOf(obj.metadata.uid as string)) {
        this.tryDelete(d.res, d.object, { propagationPolicy: "Foreground" });
      }
      return this.bucket(res).has(k) ? clone(this.bucket(res).get(k) as K8sObject) : marked;
    }
    if (obj.metadata.finalizers?.length) return this.markDeleting(res, k, {});

    const hook = this.deleteHooks.get(res);
    if (opts.gracePeriodSeconds !== 0 && hook?.(clone(obj), opts) === "deferred") {
      this.deferred.add(deferredKey);
      const grace = opts.gracePeriodSeconds ?? terminationGrace(obj);
      return this.markDeleting(res, k, { graceSeconds: grace });
    }
    return this.remove(res, k);
  }

  /** Completes a deletion a delete hook deferred (the pod has terminated). No-op if the object is gone. */
  finishDelete(res: ResourceId, namespace: string | undefined, name: string): void {
    const k = key(this.scope(res, namespace), name);
    const obj = this.bucket(res).get(k);
    if (!obj) return;
    this.deferred.delete(res + " " + k);
    if (!obj.metadata.finalizers?.length) this.remove(res, k);
  }

  setDeleteHook(res: ResourceId, hook: DeleteHook | undefined): void {
    if (hook) this.deleteHooks.set(res, hook);
    else this.deleteHooks.delete(res);
  }

  /**
   * Streams changes of `res` (in `namespace`, or all) matching the selectors. Without a resourceVersion (or
   * "0") it starts with ADDED for every current object; with one it replays history after it, and throws a 410
   * Expired StatusError if that version has been compacted away. Returns a function that stops the watch.
   */
  watch(
    res: ResourceId,
    namespace: string | undefined,
    fromResourceVersion: string | undefined,
    onEvent: (e: WatchEvent) => void,
    opts?: Selectors,
  ): () => void {
    const matches = selectorPredicate(res, opts);
    const ns = this.scope(res, namespace);
    const w: Watcher = { res, namespace: ns, matches, onEvent, lastRv: this.rv };
    if (!fromResourceVersion || fromResourceVersion === "0") {
      for (const o of this.list(res, ns).items) if (matches(o)) onEvent({ type: "ADDED", object: o });
    } else {
      const from = Number(fromResourceVersion);
      if (!Number.isInteger(from) || from < 0) {
        throw StatusError.badRequest(
          `resourceVersion: Invalid value: "${fromResourceVersion}": must be a number`,
        );
      }
      if (from < this.compactedRv) {
        throw StatusError.expired(`too old resource version: ${from} (${this.compactedRv + 1})`);
      }
      for (const e of this.history) if (e.rv > from && e.rv <= w.lastRv) this.deliver(w, e);
    }
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  /** Every change of every resource, in resourceVersion order, for in-process controllers. */
  subscribe(listener: (e: ChangeEvent) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /** Fault knob: forget all watch history, so resuming from any older resourceVersion gets 410 Expired. */
  expireHistory(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  private bucket(res: ResourceId): Map<string, K8sObject> {
    let m = this.objects.get(res);
    if (!m) {
      resourceType(res);
      m = new Map();
      this.objects.set(res, m);
    }
    return m;
  }

  private scope(res: ResourceId, namespace: string | undefined): string | undefined {
    return resourceType(res).namespaced ? namespace || undefined : undefined;
  }

  private checkName(t: ResourceType, name: string | undefined, generateName: string | undefined): void {
    if (!name) throw StatusError.invalid(t, generateName ?? "", [requiredName()]);
    const errs = nameErrors(name, nameRuleFor(t.id));
    if (errs.length > 0) {
      throw StatusError.invalid(
        t,
        name,
        errs.map((m) => ({
          reason: "FieldValueInvalid",
          field: "metadata.name",
          message: `Invalid value: "${name}": ${m}`,
        })),
      );
    }
  }

  private checkNamespaceWritable(t: ResourceType, namespace: string, name: string): void {
    const ns = this.bucket("/namespaces").get(namespace);
    if (!ns) throw StatusError.notFound(resourceType("/namespaces"), namespace);
    if (ns.metadata.deletionTimestamp) {
      const message = `unable to create new content in namespace ${namespace} because it is being terminated`;
      throw StatusError.forbidden(`${t.plural} "${name}" is forbidden: ${message}`, {
        name,
        group: t.group,
        kind: t.plural,
        causes: [{ reason: "NamespaceTerminating", message, field: "metadata.namespace" }],
      });
    }
  }

  private markDeleting(
    res: ResourceId,
    k: string,
    how: { addFinalizer?: string; graceSeconds?: number },
  ): K8sObject {
    const old = this.bucket(res).get(k) as K8sObject;
    const next = clone(old);
    const grace = how.graceSeconds ?? 0;
    next.metadata.deletionTimestamp = rfc3339(new Date(this.now().getTime() + grace * 1000));
    next.metadata.deletionGracePeriodSeconds = grace;
    if (how.addFinalizer) next.metadata.finalizers = [...(next.metadata.finalizers ?? []), how.addFinalizer];
    next.metadata.resourceVersion = String(++this.rv);
    this.bucket(res).set(k, next);
    this.emit({ type: "MODIFIED", res, object: next, old, rv: this.rv });
    return clone(next);
  }

  private remove(res: ResourceId, k: string): K8sObject {
    const old = this.bucket(res).get(k) as K8sObject;
    this.bucket(res).delete(k);
    this.deferred.delete(res + " " + k);
    const gone = clone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ type: "DELETED", res, object: gone, old, rv: this.rv });
    this.collectGarbage(old);
    return clone(gone);
  }

  /** After a removal: delete orphaned dependents, then finish foreground owners and terminating namespaces. */
  private collectGarbage(removed: K8sObject): void {
    for (const d of this.dependentsOf(removed.metadata.uid as string)) {
      const owners = d.object.metadata.ownerReferences ?? [];
      if (owners.every((r) => !this.uidExists(r.uid))) this.tryDelete(d.res, d.object, {});
    }
    for (const [res, m] of this.objects) {
      for (const [k, o] of [...m]) {
        const fin = o.metadata.finalizers ?? [];
        if (o.metadata.deletionTimestamp && fin.includes("foregroundDeletion")) {
          if (this.dependentsOf(o.metadata.uid as string).length === 0) {
            const next = clone(o);
            next.metadata.finalizers = fin.filter((f) => f !== "foregroundDeletion");
            if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
            this.update(res, next);
          }
        }
        if (res === "/namespaces" && o.metadata.deletionTimestamp && m.has(k) && this.isEmptyNamespace(k)) {
          this.remove(res, k);
        }
      }
    }
  }

  private terminateNamespace(ns: K8sObject): K8sObject {
    const name = ns.metadata.name as string;
    const marked = this.markDeleting("/namespaces", name, {});
    const next = clone(this.bucket("/namespaces").get(name) as K8sObject);
    next.status = { ...(next.status as object), phase: "Terminating" };
    this.update("/namespaces", next, { subresource: "status" });
    for (const [res, m] of this.objects) {
      if (!resourceType(res).namespaced) continue;
      for (const o of [...m.values()]) if (o.metadata.namespace === name) this.tryDelete(res, o, {});
    }
    if (this.isEmptyNamespace(name) && this.bucket("/namespaces").has(name))
      return this.remove("/namespaces", name);
    return this.get("/namespaces", undefined, name) ?? marked;
  }

  private isEmptyNamespace(name: string): boolean {
    for (const [res, m] of this.objects) {
      if (!resourceType(res).namespaced) continue;
      for (const o of m.values()) if (o.metadata.namespace === name) return false;
    }
    return true;
  }

  /** Deletes unless the object vanished meanwhile (a cascade can reach an object twice). */
  private tryDelete(res: ResourceId, o: K8sObject, opts: DeleteOptions): void {
    if (!this.bucket(res).has(key(o.metadata.namespace, o.metadata.name as string))) return;
    this.delete(res, o.metadata.namespace, o.metadata.name as string, opts);
  }

  private orphanDependents(uid: string): void {
    for (const d of this.dependentsOf(uid)) {
      const next = clone(d.object);
      next.metadata.ownerReferences = next.metadata.ownerReferences?.filter((r) => r.uid !== uid);
      if (next.metadata.ownerReferences?.length === 0) delete next.metadata.ownerReferences;
      this.update(d.res, next);
    }
  }

  private dependentsOf(uid: string): { res: ResourceId; object: K8sObject }[] {
    const out: { res: ResourceId; object: K8sObject }[] = [];
    for (const [res, m] of this.objects) {
      for (const o of m.values()) {
        if (o.metadata.ownerReferences?.some((r) => r.uid === uid)) out.push({ res, object: o });
      }
    }
    return out;
  }

  private uidExists(uid: string): boolean {
    for (const m of this.objects.values())
      for (const o of m.values()) if (o.metadata.uid === uid) return true;
    return false;
  }

  /** Records the event in history now, and delivers queued events in order (listeners may write back). */
  private emit(e: HistoryEntry): void {
    this.history.push({ ...e, object: clone(e.object), old: e.old && clone(e.old) });
    this.trimHistory();
    this.queue.push(e);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        for (const w of [...this.watchers]) if (this.watchers.has(w)) this.deliver(w, next);
        for (const s of [...this.subscribers]) {
          s({ type: next.type, res: next.res, object: clone(next.object), old: next.old && clone(next.old) });
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Sends one change to a watcher, translating selector transitions as the watch cache does. */
  private deliver(w: Watcher, e: HistoryEntry): void {
    if (e.rv <= w.lastRv && this.watchers.has(w)) return;
    if (e.res !== w.res || (w.namespace !== undefined && e.object.metadata.namespace !== w.namespace)) {
      w.lastRv = Math.max(w.lastRv, e.rv);
      return;
    }
    w.lastRv = Math.max(w.lastRv, e.rv);
    const now = w.matches(e.object);
    const before = e.type === "MODIFIED" && e.old ? w.matches(e.old) : now;
    let type: WatchEventType | undefined;
    if (e.type === "MODIFIED")
      type = now && before ? "MODIFIED" : now ? "ADDED" : before ? "DELETED" : undefined;
    else type = now ? e.type : undefined;
    if (type) w.onEvent({ type, object: clone(e.object) });
  }

  private trimHistory(): void {
    const excess = this.history.length - this.historyLimit;
    if (excess > 0) {
      this.compactedRv = this.history[excess - 1].rv;
      this.history.splice(0, excess);
    }
  }
}

function requiredName() {
  return {
    reason: "FieldValueRequired",
    field: "metadata.name",
    message: "Required value: name or generateName is required",
  };
}

function terminationGrace(o: K8sObject): number {
  const g = (o.spec as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds;
  return typeof g === "number" ? g : 30;
}
