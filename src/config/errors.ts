// Input errors name the input, where in it the problem is, and how to fix it. Validation collects every problem
// before failing (InputErrors), so a user fixes a workflow once instead of once per input.

export interface ErrorPlace {
  /** 1-based line within the input's text, or within the file the input names (service-file, baseline). */
  line?: number;
  /** 1-based column within that line. */
  column?: number;
  /** How to fix it, appended after the problem. */
  hint?: string;
}

export class InputError extends Error {
  readonly input: string;
  readonly problem: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint?: string;

  constructor(input: string, problem: string, place: ErrorPlace = {}) {
    super(formatInputError(input, problem, place));
    this.name = "InputError";
    this.input = input;
    this.problem = problem;
    this.line = place.line;
    this.column = place.column;
    this.hint = place.hint;
  }
}

/** Every problem found across all inputs; `message` lists them one per line. */
export class InputErrors extends Error {
  readonly errors: InputError[];

  constructor(errors: InputError[]) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "InputErrors";
    this.errors = errors;
  }
}

export function formatInputError(input: string, problem: string, place: ErrorPlace): string {
  let where = "";
  if (place.line !== undefined) {
    where =
      place.column !== undefined ? `line ${place.line}, column ${place.column}: ` : `line ${place.line}: `;
  }
  return `${input}: ${where}${problem}${place.hint ? `; ${place.hint}` : ""}`;
}

/** The InputError list inside any thrown value (empty when it is some other error). */
export function inputErrorsOf(error: unknown): InputError[] {
  if (error instanceof InputErrors) return error.errors;
  if (error instanceof InputError) return [error];
  return [];
}

/**
 * Gathers problems while validating many inputs. `attempt` runs one validation and records its InputError(s)
 * instead of letting them escape; anything else (a bug) still throws.
 */
export class ErrorCollector {
  readonly errors: InputError[] = [];

  add(error: InputError): void {
    this.errors.push(error);
  }

  attempt<T>(validate: () => T): T | undefined {
    try {
      return validate();
    } catch (error) {
      const found = inputErrorsOf(error);
      if (found.length === 0) throw error;
      this.errors.push(...found);
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw new InputErrors(this.errors);
  }
}
