import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
// @ts-expect-error: a plain .mjs script (run by the release workflow), no type declarations
import { releaseNotes } from "../../scripts/release-notes.mjs";

const notes = releaseNotes as (changelog: string, version: string) => string | undefined;

describe("release notes from CHANGELOG.md", () => {
  it("the version in package.json has its section, which becomes the release notes", () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const run = spawnSync(process.execPath, ["scripts/release-notes.mjs", version], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^### Added$/m);
    expect(run.stdout).not.toMatch(/^## /m);
    expect(run.stdout).not.toMatch(/^\[[\d.]+\]: /m);
  });

  it("takes one version's section, up to the next, and nothing for a version it does not describe", () => {
    const changelog = [
      "# Changelog",
      "",
      "## [Unreleased]",
      "- next",
      "## [1.10.0] - 2026-01-02",
      "### Fixed",
      "- ten",
      "## [1.1.0] - 2026-01-01",
      "- one",
      "## [1.0.0] - 2025-12-01",
      "",
      "[1.1.0]: https://example.com/v1.1.0",
    ].join("\n");
    expect(notes(changelog, "1.1.0")).toBe("- one\n");
    expect(notes(changelog, "1.10.0")).toBe("### Fixed\n- ten\n");
    expect(notes(changelog, "1.0.0")).toBeUndefined(); // a heading with nothing under it
    expect(notes(changelog, "1.1")).toBeUndefined();
    expect(notes(changelog, "2.0.0")).toBeUndefined();
  });

  it("refuses a version with no entry, saying what to add", () => {
    const run = spawnSync(process.execPath, ["scripts/release-notes.mjs", "99.0.0"], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('add "## [99.0.0] - YYYY-MM-DD"');
  });
});
