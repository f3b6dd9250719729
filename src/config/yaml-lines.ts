// YAML loading that remembers where things are, so that errors about a manifest can name a line. js-yaml keeps
// no positions in its result; its `listener` sees every node open and close, which is enough to map each
// mapping/sequence (by identity) to its first line and each mapping key to the line it is written on.
// The same listener bounds alias expansion: js-yaml resolves `*a` to the anchored object itself, so a 541-byte
// "billion laughs" document (ten levels of ten aliases) parses instantly into a graph that expands to 10^10
// nodes the moment anything walks or serialises it (JSON.stringify in Deploy pinned a CPU and ignored SIGTERM).
// Aliases stay allowed (merge keys `<<: *defaults` are common in manifests); what is refused is a document whose
// expansion is larger than the limit, at the alias that crosses it.
import * as yaml from "js-yaml";
import { InputError } from "./errors.js";

/**
 * The YAML 1.2 core schema plus merge keys (`<<: *defaults`). Without js-yaml's timestamp type an unquoted
 * `2024-01-01` stays the string the user wrote instead of becoming a Date that serializes differently.
 */
const MANIFEST_SCHEMA = yaml.CORE_SCHEMA.extend({
  implicit: [(yaml as typeof yaml & { types: { merge: yaml.Type } }).types.merge],
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
  /** Offset of the node's first character (`*` for an alias). */
  start: number;
  children: Array<{ line: number; value: unknown }>;
  /** The node's expanded size so far: the sum of its children's. */
  size: number;
}

/** Expanded size of a document, in characters of its JSON form (roughly), beyond which it is refused. */
export const MAX_EXPANDED_CHARS = 1024 * 1024;

/** A scalar's share of the expanded size: its text plus quotes and a separator. */
const scalarSize = (value: unknown): number => String(value).length + 3;

interface NodePlace {
  line: number;
  keys: Map<string, number>;
}

export function loadYamlWithLines(
  text: string,
  input: string,
  maxExpandedChars: number = MAX_EXPANDED_CHARS,
): LoadedYaml {
  const places = new WeakMap<object, NodePlace>();
  /** Expanded size of each mapping and sequence, so that an alias to it costs one lookup. */
  const sizes = new WeakMap<object, number>();
  // What the aliases add to the document: for each alias, the expanded size of its target. (The text itself is
  // bounded by its input's size limit; the expanded document is at most the two together.)
  let expanded = 0;
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

  const lineStartOf = (source: string, position: number): number =>
    source.lastIndexOf("\n", position - 1) + 1;

  const listener = (event: "open" | "close", state: yaml.State): void => {
    const source = state.input;
    if (event === "open") {
      const start = contentStart(source, state.position);
      stack.push({ line: lineAt(source, start), start, children: [], size: 0 });
      return;
    }
    const frame = stack.pop();
    if (!frame) return;
    const value = state.result;
    const isObject = value !== null && typeof value === "object";
    let size: number;
    if (source.charCodeAt(frame.start) === 42 /* "*": an alias, resolved to its anchor's value */) {
      size = isObject ? (sizes.get(value) ?? 0) : scalarSize(value);
      expanded += size;
      if (expanded > maxExpandedChars) {
        throw new InputError(
          input,
          `aliases expand the document to more than ${Math.round(maxExpandedChars / 1024)} KiB (a YAML alias bomb?)`,
          {
            line: frame.line,
            column: frame.start - lineStartOf(source, frame.start) + 1,
            hint: "write the values out, or use fewer nested anchors and aliases",
          },
        );
      }
    } else {
      size = isObject ? frame.size + 2 : scalarSize(value);
      if (isObject && !sizes.has(value)) sizes.set(value, size);
    }
    const parent = stack.at(-1);
    if (parent) parent.size += size;
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
    parent?.children.push({ line: frame.line, value });
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
