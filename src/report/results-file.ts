// The results file: the results document as pretty JSON. Written atomically (a temporary file in the same
// directory, then a rename), so a reader such as a later run's baseline never sees half a document.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { ResultsDocument } from "../results.js";

/** Writes `doc` to `path` (creating parent directories) and returns the absolute path. */
export function writeResultsFile(path: string, doc: ResultsDocument): string {
  const target = resolve(path);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { encoding: "utf8", mode: 0o644 });
    renameSync(tmp, target);
  } catch (error) {
    if (existsSync(tmp)) rmSync(tmp, { force: true });
    throw new Error(`results-file: cannot write ${target}: ${(error as Error).message}`, { cause: error });
  }
  return target;
}
