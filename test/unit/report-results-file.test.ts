import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeResultsFile } from "../../src/report/results-file.js";
import { passingDoc } from "./fixtures/results.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kpg-results-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("writeResultsFile", () => {
  test("writes pretty JSON with a trailing newline that reads back as the same document", () => {
    const doc = passingDoc();
    const written = writeResultsFile(join(dir, "results.json"), doc);
    expect(written).toBe(join(dir, "results.json"));
    const text = readFileSync(written, "utf8");
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('\n  "schema": "knative-perf-gate/results",\n  "version": 1,');
    expect(JSON.parse(text)).toEqual(doc);
  });

  test("creates missing parent directories and resolves relative paths", () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const written = writeResultsFile("out/perf/results.json", passingDoc());
      expect(written).toBe(join(process.cwd(), "out/perf/results.json"));
      expect(JSON.parse(readFileSync(written, "utf8")).service.name).toBe("helloworld-go");
    } finally {
      process.chdir(cwd);
    }
  });

  test("replaces an existing file whole and leaves no temporary file behind", () => {
    const path = join(dir, "results.json");
    writeFileSync(path, "old content that is longer than nothing".repeat(1000));
    writeResultsFile(path, passingDoc());
    expect(JSON.parse(readFileSync(path, "utf8")).passed).toBe(true);
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });

  test("an unwritable location fails with the input's name and the path, and cleans up", () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const asRoot = process.getuid?.() === 0;
    try {
      if (asRoot) {
        // root ignores directory permissions; a file where a directory should be fails for everyone.
        writeFileSync(join(dir, "file"), "x");
        expect(() => writeResultsFile(join(dir, "file", "results.json"), passingDoc())).toThrow(
          /^results-file: cannot write .*file\/results\.json: /,
        );
      } else {
        expect(() => writeResultsFile(join(locked, "results.json"), passingDoc())).toThrow(
          /^results-file: cannot write .*locked\/results\.json: EACCES/,
        );
        expect(readdirSync(locked)).toEqual([]);
      }
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});
