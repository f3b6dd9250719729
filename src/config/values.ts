// Parsers for single input values: durations, whole numbers, booleans, enums, percentages, URLs, the gateway
// address and header lines. Each takes the input's name so that its error says which input is wrong.
import { InputError, InputErrors } from "./errors.js";
import { didYouMean } from "./suggest.js";

/** A value as quoted in an error: long values are cut so that one bad input cannot flood the log. */
export function clip(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}...` : value;
}

/** Milliseconds per unit. Inputs take ms, s, m and h; the threshold language has its own set (us, µs too). */
export const INPUT_DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const DURATION_PART = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Zµμ]+)/;

export interface DurationBounds {
  minMs: number;
  maxMs: number;
}

/**
 * A duration such as `1500ms`, `30s`, `0.5s`, `2m`, `1h` or `1m30s` (parts add up, as in Go and kubectl).
 * A bare number is rejected: `30` could mean seconds or milliseconds, and a gate must not guess.
 */
export function parseDuration(input: string, text: string, bounds: DurationBounds): number {
  const value = text.trim();
  const example = "write it like 30s, 1500ms, 2m or 1m30s";
  if (value === "") throw new InputError(input, "is empty", { hint: example });
  if (value.startsWith("-")) throw new InputError(input, `"${clip(value)}" is negative`, { hint: example });
  let rest = value;
  let total = 0;
  while (rest.length > 0) {
    const match = DURATION_PART.exec(rest);
    if (!match) {
      if (/^\d+(?:\.\d+)?$/.test(rest)) {
        throw new InputError(input, `"${clip(value)}" has no unit`, {
          hint: `add one of ms, s, m, h (e.g. ${rest}s)`,
        });
      }
      throw new InputError(input, `"${clip(value)}" is not a duration`, { hint: example });
    }
    const unit = match[2];
    const factor = INPUT_DURATION_UNITS[unit];
    if (factor === undefined) {
      throw new InputError(input, `"${clip(value)}" has an unknown unit "${unit}"`, {
        hint: `${didYouMean(unit, Object.keys(INPUT_DURATION_UNITS))}valid units: ms, s, m, h`,
      });
    }
    total += Number(match[1]) * factor;
    rest = rest.slice(match[0].length).trimStart();
  }
  if (!Number.isFinite(total))
    throw new InputError(input, `"${clip(value)}" is too large`, { hint: example });
  if (total < bounds.minMs || total > bounds.maxMs) {
    throw new InputError(input, `${clip(value)} is out of range`, {
      hint: `use a duration from ${formatDurationMs(bounds.minMs)} to ${formatDurationMs(bounds.maxMs)}`,
    });
  }
  return total;
}

/** A short, exact rendering of a whole number of milliseconds, e.g. 90000 → "1m30s", 1500 → "1500ms". */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 1000 !== 0) return `${ms}ms`;
  const parts: string[] = [];
  let seconds = ms / 1000;
  for (const [unit, size] of [
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  return parts.join("");
}

export interface IntegerBounds {
  min: number;
  max: number;
}

/** A whole decimal number within bounds. `1e3`, `1_000`, `0x10`, `+5` and `2.5` are refused. */
export function parseInteger(input: string, text: string, bounds: IntegerBounds): number {
  const value = text.trim();
  const range = `use a whole number from ${bounds.min} to ${bounds.max}`;
  if (value === "") throw new InputError(input, "is empty", { hint: range });
  if (/^-\d+$/.test(value)) throw new InputError(input, `${clip(value)} is negative`, { hint: range });
  if (!/^\d+$/.test(value))
    throw new InputError(input, `"${clip(value)}" is not a whole number`, { hint: range });
  const number = Number(value);
  if (number < bounds.min || number > bounds.max) {
    throw new InputError(input, `${clip(value)} is out of range`, { hint: range });
  }
  return number;
}

const TRUE_WORDS = ["true", "True", "TRUE"];
const FALSE_WORDS = ["false", "False", "FALSE"];

/**
 * The booleans of @actions/core getBooleanInput (the YAML 1.2 core schema): true, True, TRUE, false, False,
 * FALSE. YAML 1.1 words (yes, no, on, off) are refused rather than guessed, exactly as the toolkit does.
 */
export function parseBoolean(input: string, text: string): boolean {
  const value = text.trim();
  if (TRUE_WORDS.includes(value)) return true;
  if (FALSE_WORDS.includes(value)) return false;
  throw new InputError(input, `"${clip(value)}" is not a boolean`, {
    hint: "use true or false (also True, TRUE, False, FALSE)",
  });
}

export function parseEnum<T extends string>(input: string, text: string, choices: readonly T[]): T {
  const value = text.trim();
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new InputError(input, `"${clip(value)}" is not a valid choice`, {
    hint: `${didYouMean(value, choices)}valid choices: ${choices.join(", ")}`,
  });
}

/** `10%` or `12.5%` → 10, 12.5. The percent sign is required so that 0.1 is never read as 10%. */
export function parsePercent(
  input: string,
  text: string,
  place: { line?: number; column?: number } = {},
): number {
  const value = text.trim();
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/.exec(value);
  if (!match) {
    if (value.startsWith("-"))
      throw new InputError(input, `"${clip(value)}" is negative`, { ...place, hint: "write it like 10%" });
    throw new InputError(input, `"${clip(value)}" is not a percentage`, {
      ...place,
      hint: "write it like 10% or 2.5%",
    });
  }
  const percent = Number(match[1]);
  if (percent > 1000) {
    throw new InputError(input, `${clip(value)} is out of range`, {
      ...place,
      hint: "use a percentage from 0% to 1000%",
    });
  }
  return percent;
}

/** Index of the first control character (C0 or DEL), or -1. A tab is allowed when `allowTab` is set. */
export function controlCharacterAt(text: string, allowTab = false): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && !(allowTab && code === 0x09)) || code === 0x7f) return i;
  }
  return -1;
}

function rejectControl(input: string, value: string, what: string): void {
  if (controlCharacterAt(value) >= 0) {
    throw new InputError(input, `${what} contains a control character (such as CR, LF or NUL)`, {
      hint: "remove it; line breaks are never allowed here",
    });
  }
}

/**
 * The `url` input: an http(s) origin to load instead of the Service's status.url. It must not carry a path
 * (that is the `path` input), credentials (they would be logged; send them with `headers`) or a fragment.
 */
export function parseTargetUrl(input: string, text: string): string {
  const value = text.trim();
  rejectControl(input, value, "the URL");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(input, `"${clip(value)}" is not a URL`, {
      hint: "write it like https://hello.example.com",
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InputError(input, `scheme "${url.protocol.slice(0, -1)}" is not supported`, {
      hint: "use http:// or https://",
    });
  }
  if (url.username || url.password) {
    throw new InputError(input, "the URL contains credentials", {
      hint: "they would end up in logs; send them with the headers input (e.g. Authorization: Bearer ...)",
    });
  }
  if (url.hash)
    throw new InputError(input, "the URL has a #fragment", { hint: "remove it; fragments are never sent" });
  if (url.pathname !== "/" || url.search) {
    throw new InputError(input, `"${clip(value)}" has a path or query`, {
      hint: `give only scheme://host[:port] and put "${url.pathname}${url.search}" in the path input`,
    });
  }
  return url.origin;
}

