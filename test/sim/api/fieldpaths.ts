// Field paths and field sets for managedFields (structured-merge-diff's model, simplified): a path is a list
// of segments, a field `f:name` or a list item selected by its keys `k:{"name":"x"}`; sets serialize to the
// FieldsV1 trie the apiserver stores and print as `.spec.containers[name="app"].image` in conflict messages.

import type { ResourceId } from "./resources.js";

export type Segment = { f: string } | { k: Record<string, unknown> };
export type FieldPath = Segment[];

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The keys identifying the items of an associative list, or undefined for an atomic list. Knative's CRD
 * schemas (300-resources/*.yaml) mark only env, volumeMounts, volumes and imagePullSecrets as maps; the
 * built-in types use their patchMergeKeys.
 */
export function listKeys(res: ResourceId, field: string, items: unknown[]): string[] | undefined {
  const knative = res.startsWith("serving.knative.dev/");
  switch (field) {
    case "env":
    case "volumes":
    case "imagePullSecrets":
      return ["name"];
    case "volumeMounts":
      return ["mountPath"];
    case "containers":
    case "initContainers":
      return knative ? undefined : ["name"];
    case "ports":
      if (knative) return undefined;
      return items.some((i) => isObject(i) && "containerPort" in i) ? ["containerPort"] : ["port"];
    case "conditions":
      return knative ? undefined : ["type"];
    case "ownerReferences":
      return ["uid"];
    default:
      return undefined;
  }
}

export function pathKey(path: FieldPath): string {
  return path
    .map((s) =>
      "f" in s
        ? `.${s.f}`
        : `[${Object.entries(s.k)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(",")}]`,
    )
    .join("");
}

function pick(item: Obj, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, item[k]]));
}

function itemMatches(item: unknown, key: Record<string, unknown>): boolean {
  return isObject(item) && Object.entries(key).every(([k, v]) => item[k] === v);
}

/** Every owned leaf of `value` (scalars, atomic lists, empty maps, and each associative list item itself). */
export function leafPaths(res: ResourceId, value: unknown, prefix: FieldPath = []): Map<string, FieldPath> {
  const out = new Map<string, FieldPath>();
  const walk = (v: unknown, path: FieldPath, field: string) => {
    if (isObject(v)) {
      const entries = Object.entries(v);
      if (entries.length === 0 && path.length > 0) out.set(pathKey(path), path);
      for (const [k, child] of entries) walk(child, [...path, { f: k }], k);
    } else if (Array.isArray(v)) {
      const keys = listKeys(res, field, v);
      if (keys && v.every((i) => isObject(i) && keys.every((k) => k in i))) {
        for (const item of v as Obj[]) {
          const itemPath: FieldPath = [...path, { k: pick(item, keys) }];
          out.set(pathKey(itemPath), itemPath);
          for (const [k, child] of Object.entries(item)) walk(child, [...itemPath, { f: k }], k);
        }
      } else out.set(pathKey(path), path);
    } else out.set(pathKey(path), path);
  };
  const last = prefix[prefix.length - 1];
  walk(value, prefix, last && "f" in last ? last.f : "");
  return out;
}

export function getAt(obj: unknown, path: FieldPath): unknown {
  let cur: unknown = obj;
  for (const s of path) {
    if ("f" in s) cur = isObject(cur) ? cur[s.f] : undefined;
    else cur = Array.isArray(cur) ? cur.find((i) => itemMatches(i, s.k)) : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the field or list item at `path` from `obj` in place; missing paths are ignored. */
export function removeAt(obj: unknown, path: FieldPath): void {
  const parent = getAt(obj, path.slice(0, -1));
  const last = path[path.length - 1];
  if (!last) return;
  if ("f" in last) {
    if (isObject(parent)) delete parent[last.f];
  } else if (Array.isArray(parent)) {
    const i = parent.findIndex((x) => itemMatches(x, last.k));
    if (i >= 0) parent.splice(i, 1);
  }
}

interface TrieNode {
  owned: boolean;
  children: Map<string, TrieNode>;
}

function segmentKey(s: Segment): string {
  if ("f" in s) return `f:${s.f}`;
  const sorted = Object.fromEntries(Object.entries(s.k).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `k:${JSON.stringify(sorted)}`;
}

/** The FieldsV1 trie (`{"f:spec":{"f:replicas":{}}}`) of a set of paths. */
export function toFieldsV1(paths: Iterable<FieldPath>): Obj {
  const root: TrieNode = { owned: false, children: new Map() };
  for (const p of paths) {
    let node = root;
    for (const s of p) {
      const k = segmentKey(s);
      let next = node.children.get(k);
      if (!next) {
        next = { owned: false, children: new Map() };
        node.children.set(k, next);
      }
      node = next;
    }
    node.owned = true;
  }
  const encode = (n: TrieNode): Obj => {
    const o: Obj = {};
    if (n.owned && n.children.size > 0) o["."] = {};
    for (const [k, c] of [...n.children].sort(([a], [b]) => (a < b ? -1 : 1))) o[k] = encode(c);
    return o;
  };
  return encode(root);
}

export function fromFieldsV1(trie: unknown): Map<string, FieldPath> {
  const out = new Map<string, FieldPath>();
  const walk = (node: unknown, path: FieldPath) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length > 0) out.set(pathKey(path), path);
    for (const k of keys) {
      if (k === ".") out.set(pathKey(path), path);
      else if (k.startsWith("f:")) walk(node[k], [...path, { f: k.slice(2) }]);
      else if (k.startsWith("k:"))
        walk(node[k], [...path, { k: JSON.parse(k.slice(2)) as Record<string, unknown> }]);
    }
  };
  walk(trie, []);
  return out;
}

/** Deep-merges `applied` into `live` as apply does: maps recursively, associative lists by key, the rest replaced. */
export function mergeApplied(res: ResourceId, live: unknown, applied: unknown, field = ""): unknown {
  if (isObject(applied)) {
    const out: Obj = isObject(live) ? structuredClone(live) : {};
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(res, out[k], v, k);
    return out;
  }
  if (Array.isArray(applied)) {
    const keys = listKeys(res, field, applied);
    if (!keys || !Array.isArray(live) || !applied.every(isObject)) return structuredClone(applied);
    const out = structuredClone(live) as unknown[];
    for (const item of applied as Obj[]) {
      const i = out.findIndex((x) => itemMatches(x, pick(item, keys)));
      if (i >= 0) out[i] = mergeApplied(res, out[i], item, field);
      else out.push(structuredClone(item));
    }
    return out;
  }
  return applied;
}
