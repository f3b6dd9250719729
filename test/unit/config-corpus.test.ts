// Replays every case of test/corpus/ (malformed inputs) through parseSettings: each must be refused with an
// error that names the expected input, at the expected line and column, and no error may blame another input.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { InputErrors } from "../../src/config/errors.js";
import { parseSettings } from "../../src/config/parse.js";
import { corpusCases, type CorpusCase } from "../corpus/cases.js";

const cases = corpusCases;

function replay(testCase: CorpusCase): () => unknown {
  const dir = mkdtempSync(join(tmpdir(), "kpg-corpus-"));
  for (const [path, content] of Object.entries(testCase.files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return () => {
    try {
      return parseSettings(testCase.inputs, { readFile: (path) => readFileSync(resolve(dir, path), "utf8") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe("bad-input corpus", () => {
  it("holds at least 60 cases, each with a description and an expectation", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const [, testCase] of cases) {
      expect(testCase.description).toEqual(expect.any(String));
      expect([2, 3]).toContain(testCase.expect.exitCode);
      expect(() => new RegExp(testCase.expect.message)).not.toThrow();
    }
  });

  it.each(cases.filter(([, c]) => c.expect.exitCode === 2))(
    "%s is refused naming its input",
    (_name, testCase) => {
      let thrown: unknown;
      try {
        replay(testCase)();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputErrors);
      const errors = (thrown as InputErrors).errors;
      const { input, line, column, message } = testCase.expect;
      expect(errors.map((e) => e.input)).toEqual(errors.map(() => input));
      const match = errors.find((e) => new RegExp(message).test(e.message));
      expect(match ? match.message : errors.map((e) => e.message)).toEqual(match?.message);
      expect(match).toBeDefined();
      expect(match!.message.startsWith(`${input}: `)).toBe(true);
      if (line !== undefined) expect(match!.line).toBe(line);
      if (column !== undefined) expect(match!.column).toBe(column);
    },
  );

  it.each(cases.filter(([, c]) => c.expect.exitCode === 3))(
    "%s passes input validation",
    (_name, testCase) => {
      expect(replay(testCase)()).toMatchObject({ serviceName: expect.any(String) });
    },
  );
});
