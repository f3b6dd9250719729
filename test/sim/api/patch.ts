// The three classic patch formats the apiserver accepts: RFC 6902 JSON patch, RFC 7386 JSON merge patch, and
// Kubernetes strategic merge patch (lists merged by their patchMergeKey, with the $patch, $retainKeys,
// $setElementOrder and $deleteFromPrimitiveList directives kubectl's client-side apply sends).

import { StatusError } from "./errors.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

// ---------- RFC 6902 JSON patch ----------

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw patchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function patchError(message: string): StatusError {
  return new StatusError(422, "Invalid", message);
}

function parentOf(doc: Json, tokens: string[], path: string): { parent: Json; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined as unknown as Json;
    if (cur === undefined) throw patchError(`doc is missing path: "${path}": missing value`);
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getPointer(doc: Json, path: string): Json {
  let cur: Json | undefined = doc;
  for (const t of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw patchError(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function addAt(doc: Json, path: string, value: Json): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length)
      throw patchError(`add operation does not apply: doc is missing path: "${path}"`);
    parent.splice(i, 0, value);
  } else if (isObject(parent)) parent[key] = value;
  else throw patchError(`add operation does not apply: doc is missing path: "${path}"`);
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const tokens = pointer(path);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length)
      throw patchError(`remove operation does not apply: doc is missing path: "${path}"`);
    parent.splice(i, 1);
  } else if (isObject(parent) && Object.hasOwn(parent, key)) delete parent[key];
  else throw patchError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

export function applyJsonPatch(target: object, ops: unknown): object {
  if (!Array.isArray(ops)) throw StatusError.badRequest("json patch must be an array of operations");
  let doc = clone(target) as Json;
  for (const raw of ops as JsonPatchOp[]) {
    const { op, path } = raw;
    if (typeof path !== "string") throw patchError(`json patch operation "${op}" has no path`);
    switch (op) {
      case "add":
        doc = addAt(doc, path, clone(raw.value as Json));
        break;
      case "remove":
        doc = removeAt(doc, path);
        break;
      case "replace":
        getPointer(doc, path);
        doc = addAt(removeAt(doc, path), path, clone(raw.value as Json));
        break;
      case "move": {
        const v = getPointer(doc, raw.from ?? "");
        doc = addAt(removeAt(doc, raw.from ?? ""), path, v);
        break;
      }
      case "copy":
        doc = addAt(doc, path, clone(getPointer(doc, raw.from ?? "")));
        break;
      case "test":
        if (JSON.stringify(getPointer(doc, path)) !== JSON.stringify(raw.value)) {
          throw patchError(`testing value ${path} failed: test failed`);
        }
        break;
      default:
        throw StatusError.badRequest(`Unexpected kind: ${op}`);
    }
  }
  if (!isObject(doc)) throw patchError("json patch result is not an object");
  return doc;
}

// ---------- RFC 7386 JSON merge patch ----------

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v) as Json;
  }
  return out;
}

// ---------- strategic merge patch ----------

/** patchMergeKey of the built-in list fields (k8s.io/api struct tags); other lists are replaced. */
export function strategicMergeKey(field: string, items: unknown[]): string | undefined {
  switch (field) {
    case "containers":
    case "initContainers":
    case "ephemeralContainers":
    case "env":
    case "volumes":
    case "imagePullSecrets":
      return "name";
    case "volumeMounts":
      return "mountPath";
    case "ownerReferences":
      return "uid";
    case "conditions":
      return "type";
    case "hostAliases":
      return "ip";
    case "ports":
      return items.some((i) => isObject(i) && "containerPort" in i) ? "containerPort" : "port";
    default:
      return undefined;
  }
}

/** Lists of scalars whose patch strategy is "merge" (union) rather than replace. */
const MERGED_SCALAR_LISTS = new Set(["finalizers"]);

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  return mergeMap(isObject(target) ? target : {}, patch);
}

function mergeMap(target: JsonObject, patch: unknown): JsonObject {
  if (!isObject(patch)) throw StatusError.badRequest("strategic merge patch must be a JSON object");
  if (patch.$patch === "replace") {
    const { $patch: _p, ...rest } = patch;
    return clone(rest);
  }
  let out: JsonObject = clone(target);
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys" || k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      const drop = new Set((v as Json[]).map((x) => JSON.stringify(x)));
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete out[k];
    } else if (isObject(v)) {
      if (v.$patch === "delete") delete out[k];
      else out[k] = mergeMap(isObject(out[k]) ? (out[k] as JsonObject) : {}, v);
    } else if (Array.isArray(v)) {
      out[k] = mergeList(k, out[k], v, patch[`$setElementOrder/${k}`]);
    } else out[k] = v;
  }
  return out;
}

function mergeList(field: string, current: Json | undefined, patch: Json[], order: Json | undefined): Json[] {
  const cur = Array.isArray(current) ? current : [];
  if (patch.some((i) => isObject(i) && i.$patch === "replace")) {
    return patch.filter((i) => !(isObject(i) && i.$patch === "replace"));
  }
  if (MERGED_SCALAR_LISTS.has(field) && patch.every((i) => !isObject(i))) {
    const seen = new Set(cur.map((x) => JSON.stringify(x)));
    return [...cur, ...patch.filter((x) => !seen.has(JSON.stringify(x)))];
  }
  const key = strategicMergeKey(field, [...cur, ...patch]);
  if (!key || !patch.every(isObject)) return clone(patch);
  const out: JsonObject[] = cur.filter(isObject).map((x) => clone(x));
  for (const item of patch as JsonObject[]) {
    const i = out.findIndex((x) => x[key] === item[key]);
    if (item.$patch === "delete") {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = mergeMap(out[i], item);
    else {
      const { $patch: _p, ...rest } = item;
      out.push(mergeMap({}, rest));
    }
  }
  if (Array.isArray(order)) {
    const rank = new Map(order.filter(isObject).map((o, i) => [JSON.stringify(o[key]), i]));
    const pos = (o: JsonObject) => rank.get(JSON.stringify(o[key])) ?? order.length;
    out.sort((a, b) => pos(a) - pos(b));
  }
  return out;
}