/**
 * The `gateway` input: where to send requests instead of the Service URL's host (an ingress or a port-forward);
 * requests keep the Service's Host header. `host:port`, `host` or `http(s)://host[:port]`, normalized to an
 * origin such as `http://10.0.0.5:80`.
 */
export function parseGateway(input: string, text: string): string {
  const value = text.trim();
  rejectControl(input, value, "the address");
  const hint = "write it like 10.0.0.5:80, localhost:8080 or https://gateway.example.com";
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InputError(input, `"${clip(value)}" is not a host:port address or URL`, { hint });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InputError(input, `scheme "${url.protocol.slice(0, -1)}" is not supported`, {
      hint: "use http:// or https://",
    });
  }
  if (url.username || url.password || url.pathname !== "/" || url.search || url.hash || url.hostname === "") {
    throw new InputError(input, `"${clip(value)}" must be only a host and port`, { hint });
  }
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.protocol}//${url.hostname}:${port}`;
}

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export function parseMethod(input: string, text: string): string {
  const value = text.trim().toUpperCase();
  if ((HTTP_METHODS as readonly string[]).includes(value)) return value;
  rejectControl(input, text, "the method");
  return parseEnum(input, value, HTTP_METHODS);
}

/** The request path: starts with `/`, may carry a query, no spaces or control characters. */
export function parsePath(input: string, text: string): string {
  const value = text.trim();
  rejectControl(input, value, "the path");
  if (!value.startsWith("/")) {
    throw new InputError(input, `"${clip(value)}" does not start with /`, {
      hint: `write it like /${value.replace(/^\/*/, "")}`,
    });
  }
  if (value.startsWith("//")) {
    throw new InputError(input, `"${clip(value)}" starts with //, which would be read as a host`, {
      hint: "use a single /",
    });
  }
  if (/\s/.test(value))
    throw new InputError(input, `"${clip(value)}" contains whitespace`, { hint: "percent-encode it (%20)" });
  if (value.includes("#"))
    throw new InputError(input, `"${clip(value)}" has a #fragment`, {
      hint: "remove it; fragments are never sent",
    });
  return value;
}

