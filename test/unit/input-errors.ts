// The first InputError a parser throws (alone or inside InputErrors), for tests of bad input.
import { inputErrorsOf, type InputError } from "../../src/config/errors.js";

export function errorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    const [first] = inputErrorsOf(error);
    if (first) return first;
    throw error;
  }
  throw new Error("expected an InputError");
}
