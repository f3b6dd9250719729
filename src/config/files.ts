// Reading the files that inputs name (service-file, baseline, kubeconfig-file) with errors that say which input
// named the file and what went wrong, in words rather than errno codes. Each input has a size limit, and no
// more than limit + 1 bytes of a file are ever read: a 200 MB file named by mistake (a binary, a log) is refused
// after reading 1 MiB of it, not after holding all of it in memory.
import { closeSync, openSync, readSync } from "node:fs";
import { InputError } from "./errors.js";

/**
 * Reads a file as UTF-8. `maxBytes` is the input's limit: a reader may stop after maxBytes + 1 bytes (and then
 * throw a FileTooLargeError, or return what it read); readInputFile refuses anything longer than the limit.
 */
export type ReadFile = (path: string, maxBytes: number) => string;

/** Thrown by readFileUpTo when the file holds more than the limit. */
export class FileTooLargeError extends Error {
  readonly code = "EFBIG";
}

/** The production reader: at most maxBytes + 1 bytes, so the size check never needs the whole file. */
export function readFileUpTo(path: string, maxBytes: number): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) throw new FileTooLargeError(`larger than ${maxBytes} bytes`);
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a part of the path is not a directory",
  ENAMETOOLONG: "the path is too long",
};

/** "1024 KiB" or "16 MiB": how the limits read in messages. */
export function formatBytes(bytes: number): string {
  return bytes >= 4 * 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : `${Math.round(bytes / 1024)} KiB`;
}

export interface FileInput {
  /** The input that named the file, e.g. "service-file". */
  input: string;
  /** The largest file accepted, in bytes. */
  maxBytes: number;
  /** What the file should be, shown when it is too large. */
  tooLargeHint: string;
  /** Shown when the file cannot be read. */
  hint?: string;
}

export function readInputFile(spec: FileInput, path: string, readFile: ReadFile): string {
  const tooLarge = () =>
    new InputError(spec.input, `"${path}" is larger than ${formatBytes(spec.maxBytes)}`, {
      hint: spec.tooLargeHint,
    });
  let text: string;
  try {
    text = readFile(path, spec.maxBytes);
  } catch (error) {
    if (error instanceof FileTooLargeError) throw tooLarge();
    const code = (error as NodeJS.ErrnoException).code;
    const reason = (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
    throw new InputError(spec.input, `cannot read "${path}": ${reason}`, {
      hint: spec.hint ?? "paths are relative to the working directory (the repository root in a workflow)",
    });
  }
  // A reader that returned more than the limit (a test's, or one that read the whole file) is held to it too.
  if (Buffer.byteLength(text, "utf8") > spec.maxBytes) throw tooLarge();
  return text;
}
