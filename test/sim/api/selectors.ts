// Label and field selectors with the grammar of k8s.io/apimachinery/pkg/labels and pkg/fields.
// A parse error is a 400 BadRequest, like the API server's.

import { StatusError } from "./errors.js";
import type { ResourceId } from "./resources.js";

type LabelOp = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

/** Splits at commas that are not inside parentheses: `a in (x,y),b` → ["a in (x,y)", "b"]. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")") depth--;
    else if (s[i] === "," && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, text: string): string {
  if (!LABEL_KEY.test(key))
    throw StatusError.badRequest(`unable to parse requirement: invalid label key "${key}" in "${text}"`);
  return key;
}

function checkValue(value: string, text: string): string {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw StatusError.badRequest(`unable to parse requirement: invalid label value: "${value}" in "${text}"`);
  }
  return value;
}

function parseRequirement(text: string): LabelRequirement {
  let m = /^!\s*(\S+)$/.exec(text);
  if (m) return { key: checkKey(m[1], text), op: "!", values: [] };
  m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (m) {
    const values = m[3].split(",").map((v) => checkValue(v.trim(), text));
    return { key: checkKey(m[1], text), op: m[2] as LabelOp, values };
  }
  m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(text);
  if (m) {
    const op: LabelOp = m[2] === "!=" ? "!=" : m[2] === ">" ? "gt" : m[2] === "<" ? "lt" : "=";
    return { key: checkKey(m[1], text), op, values: [checkValue(m[3].trim(), text)] };
  }
  if (/^\S+$/.test(text)) return { key: checkKey(text, text), op: "exists", values: [] };
  throw StatusError.badRequest(
    `unable to parse requirement: found '${text}', expected: in, notin, =, ==, !=, gt, lt`,
  );
}

export function parseLabelSelector(text: string | undefined): LabelSelector {
  return text ? splitTopLevel(text).map(parseRequirement) : [];
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every(({ key, op, values }) => {
    const has = Object.hasOwn(l, key);
    const v = l[key];
    switch (op) {
      case "=":
        return has && v === values[0];
      case "!=":
        return !has || v !== values[0];
      case "in":
        return has && values.includes(v);
      case "notin":
        return !has || !values.includes(v);
      case "exists":
        return has;
      case "!":
        return !has;
      case "gt":
        return has && Number(v) > Number(values[0]);
      case "lt":
        return has && Number(v) < Number(values[0]);
    }
  });
}

interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

export type FieldSelector = FieldRequirement[];

/** Field labels each resource supports beyond metadata.name and metadata.namespace (the apiserver's lists). */
const EXTRA_FIELDS: Record<ResourceId, string[]> = {
  "/pods": [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  "/events": [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  "/namespaces": ["status.phase"],
  "/secrets": ["type"],
  "batch/jobs": ["status.successful"],
};

function unescapeFieldValue(v: string): string {
  return v.replace(/\\(.)/g, "$1");
}

/** Splits at separators not preceded by a backslash (field selector values escape `,` `=` `!` and `\`). */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = "";
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

export function parseFieldSelector(text: string | undefined, res: ResourceId): FieldSelector {
  if (!text) return [];
  const allowed = new Set(["metadata.name", "metadata.namespace", ...(EXTRA_FIELDS[res] ?? [])]);
  return splitUnescaped(text, ",")
    .filter((p) => p.trim() !== "")
    .map((part) => {
      const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part.trim());
      if (!m) throw StatusError.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
      const field = m[1];
      if (!allowed.has(field)) throw StatusError.badRequest(`field label not supported: ${field}`);
      return { field, negate: m[2] === "!=", value: unescapeFieldValue(m[3]) };
    });
}

function fieldValue(obj: object, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split("."))
    cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[p] : undefined;
  if (path === "source" && cur && typeof cur === "object") cur = (cur as { component?: string }).component;
  return cur === undefined || cur === null ? "" : String(cur);
}

export function matchesFields(selector: FieldSelector, obj: object): boolean {
  return selector.every(({ field, negate, value }) => (fieldValue(obj, field) === value) !== negate);
}

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/** A predicate for objects of `res` matching both selectors; parse errors throw 400. */
export function selectorPredicate(res: ResourceId, opts: Selectors | undefined): (obj: K8sLike) => boolean {
  const labels = parseLabelSelector(opts?.labelSelector);
  const fields = parseFieldSelector(opts?.fieldSelector, res);
  if (labels.length === 0 && fields.length === 0) return () => true;
  return (obj) => matchesLabels(labels, obj.metadata?.labels) && matchesFields(fields, obj);
}

interface K8sLike {
  metadata?: { labels?: Record<string, string> };
}
