// The verbs on resources: get, list, create, update, patch (merge, JSON, strategic, apply), delete and
// deletecollection, on the main resource or its status subresource. Each returns [httpStatus, body]; watch is
// handled by watch-stream.ts. Knative admission and managedFields bookkeeping happen here, so writes through
// HTTP see them and in-process controllers writing to the store do not (as with a real webhook and apiserver).

import { StatusError } from "./errors.js";
import { admitKnative } from "./knative-admission.js";
import { podQuotaError } from "../knative/capacity.js";
import { revisionDefaults } from "../knative/cluster-config.js";
import { unknownFields } from "./knative-schema.js";
import { fromScale, SCALABLE, toScale } from "./scale.js";
import { recordUpdate, serverSideApply } from "./managed-fields.js";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from "./patch.js";
import { apiVersionOf } from "./resources.js";
import type { ResourceRequest } from "./request-info.js";
import { toTable, type IncludeObject } from "./tables.js";
import type { DeleteOptions, K8sObject, PropagationPolicy, Store } from "../store.js";

export interface HandlerContext {
  store: Store;
  info: ResourceRequest;
  query: URLSearchParams;
  user: string;
  userAgent: string;
  table: boolean;
  /** The request body, decoded (undefined for bodiless verbs). */
  body: unknown;
  contentType: string;
  podLog?: (namespace: string, name: string, container: string | undefined) => string;
  /** Warnings for the client (sent as `Warning: 299 - "..."` headers, which kubectl prints). */
  warnings: string[];
}

export type HandlerResult =
  [status: number, body: unknown] | [status: number, body: string, contentType: "text/plain"];

function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function includeObject(q: URLSearchParams): IncludeObject | undefined {
  const v = q.get("includeObject");
  return v === "None" || v === "Metadata" || v === "Object" ? v : undefined;
}

function isDryRun(q: URLSearchParams): boolean {
  const v = q.getAll("dryRun");
  if (v.some((x) => x !== "All"))
    throw StatusError.badRequest(
      `dryRun: Unsupported value: "${v.find((x) => x !== "All")}": supported values: "All"`,
    );
  return v.length > 0;
}

/** The field manager of a write: ?fieldManager, else the User-Agent's product (as the apiserver derives it). */
function manager(ctx: HandlerContext): string {
  return ctx.query.get("fieldManager") || ctx.userAgent.split("/")[0] || "unknown";
}

function apiVersionCheck(ctx: HandlerContext, o: K8sObject): void {
  const want = apiVersionOf(ctx.info.type);
  if (o.apiVersion && o.apiVersion !== want) {
    throw StatusError.badRequest(
      `the API version in the data (${o.apiVersion}) does not match the expected API version (${want})`,
    );
  }
  if (o.kind && o.kind !== ctx.info.type.kind) {
    throw StatusError.badRequest(
      `the kind in the data (${o.kind}) does not match the expected kind (${ctx.info.type.kind})`,
    );
  }
}

