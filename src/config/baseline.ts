// The `baseline` input: a results file from an earlier run. It is read and checked before any cluster call, so
// that a typo in its path or a file from an incompatible version fails in a second, not after a deploy.
import { InputError } from "./errors.js";
import { readInputFile, type ReadFile } from "./files.js";
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, type ResultsDocument } from "../results.js";

const INPUT = "baseline";

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * A results file holds one run's summary and per-second series: an hour-long run writes well under 1 MiB, so a
 * file sixteen times larger is not one of ours.
 */
export const MAX_BASELINE_BYTES = 16 * 1024 * 1024;

export function readBaseline(path: string, readFile: ReadFile): ResultsDocument {
  const text = readInputFile(
    {
      input: INPUT,
      maxBytes: MAX_BASELINE_BYTES,
      tooLargeHint: "give the results file written by an earlier knative-perf-gate run (results-file)",
      hint: "on a first run there is no baseline yet: leave the input empty until a results file exists",
    },
    path,
    readFile,
  );
  return parseBaseline(text, path);
}

export function parseBaseline(text: string, path: string): ResultsDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 names a position for most errors, but not for a bad first token (e.g. a YAML file given by mistake).
    const position = /position (\d+)/.exec(message)?.[1] ?? text.search(/\S/);
    const place = Number(position) >= 0 ? lineAndColumn(text, Number(position)) : {};
    throw new InputError(INPUT, `"${path}" is not valid JSON`, {
      ...place,
      hint: "give the results file written by an earlier knative-perf-gate run (results-file)",
    });
  }
  if (!isObject(document) || document.schema !== RESULTS_SCHEMA) {
    throw new InputError(
      INPUT,
      `"${path}" is not a knative-perf-gate results file (no "schema": "${RESULTS_SCHEMA}")`,
      {
        hint: "give the results file written by an earlier run (results-file)",
      },
    );
  }
  if (document.version !== RESULTS_SCHEMA_VERSION) {
    const newer = typeof document.version === "number" && document.version > RESULTS_SCHEMA_VERSION;
    throw new InputError(
      INPUT,
      `"${path}" has results schema version ${JSON.stringify(document.version)}; this version reads ${RESULTS_SCHEMA_VERSION}`,
      {
        hint: newer
          ? "it was written by a newer knative-perf-gate; use that version here too"
          : "record a new baseline with this version",
      },
    );
  }
  if (!readsAsResults(document)) {
    throw new InputError(INPUT, `"${path}": ${shapeProblem(document)}`, {
      hint: "the file is damaged or was edited by hand; record a new baseline",
    });
  }
  return document;
}

/** A results document of this schema version with every field a comparison reads (shapeProblem finds none). */
function readsAsResults(document: Obj): document is Obj & ResultsDocument {
  return (
    document.schema === RESULTS_SCHEMA &&
    document.version === RESULTS_SCHEMA_VERSION &&
    shapeProblem(document) === undefined
  );
}

const NUMBER = "number";
/** The fields a comparison reads, with their types; `null` sections are allowed (not measured). */
const REQUIRED: Array<[string, string]> = [
  ["startedAt", "string"],
  ["service", "object"],
];
const SECTION_FIELDS: Record<string, Array<[string, string]>> = {
  load: [
    ["requests", NUMBER],
    ["rps", NUMBER],
    ["latency.p50", NUMBER],
    ["latency.p90", NUMBER],
    ["latency.p99", NUMBER],
    ["latency.p999", NUMBER],
    ["latency.max", NUMBER],
    ["latency.mean", NUMBER],
    ["errors.rate", NUMBER],
    ["errors.byStatus", "object"],
  ],
  pods: [
    ["max.serving", NUMBER],
    ["final.serving", NUMBER],
  ],
  coldStart: [["firstResponseMs", NUMBER]],
};

function shapeProblem(document: Obj): string | undefined {
  for (const [field, type] of REQUIRED) {
    if (typeOf(document[field]) !== type) return `${field} is missing or not a ${type}`;
  }
  for (const [section, fields] of Object.entries(SECTION_FIELDS)) {
    const value = document[section];
    if (value === null || value === undefined) continue;
    if (!isObject(value)) return `${section} is not an object`;
    for (const [field, type] of fields) {
      const found = field
        .split(".")
        .reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), value);
      if (typeOf(found) !== type || (type === NUMBER && !Number.isFinite(found))) {
        return `${section}.${field} is missing or not a ${type}`;
      }
    }
  }
  return undefined;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  return { line, column: position - before.lastIndexOf("\n") };
}
