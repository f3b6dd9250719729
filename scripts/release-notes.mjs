// Prints the release notes of one version: its section of CHANGELOG.md (Keep a Changelog: "## [X.Y.Z] - date",
// up to the next "## " heading). The release workflow (.github/workflows/release.yml) uses it for the GitHub
// release, and refuses to tag a version the changelog does not describe.
//   node scripts/release-notes.mjs 1.2.3 [CHANGELOG.md]
import { readFileSync } from "node:fs";

export function releaseNotes(changelog, version) {
  const lines = changelog.split("\n");
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const heading = new RegExp(`^## \\[?v?${escaped}\\]?(\\s|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) return undefined;
  const end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  const body = lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join("\n")
    .replace(/^\[[^\]]+\]: .*$/gm, "") // link definitions at the end of the file
    .trim();
  return body === "" ? undefined : `${body}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [version, file = "CHANGELOG.md"] = process.argv.slice(2);
  if (!version || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    console.error("usage: node scripts/release-notes.mjs X.Y.Z [CHANGELOG.md]");
    process.exit(2);
  }
  const notes = releaseNotes(readFileSync(file, "utf8"), version);
  if (!notes) {
    console.error(`${file}: no entry for ${version}: add "## [${version}] - YYYY-MM-DD" with what changed`);
    process.exit(1);
  }
  process.stdout.write(notes);
}