/** RFC 9110 token characters: what a header field name may contain. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * Headers the load generator owns. Host comes from the Service URL (or `url`): to reach the Service through
 * another address use `gateway`, which keeps the right Host. The others describe the connection and body
 * framing, which the engine computes (engine.ts, encodeRequest); a user value would corrupt requests.
 */
const MANAGED_HEADERS: Record<string, string> = {
  host: "the Host header comes from the Service URL (or the url input); to send through another address use the gateway input",
  "content-length": "Content-Length is computed from the body",
  "transfer-encoding": "Transfer-Encoding is set by the load generator",
  connection: "connections are kept alive by the load generator",
};

/**
 * Header lines, one `Name: value` per line; blank lines are skipped. A bare CR or any other control character in
 * a line is refused: it could smuggle a second header or a second request onto the connection.
 */
export function parseHeaders(input: string, text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Map<string, number>();
  const errors: InputError[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    const bad = controlCharacterAt(raw, true);
    if (bad >= 0) {
      const code = raw.charCodeAt(bad).toString(16).padStart(4, "0").toUpperCase();
      errors.push(
        new InputError(input, `control character U+${code} in a header line`, {
          line,
          column: bad + 1,
          hint: "a header must fit on one line; CR, LF and NUL could inject other headers",
        }),
      );
      return;
    }
    const colon = raw.indexOf(":");
    if (colon < 0) {
      errors.push(
        new InputError(input, `"${raw.trim()}" is not a header`, {
          line,
          hint: "write one `Name: value` per line",
        }),
      );
      return;
    }
    const name = raw.slice(0, colon).trim();
    const value = raw.slice(colon + 1).trim();
    const column = raw.indexOf(name) + 1;
    if (name === "") {
      errors.push(
        new InputError(input, "the header name is empty", {
          line,
          column: colon + 1,
          hint: "write `Name: value`",
        }),
      );
      return;
    }
    if (!HEADER_NAME.test(name)) {
      errors.push(
        new InputError(input, `"${name}" is not a valid header name`, {
          line,
          column,
          hint: "use letters, digits and - (no spaces or separators such as ( ) , / : ; < = > ? @ [ ] { })",
        }),
      );
      return;
    }
    const key = name.toLowerCase();
    if (MANAGED_HEADERS[key]) {
      errors.push(
        new InputError(input, `${name} cannot be set`, { line, column, hint: MANAGED_HEADERS[key] }),
      );
      return;
    }
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push(
        new InputError(input, `${name} is set twice (first on line ${earlier})`, {
          line,
          column,
          hint: "give it once; join several values with a comma",
        }),
      );
      return;
    }
    seen.set(key, line);
    headers[name] = value;
  });
  if (errors.length > 0) throw new InputErrors(errors);
  return headers;
}
