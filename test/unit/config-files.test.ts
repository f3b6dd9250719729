// Files named by inputs are read no further than their limit, and YAML aliases cannot expand a small file into
// a huge document: hostile input is refused at parse time, with the input, line and column.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../../src/config/errors.js";
import { FileTooLargeError, readFileUpTo, readInputFile } from "../../src/config/files.js";
import { validateKubeconfig } from "../../src/config/kubeconfig.js";
import { loadYamlWithLines } from "../../src/config/yaml-lines.js";
import { errorOf } from "./input-errors.js";

const SPEC = { input: "service-file", maxBytes: 16, tooLargeHint: "one manifest" };

describe("readFileUpTo and readInputFile", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "kpg-files-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a file of exactly the limit and refuses one byte more", () => {
    writeFileSync(join(dir, "16"), "x".repeat(16));
    writeFileSync(join(dir, "17"), "x".repeat(17));
    expect(readFileUpTo(join(dir, "16"), 16)).toBe("x".repeat(16));
    expect(() => readFileUpTo(join(dir, "17"), 16)).toThrow(FileTooLargeError);
    const error = errorOf(() => readInputFile(SPEC, join(dir, "17"), readFileUpTo));
    expect([error.input, error.problem, error.hint]).toEqual([
      "service-file",
      `"${join(dir, "17")}" is larger than 0 KiB`,
      "one manifest",
    ]);
  });

  it("stops at the limit: an endless file (/dev/zero) is refused, not read", () => {
    expect(() => readFileUpTo("/dev/zero", 1024 * 1024)).toThrow(FileTooLargeError);
  });

  it("passes the limit to the reader and holds a reader that returned more to it", () => {
    const asked: number[] = [];
    const whole = (_path: string, maxBytes: number) => {
      asked.push(maxBytes);
      return "y".repeat(100);
    };
    expect(errorOf(() => readInputFile(SPEC, "f", whole)).problem).toBe('"f" is larger than 0 KiB');
    expect(asked).toEqual([16]);
  });

  it("names errno reasons in words", () => {
    expect(errorOf(() => readInputFile(SPEC, join(dir, "absent"), readFileUpTo)).problem).toMatch(
      /cannot read ".*absent": no such file/,
    );
    expect(errorOf(() => readInputFile(SPEC, dir, readFileUpTo)).problem).toMatch(/it is a directory/);
  });
});

/** Ten levels of ten aliases: 10^10 strings once expanded. */
function aliasBomb(levels = 10): string {
  const names = "abcdefghijklmnop";
  const lines = [`a: &a [${Array(10).fill('"lol"').join(",")}]`];
  for (let i = 1; i < levels; i++) {
    lines.push(
      `${names[i]}: &${names[i]} [${Array(10)
        .fill(`*${names[i - 1]}`)
        .join(",")}]`,
    );
  }
  return lines.join("\n") + "\n";
}

describe("YAML aliases", () => {
  it("still reads merge keys and ordinary aliases", () => {
    const loaded = loadYamlWithLines(
      "base: &b {x: 1, y: [1, 2]}\nother:\n  <<: *b\n  z: *b\n",
      "service-file",
    );
    expect(loaded.documents[0].value).toEqual({
      base: { x: 1, y: [1, 2] },
      other: { x: 1, y: [1, 2], z: { x: 1, y: [1, 2] } },
    });
  });

  it("refuses an alias bomb at the alias that crosses the limit, in milliseconds", () => {
    const started = performance.now();
    const error = errorOf(() => loadYamlWithLines(aliasBomb(), "service-file"));
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(InputError);
    expect([error.input, error.line, error.column]).toEqual(["service-file", 6, 8]);
    expect(error.problem).toMatch(/^aliases expand the document to more than 1024 KiB/);
  });

  it("counts what the aliases expand to, not how many there are", () => {
    // Three levels expand to 1000 strings: fine. The limit is on size, so a lower one refuses the same file.
    expect(() => loadYamlWithLines(aliasBomb(3), "x")).not.toThrow();
    expect(errorOf(() => loadYamlWithLines(aliasBomb(3), "x", 4096)).problem).toMatch(/more than 4 KiB/);
  });

  it("protects the kubeconfig input the same way, without quoting it", () => {
    const error = errorOf(() => validateKubeconfig(`clusters: []\n${aliasBomb()}`));
    expect(error.input).toBe("kubeconfig");
    expect(error.message).not.toContain("lol");
  });
});
