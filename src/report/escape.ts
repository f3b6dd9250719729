// Escaping for text that comes from the cluster or the user (service names, error messages, header values, rule
// text) before it enters Markdown that GitHub renders in a PR comment or job summary. The aim is that such text
// is shown literally and can do nothing else: no HTML (`<!--`, `</details>`, `<script>`), no Markdown structure
// (links, emphasis, table cells, headings), no notifications (`@user`, `#123` cross-references).

/** Zero-width joiner: invisible, but breaks GitHub's `@mention` and `#123` autolinking. */
const ZWJ = "\u200D";

// C0/C1 controls (except tab and line breaks) and bidirectional overrides, which can make text read differently
// from what it is ("Trojan source").
function isInvisible(cp: number): boolean {
  return (
    (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) ||
    (cp >= 0x7f && cp <= 0x9f && cp !== 0x85) ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0xfeff
  );
}
const LINE_BREAK = /\r\n|[\n\r\u0085\u2028\u2029]/g;
const MARKDOWN_PUNCTUATION = /[\\`*_[\]|~#!]/g;
const HTML_SPECIAL = /[&<>"]/g;
const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

function clean(value: unknown): string {
  return Array.from(String(value ?? ""))
    .filter((ch) => !isInvisible(ch.codePointAt(0)!))
    .join("");
}

function oneLine(value: string): string {
  return value.replace(LINE_BREAK, " ").replace(/\t/g, " ");
}

/** Shortens to at most `max` characters (code points), marking the cut with an ellipsis. */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : chars.slice(0, Math.max(0, max - 1)).join("") + "…";
}

function breakMentions(value: string): string {
  return value.replace(/@(?=[A-Za-z0-9])/g, "@" + ZWJ).replace(/#(?=\d)/g, "#" + ZWJ);
}

/**
 * Untrusted text for one line of Markdown prose or a table cell: shown literally, on one line, at most `max`
 * characters.
 */
export function text(value: unknown, max = 300): string {
  const line = truncate(oneLine(clean(value)).trim(), max);
  return breakMentions(
    line.replace(HTML_SPECIAL, (c) => HTML_ENTITIES[c]).replace(MARKDOWN_PUNCTUATION, (c) => "\\" + c),
  );
}

/**
 * Untrusted text as an inline code span. The fence is one backtick longer than the longest backtick run inside,
 * so the span always closes where we mean it to. In a table cell, pipes must be escaped even inside code (GitHub
 * splits cells before it parses code spans, and removes the backslash afterwards).
 */
export function code(value: unknown, opts: { max?: number; table?: boolean } = {}): string {
  let body = truncate(oneLine(clean(value)), opts.max ?? 300);
  if (body.trim() === "") return "";
  if (opts.table) body = body.replace(/\|/g, "\\|");
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  const pad = body.startsWith("`") || body.endsWith("`") || (body.startsWith(" ") && body.endsWith(" "));
  return pad ? `${fence} ${body} ${fence}` : `${fence}${body}${fence}`;
}

/**
 * Untrusted multi-line text as a fenced code block (for error messages). The fence is longer than any backtick
 * run in the text, so nothing inside can close it; inside a code block `<`, `@` and `|` are inert.
 */
export function codeBlock(value: unknown, opts: { maxLines?: number; maxChars?: number } = {}): string {
  const normalized = truncate(
    clean(value).replace(LINE_BREAK, "\n").replace(/\s+$/, ""),
    opts.maxChars ?? 4000,
  );
  let lines = normalized.split("\n");
  const maxLines = opts.maxLines ?? 40;
  if (lines.length > maxLines)
    lines = [...lines.slice(0, maxLines), `… (${lines.length - maxLines} more lines)`];
  const longestRun = Math.max(0, ...(normalized.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}text\n${lines.join("\n")}\n${fence}`;
}

/**
 * The key of a hidden comment marker. Kubernetes names are DNS labels, but the marker must not be breakable by
 * anything else (`-->`, spaces, newlines), so every other character becomes `-`.
 */
export function markerKey(namespace: string, name: string): string {
  const normalize = (part: string) =>
    clean(part)
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, "-")
      .slice(0, 253) || "-";
  return `${normalize(namespace)}/${normalize(name)}`;
}
