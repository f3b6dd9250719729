// The bad-input corpus (one JSON file per case, see README.md here), read once for the tests that replay it:
// through parseSettings (test/unit/config-corpus.test.ts) and through the CLI against the simulator
// (test/e2e/corpus.test.ts).
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface CorpusCase {
  description: string;
  inputs: Record<string, string>;
  files: Record<string, string>;
  expect: { exitCode: 2 | 3; input?: string; line?: number; column?: number; message: string };
}

const CORPUS = resolve("test/corpus");

/** [name, case] pairs in file-name order. */
export const corpusCases: ReadonlyArray<readonly [string, CorpusCase]> = readdirSync(CORPUS)
  .filter((file) => file.endsWith(".json"))
  .sort()
  .map((file) => [file.replace(/\.json$/, ""), JSON.parse(readFileSync(join(CORPUS, file), "utf8")) as CorpusCase]);
