// Reading raw inputs (action inputs or CLI flags) for the input groups of parse.ts: each value with its default
// applied, each check's InputError collected instead of thrown, so that every problem is reported at once.
// A value that failed its check is INVALID rather than undefined, because undefined is a valid value of the
// optional settings (no rate, no url, no body); `complete` turns a group whose fields are all valid into its
// typed settings.
import { ErrorCollector } from "./errors.js";
import type { ReadFile } from "./files.js";
import { effectiveDefault, findInput, type InputName } from "./inputs.js";
import type { RunIdentity } from "./placeholders.js";
import { parseBoolean } from "./values.js";

export interface ParseContext extends RunIdentity {
  /** Reads a file named by an input (service-file, baseline, kubeconfig-file), relative to the working directory. */
  readFile: ReadFile;
}

export const INVALID: unique symbol = Symbol("invalid input");
export type Checked<T> = T | typeof INVALID;
/** A settings group as validated: each field its value, or INVALID when its check failed (and was recorded). */
export type Draft<T> = { [K in keyof T]: Checked<T[K]> };

export const isValid = <T>(value: Checked<T>): value is T => value !== INVALID;

/** The group's settings when every field is valid; undefined when one failed its check. */
export function complete<T extends object>(draft: Draft<T>): T | undefined {
  return Object.values(draft).some((value) => value === INVALID) ? undefined : (draft as T);
}

export class InputReader {
  constructor(
    private readonly raw: Record<string, string | undefined>,
    readonly errors: ErrorCollector = new ErrorCollector(),
  ) {}

  /** The input's value with its default applied: absent and empty both mean "not set". */
  value(name: InputName): string {
    const spec = findInput(name);
    if (!spec) throw new Error(`"${name}" is not in the inputs table`);
    const given = this.raw[name] ?? "";
    const text = spec.keepWhitespace ? given : given.trim();
    return text === "" ? effectiveDefault(spec) : text;
  }

  /** The input was given a value (not left empty, so not its default). */
  given(name: InputName): boolean {
    if (!findInput(name)) throw new Error(`"${name}" is not in the inputs table`);
    return (this.raw[name] ?? "").trim() !== "";
  }

  /** Runs one check; its InputError(s) are recorded and the result is INVALID. */
  check<T>(validate: () => T): Checked<T> {
    const before = this.errors.errors.length;
    const result = this.errors.attempt(validate);
    return this.errors.errors.length > before ? INVALID : (result as T);
  }

  bool(name: InputName): Checked<boolean> {
    return this.check(() => parseBoolean(name, this.value(name)));
  }

  /** undefined when the input is not set, else its parsed value. */
  optional<T>(name: InputName, parse: (text: string) => T): Checked<T | undefined> {
    const text = this.value(name);
    return text === "" ? undefined : this.check(() => parse(text));
  }
}