/** The request body as an object of this resource, placed in the URL's namespace. */
function bodyObject(ctx: HandlerContext): K8sObject {
  if (!isObject(ctx.body)) throw StatusError.badRequest("the request body must be a JSON object");
  const o = structuredClone(ctx.body) as K8sObject;
  o.metadata = isObject(o.metadata) ? o.metadata : {};
  apiVersionCheck(ctx, o);
  const { namespace } = ctx.info;
  if (ctx.info.type.namespaced) {
    if (o.metadata.namespace && namespace && o.metadata.namespace !== namespace) {
      throw StatusError.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    o.metadata.namespace = namespace ?? o.metadata.namespace;
  }
  return o;
}

/**
 * Undeclared fields of a Knative object: refused with fieldValidation=Strict (what kubectl sends), otherwise
 * pruned, with a warning unless fieldValidation=Ignore — the apiserver's handling of a structural CRD schema.
 */
function checkFields(ctx: HandlerContext, o: K8sObject): void {
  const mode = ctx.query.get("fieldValidation") ?? "Warn";
  if (!["Strict", "Warn", "Ignore"].includes(mode)) {
    throw StatusError.badRequest(
      `fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`,
    );
  }
  const unknown = unknownFields(ctx.info.type.id, o, mode !== "Strict");
  if (unknown.length === 0) return;
  const list = unknown.map((f) => `unknown field "${f}"`);
  const kind = ctx.info.type.kind;
  if (mode === "Strict") {
    throw StatusError.badRequest(
      `${kind} in version "${ctx.info.type.version}" cannot be handled as a ${kind}: strict decoding error: ${list.join(", ")}`,
    );
  }
  if (mode === "Warn") ctx.warnings.push(...list);
}

function checkName(ctx: HandlerContext, o: K8sObject): void {
  if (o.metadata.name && ctx.info.name && o.metadata.name !== ctx.info.name) {
    throw StatusError.badRequest(
      `the name of the object (${o.metadata.name}) does not match the name on the URL (${ctx.info.name})`,
    );
  }
  o.metadata.name = o.metadata.name ?? ctx.info.name;
}

function render(ctx: HandlerContext, o: K8sObject): unknown {
  return ctx.table ? toTable(ctx.info.type, [o], { includeObject: includeObject(ctx.query) }) : o;
}

function requireNamespace(ctx: HandlerContext): void {
  if (
    ctx.info.type.namespaced &&
    !ctx.info.namespace &&
    ctx.info.verb !== "list" &&
    ctx.info.verb !== "watch"
  ) {
    throw StatusError.notFound(ctx.info.type, ctx.info.name ?? "");
  }
}

function getObject(ctx: HandlerContext): HandlerResult {
  const o = ctx.store.mustGet(ctx.info.type.id, ctx.info.namespace, ctx.info.name as string);
  if (ctx.info.subresource === "log") {
    const text =
      ctx.podLog?.(
        ctx.info.namespace ?? "",
        ctx.info.name as string,
        ctx.query.get("container") ?? undefined,
      ) ?? "";
    return [200, text, "text/plain"];
  }
  return [200, render(ctx, o)];
}

interface ContinueToken {
  rv: string;
  start: string;
}

function list(ctx: HandlerContext): HandlerResult {
  const t = ctx.info.type;
  const q = ctx.query;
  const { items, resourceVersion } = ctx.store.list(t.id, ctx.info.namespace, {
    labelSelector: q.get("labelSelector") ?? undefined,
    fieldSelector: q.get("fieldSelector") ?? undefined,
  });
  let page = items;
  let continueToken: string | undefined;
  let remaining: number | undefined;
  const limit = Number(q.get("limit") ?? 0);
  const cont = q.get("continue");
  const keyOf = (o: K8sObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  if (cont) {
    let token: ContinueToken;
    try {
      token = JSON.parse(Buffer.from(cont, "base64").toString("utf8")) as ContinueToken;
    } catch {
      throw StatusError.badRequest("continue key is not valid: illegal base64 data");
    }
    page = page.filter((o) => keyOf(o) > token.start);
  }
  if (limit > 0 && page.length > limit) {
    remaining = page.length - limit;
    page = page.slice(0, limit);
    const token: ContinueToken = { rv: resourceVersion, start: keyOf(page[page.length - 1]) };
    continueToken = Buffer.from(JSON.stringify(token)).toString("base64");
  }
  if (ctx.table) {
    return [200, toTable(t, page, { resourceVersion, includeObject: includeObject(q), continueToken })];
  }
  const metadata: Record<string, unknown> = { resourceVersion };
  if (continueToken) {
    metadata.continue = continueToken;
    metadata.remainingItemCount = remaining;
  }
  return [200, { kind: `${t.kind}List`, apiVersion: apiVersionOf(t), metadata, items: page }];
}

function create(ctx: HandlerContext): HandlerResult {
  if (ctx.info.name) throw StatusError.methodNotAllowed("POST", ctx.info.type.kind);
  const o = bodyObject(ctx);
  // Every type with a status subresource ignores the status of a create (PrepareForCreate resets it).
  if (ctx.info.type.hasStatus) delete o.status;
  checkFields(ctx, o);
  admitKnative(ctx.info.type.id, o, undefined, ctx.user, revisionDefaults(ctx.store));
  if (ctx.info.type.id === "/pods" && ctx.info.namespace) {
    // The ResourceQuota admission plugin (plugin/pkg/admission/resourcequota).
    const err = podQuotaError(
      ctx.store,
      ctx.info.namespace,
      o.metadata?.name ?? o.metadata?.generateName ?? "",
    );
    if (err) throw StatusError.forbidden(err, { name: o.metadata?.name, kind: "pods" });
  }
  const time = rfc3339();
  const owned = recordUpdate(undefined, o, {
    res: ctx.info.type.id,
    manager: manager(ctx),
    apiVersion: apiVersionOf(ctx.info.type),
    time,
  });
  if (isDryRun(ctx.query)) return [201, dryRunCreate(ctx, owned)];
  return [201, render(ctx, ctx.store.create(ctx.info.type.id, owned))];
}

/** What create would store, without storing it (dryRun=All). */
function dryRunCreate(ctx: HandlerContext, o: K8sObject): K8sObject {
  const existing = o.metadata.name
    ? ctx.store.get(ctx.info.type.id, o.metadata.namespace, o.metadata.name)
    : undefined;
  if (existing) throw StatusError.alreadyExists(ctx.info.type, o.metadata.name as string);
  return {
    ...o,
    apiVersion: apiVersionOf(ctx.info.type),
    kind: ctx.info.type.kind,
    metadata: { ...o.metadata, creationTimestamp: rfc3339() },
  };
}

/** Writes `next` over `old` (main resource or status), with admission and ownership; honours dryRun. */
function write(ctx: HandlerContext, old: K8sObject, next: K8sObject): HandlerResult {
  const t = ctx.info.type;
  const status = ctx.info.subresource === "status";
  if (ctx.info.subresource && !status) throw StatusError.methodNotAllowed(ctx.info.verb, t.kind);
  if (!status) {
    checkFields(ctx, next);
    admitKnative(t.id, next, old, ctx.user, revisionDefaults(ctx.store));
  }
  const owned = recordUpdate(old, next, {
    res: t.id,
    manager: manager(ctx),
    apiVersion: apiVersionOf(t),
    time: rfc3339(),
    subresource: status ? "status" : undefined,
  });
  if (isDryRun(ctx.query)) return [200, owned];
  const stored = ctx.store.update(t.id, owned, status ? { subresource: "status" } : undefined);
  return [200, render(ctx, stored)];
}

function update(ctx: HandlerContext): HandlerResult {
  const o = bodyObject(ctx);
  checkName(ctx, o);
  const old = ctx.store.mustGet(ctx.info.type.id, ctx.info.namespace, ctx.info.name as string);
  if (ctx.info.subresource === "status") {
    return write(ctx, old, {
      ...old,
      status: o.status,
      metadata: { ...old.metadata, resourceVersion: o.metadata.resourceVersion },
    });
  }
  return write(ctx, old, o);
}

const STRATEGIC_UNSUPPORTED = (t: ResourceRequest["type"]) =>
  new StatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
    { kind: t.plural, group: t.group },
  );

function patch(ctx: HandlerContext): HandlerResult {
  const t = ctx.info.type;
  if (ctx.contentType === "application/apply-patch+yaml") return apply(ctx);
  if (ctx.query.get("force") !== null) {
    throw StatusError.badRequest("force: Invalid value: true: may not be specified for non-apply patch");
  }
  const old = ctx.store.mustGet(t.id, ctx.info.namespace, ctx.info.name as string);
  let patched: unknown;
  switch (ctx.contentType) {
    case "application/merge-patch+json":
      patched = applyMergePatch(old, ctx.body);
      break;
    case "application/json-patch+json":
      patched = applyJsonPatch(old, ctx.body);
      break;
    case "application/strategic-merge-patch+json":
      if (t.group === "serving.knative.dev") throw STRATEGIC_UNSUPPORTED(t);
      patched = applyStrategicMergePatch(old, ctx.body);
      break;
    default:
      throw StatusError.unsupportedMediaType(ctx.contentType);
  }
  const next = patched as K8sObject;
  if (!isObject(next.metadata)) throw StatusError.badRequest("the patched object has no metadata");
  apiVersionCheck(ctx, next);
  if (
    next.metadata.name !== old.metadata.name ||
    (t.namespaced && next.metadata.namespace !== old.metadata.namespace)
  ) {
    throw StatusError.badRequest("metadata.name and metadata.namespace may not be changed by a patch");
  }
  if (next.metadata.uid !== old.metadata.uid) {
    throw StatusError.conflict(
      t,
      old.metadata.name as string,
      `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
    );
  }
  return write(ctx, old, next);
}

function apply(ctx: HandlerContext): HandlerResult {
  const t = ctx.info.type;
  const fm = ctx.query.get("fieldManager");
  if (!fm) {
    throw StatusError.invalid({ group: "meta.k8s.io", plural: "patchoptions", kind: "PatchOptions" }, "", [
      {
        reason: "FieldValueRequired",
        field: "fieldManager",
        message: "Required value: is required for apply patch",
      },
    ]);
  }
  if (!isObject(ctx.body))
    throw StatusError.badRequest("error decoding YAML: the apply configuration must be an object");
  const applied = structuredClone(ctx.body) as K8sObject;
  applied.metadata = isObject(applied.metadata) ? applied.metadata : {};
  if (!applied.apiVersion || !applied.kind) {
    throw StatusError.badRequest(
      `invalid object type: ${applied.apiVersion ?? ""}, Kind=${applied.kind ?? ""}`,
    );
  }
  apiVersionCheck(ctx, applied);
  checkName(ctx, applied);
  if (t.namespaced) {
    if (applied.metadata.namespace && applied.metadata.namespace !== ctx.info.namespace) {
      throw StatusError.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    applied.metadata.namespace = ctx.info.namespace;
  }
  checkFields(ctx, applied);
  const force = ctx.query.get("force") === "true";
  const live = ctx.store.get(t.id, ctx.info.namespace, ctx.info.name as string);
  const status = ctx.info.subresource === "status";
  if (status) {
    if (!live) throw StatusError.notFound(t, ctx.info.name as string);
    return write(ctx, live, { ...live, status: applied.status });
  }
  const opts = { res: t.id, manager: fm, force, apiVersion: apiVersionOf(t), time: rfc3339() };
  const next = serverSideApply(live, applied, opts);
  admitKnative(t.id, next, live, ctx.user, revisionDefaults(ctx.store));
  if (isDryRun(ctx.query)) return [live ? 200 : 201, next];
  if (!live) return [201, render(ctx, ctx.store.create(t.id, next))];
  return [
    200,
    render(
      ctx,
      ctx.store.update(t.id, { ...next, metadata: { ...next.metadata, resourceVersion: undefined } }),
    ),
  ];
}

function deleteOptions(ctx: HandlerContext): DeleteOptions {
  const body = isObject(ctx.body) ? ctx.body : {};
  const q = ctx.query;
  const policy = (q.get("propagationPolicy") ?? body.propagationPolicy) as PropagationPolicy | undefined;
  if (policy && !["Background", "Foreground", "Orphan"].includes(policy)) {
    throw StatusError.badRequest(
      `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  const orphan = q.get("orphanDependents") ?? body.orphanDependents;
  const grace = q.get("gracePeriodSeconds") ?? body.gracePeriodSeconds;
  return {
    propagationPolicy: policy ?? (orphan === true || orphan === "true" ? "Orphan" : undefined),
    gracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
    preconditions: isObject(body.preconditions)
      ? (body.preconditions as DeleteOptions["preconditions"])
      : undefined,
  };
}

function success(ctx: HandlerContext, o: K8sObject): object {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      name: o.metadata.name,
      group: ctx.info.type.group,
      kind: ctx.info.type.plural,
      uid: o.metadata.uid,
    },
  };
}

function del(ctx: HandlerContext): HandlerResult {
  const t = ctx.info.type;
  if (ctx.info.subresource) throw StatusError.methodNotAllowed("DELETE", t.kind);
  const opts = deleteOptions(ctx);
  if (isDryRun(ctx.query)) return [200, ctx.store.mustGet(t.id, ctx.info.namespace, ctx.info.name as string)];
  const result = ctx.store.delete(t.id, ctx.info.namespace, ctx.info.name as string, opts);
  const still = ctx.store.get(t.id, ctx.info.namespace, ctx.info.name as string);
  return [200, still ? still : success(ctx, result)];
}

function deleteCollection(ctx: HandlerContext): HandlerResult {
  const t = ctx.info.type;
  const opts = deleteOptions(ctx);
  const { items } = ctx.store.list(t.id, ctx.info.namespace, {
    labelSelector: ctx.query.get("labelSelector") ?? undefined,
    fieldSelector: ctx.query.get("fieldSelector") ?? undefined,
  });
  const dry = isDryRun(ctx.query);
  const deleted = dry
    ? items
    : items.map((o) => ctx.store.delete(t.id, o.metadata.namespace, o.metadata.name as string, opts));
  return [
    200,
    {
      kind: `${t.kind}List`,
      apiVersion: apiVersionOf(t),
      metadata: { resourceVersion: ctx.store.currentResourceVersion() },
      items: deleted,
    },
  ];
}

/** GET, PUT and PATCH of deployments/<name>/scale: the Scale view of the object's replicas. */
function scale(ctx: HandlerContext): HandlerResult {
  const t = ctx.info.type;
  const old = ctx.store.mustGet(t.id, ctx.info.namespace, ctx.info.name as string);
  const view = toScale(old);
  let next: K8sObject;
  switch (ctx.info.verb) {
    case "get":
      return [200, view];
    case "update":
      next = fromScale(old, ctx.body as K8sObject);
      break;
    case "patch":
      if (ctx.contentType === "application/json-patch+json")
        next = fromScale(old, applyJsonPatch(view, ctx.body) as K8sObject);
      else if (ctx.contentType.endsWith("merge-patch+json"))
        next = fromScale(old, applyMergePatch(view, ctx.body) as K8sObject);
      else throw StatusError.unsupportedMediaType(ctx.contentType);
      break;
    default:
      throw StatusError.methodNotAllowed(ctx.info.verb, "Scale");
  }
  const owned = recordUpdate(old, next, {
    res: t.id,
    manager: manager(ctx),
    apiVersion: apiVersionOf(t),
    time: rfc3339(),
  });
  return [200, toScale(isDryRun(ctx.query) ? owned : ctx.store.update(t.id, owned))];
}

export function handleResource(ctx: HandlerContext): HandlerResult {
  requireNamespace(ctx);
  const sub = ctx.info.subresource;
  if (sub === "scale" && SCALABLE.has(ctx.info.type.id)) return scale(ctx);
  if (
    sub &&
    sub !== "status" &&
    !(sub === "log" && ctx.info.type.id === "/pods" && ctx.info.verb === "get")
  ) {
    throw StatusError.notFound(ctx.info.type, `${ctx.info.name}/${sub}`);
  }
  if (sub === "status" && !ctx.info.type.hasStatus)
    throw StatusError.notFound(ctx.info.type, `${ctx.info.name}/status`);
  switch (ctx.info.verb) {
    case "get":
      return getObject(ctx);
    case "list":
      return list(ctx);
    case "create":
      return create(ctx);
    case "update":
      return update(ctx);
    case "patch":
      return patch(ctx);
    case "delete":
      return del(ctx);
    case "deletecollection":
      return deleteCollection(ctx);
    case "watch":
      throw new Error("watch is served by watch-stream.ts");
  }
}
