// YAML loading that remembers where things are, so that errors about a manifest can name a line. js-yaml keeps
// no positions in its result; its `listener` sees every node open and close, which is enough to map each
// mapping/sequence (by identity) to its first line and each mapping key to the line it is written on.
import * as yaml from "js-yaml";
import { InputError } from "./errors.js";

/**
 * The YAML 1.2 core schema plus merge keys (`<<: *defaults`). Without js-yaml's timestamp type an unquoted
 * `2024-01-01` stays the string the user wrote instead of becoming a Date that serializes differently.
 */
const MANIFEST_SCHEMA = yaml.CORE_SCHEMA.extend({
  implicit: [(yaml as unknown as { types: { merge: yaml.Type } }).types.merge],
});

export interface YamlDocument {
  value: unknown;
  /** 1-based line where the document's content starts. */
  line: number;
}

export interface LoadedYaml {
  documents: YamlDocument[];
  /** 1-based line of a mapping or sequence, or of one of a mapping's keys; undefined when unknown. */
  lineOf(node: unknown, key?: string | number): number | undefined;
}

interface Frame {
  line: number;
  children: Array<{ line: number; value: unknown }>;
}

interface NodePlace {
  line: number;
  keys: Map<string, number>;
}

export function loadYamlWithLines(text: string, input: string): LoadedYaml {
  const places = new WeakMap<object, NodePlace>();
  const stack: Frame[] = [];
  let lineStarts: number[] = [];
  let indexedInput: string | undefined;

  const lineAt = (source: string, position: number): number => {
    if (indexedInput !== source) {
      indexedInput = source;
      lineStarts = [0];
      for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lineStarts.push(i + 1);
    }
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= position) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };

  // A node opens before the whitespace and comments that precede its content; skip them to find its line.
  const contentStart = (source: string, position: number): number => {
    let i = position;
    while (i < source.length) {
      const ch = source[i];
      if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") i++;
      else if (ch === "#") while (i < source.length && source[i] !== "\n") i++;
      else break;
    }
    return i;
  };

  const listener = (event: "open" | "close", state: yaml.State): void => {
    const source = state.input;
    if (event === "open") {
      stack.push({ line: lineAt(source, contentStart(source, state.position)), children: [] });
      return;
    }
    const frame = stack.pop();
    if (!frame) return;
    const value = state.result;
    if (value !== null && typeof value === "object" && !places.has(value)) {
      const keys = new Map<string, number>();
      // A mapping's direct children are its keys and values in source order; the first scalar equal to a key
      // is that key (keys come before their values).
      if (!Array.isArray(value)) {
        for (const key of Object.keys(value)) {
          const child = frame.children.find((c) => c.value === key);
          if (child) keys.set(key, child.line);
        }
      }
      places.set(value, { line: frame.line, keys });
    }
    stack.at(-1)?.children.push({ line: frame.line, value });
  };

  let values: unknown[];
  try {
    values = yaml.loadAll(text, undefined, { schema: MANIFEST_SCHEMA, listener: listener as never });
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      // The reason only: js-yaml's message quotes the offending lines, which must not leak a secret's content.
      const reason = error.reason || "invalid YAML";
      throw new InputError(input, `invalid YAML: ${reason}`, {
        line: error.mark ? error.mark.line + 1 : undefined,
        column: error.mark ? error.mark.column + 1 : undefined,
        hint: /tab/.test(reason) ? "indent with spaces" : undefined,
      });
    }
    throw error;
  }

  const documentLines = documentStartLines(text);
  const documents = values.map((value, index) => ({
    value,
    line:
      (value !== null && typeof value === "object" ? places.get(value)?.line : undefined) ??
      documentLines[index] ??
      1,
  }));
  return {
    documents,
    lineOf(node, key) {
      if (node === null || typeof node !== "object") return undefined;
      const place = places.get(node);
      if (!place) return undefined;
      if (key === undefined) return place.line;
      if (typeof key === "number") {
        const item = (node as unknown[])[key];
        return (item !== null && typeof item === "object" ? places.get(item)?.line : undefined) ?? place.line;
      }
      return place.keys.get(key) ?? place.line;
    },
  };
}

/** Lines where each document starts, for documents whose value is a scalar (no position from the listener). */
function documentStartLines(text: string): number[] {
  const starts: number[] = [];
  text.split("\n").forEach((line, index) => {
    const isMarker = /^---(\s|$)/.test(line);
    const isContent = line.trim() !== "" && !line.startsWith("#") && !line.startsWith("%");
    if (isMarker || (starts.length === 0 && isContent)) starts.push(index + 1);
  });
  return starts;
}
