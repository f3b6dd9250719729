// knative.dev/pkg/apis.FieldError, as far as its text goes: errors with a message, paths and details, merged
// (same message and details → one error, paths joined) and sorted by message, printed one per line as
// "message: path1, path2" with details on the next line. Webhook denials quote exactly this text.

import type { StatusCause } from "./errors.js";

export interface FieldError {
  message: string;
  paths: string[];
  details?: string;
}

/** Prefixes every path with `field` ("" paths become `field` itself), like FieldError.ViaField. */
export function via(field: string, errs: FieldError[]): FieldError[] {
  return errs.map((e) => ({
    ...e,
    paths: e.paths.map((p) => (p ? `${field}.${p}` : field).replace(/\.\[/g, "[")),
  }));
}

export const missingField = (...paths: string[]): FieldError => ({ message: "missing field(s)", paths });
export const disallowedFields = (...paths: string[]): FieldError => ({
  message: "must not set the field(s)",
  paths,
});
export const invalidValue = (value: unknown, path: string, details?: string): FieldError => ({
  message: `invalid value: ${value}`,
  paths: [path],
  ...(details ? { details } : {}),
});
export const outOfBounds = (value: unknown, lower: unknown, upper: unknown, path: string): FieldError => ({
  message: `expected ${lower} <= ${value} <= ${upper}`,
  paths: [path],
});
export const generic = (message: string, ...paths: string[]): FieldError => ({ message, paths });
export const missingOneOf = (...paths: string[]): FieldError => ({
  message: "expected exactly one, got neither",
  paths,
});
export const multipleOneOf = (...paths: string[]): FieldError => ({
  message: "expected exactly one, got both",
  paths,
});
export const invalidKeyName = (key: string, path: string, details?: string): FieldError => ({
  message: `invalid key name "${key}"`,
  paths: [path],
  ...(details ? { details } : {}),
});

export function mergeFieldErrors(errs: FieldError[]): FieldError[] {
  const byKey = new Map<string, FieldError>();
  for (const e of errs) {
    const k = `${e.message}-${e.details ?? ""}`;
    const prev = byKey.get(k);
    if (prev) prev.paths = [...prev.paths, ...e.paths.filter((p) => !prev.paths.includes(p))];
    else byKey.set(k, { ...e, paths: [...e.paths] });
  }
  const merged = [...byKey.values()];
  for (const e of merged) e.paths.sort();
  return merged.sort((a, b) =>
    a.message === b.message
      ? (a.details ?? "") < (b.details ?? "")
        ? -1
        : 1
      : a.message < b.message
        ? -1
        : 1,
  );
}

export function formatFieldErrors(errs: FieldError[]): string {
  return mergeFieldErrors(errs)
    .map((e) => `${e.message}: ${e.paths.join(", ")}${e.details ? `\n${e.details}` : ""}`)
    .join("\n");
}

/** One metav1 StatusCause per path, so clients can point at fields (the simulator's addition). */
export function fieldCauses(errs: FieldError[]): StatusCause[] {
  return mergeFieldErrors(errs).flatMap((e) =>
    e.paths.map((field) => ({ reason: "FieldValueInvalid", message: e.message, field })),
  );
}

/** Go's time.ParseDuration, in milliseconds; NaN if it does not parse. */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60000,
    h: 3600000,
  };
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(s);
  if (!m) return s === "0" ? 0 : NaN;
  let total = 0;
  for (const part of s.replace(/^[-+]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * units[part[2]];
  }
  return m[1] === "-" ? -total : total;
}

/** Go's Duration.String() for whole seconds: 6s, 1m30s, 1h0m0s, 0s. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}
