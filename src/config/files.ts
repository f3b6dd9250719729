// Reading the files that inputs name (service-file, baseline, kubeconfig-file) with errors that say which input
// named the file and what went wrong, in words rather than errno codes.
import { InputError } from "./errors.js";

export type ReadFile = (path: string) => string;

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a part of the path is not a directory",
  ENAMETOOLONG: "the path is too long",
};

export function readInputFile(input: string, path: string, readFile: ReadFile, hint?: string): string {
  try {
    return readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
    throw new InputError(input, `cannot read "${path}": ${reason}`, {
      hint: hint ?? "paths are relative to the working directory (the repository root in a workflow)",
    });
  }
}
