// src/config is the bottom of the dependency graph above the leaf modules (metrics, tool, worker-limits,
// results): nothing in it imports, directly or through another module, the verdict, the load, the pipeline or
// the Kubernetes client code. Those folders import config's types, never the other way round, so there are no
// import cycles between folders.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const FORBIDDEN = ["src/verdict/", "src/load/", "src/pipeline/", "src/kube/"];

/** Relative module specifiers of a file: static imports, re-exports and dynamic import() calls. */
function localSpecifiers(text: string): string[] {
  const found = [
    ...text.matchAll(/^(?:import|export)[^;]*?from\s+"(\.[^"]+)";/gms),
    ...text.matchAll(/\bimport\(\s*"(\.[^"]+)"\s*\)/g),
  ];
  return found.map((match) => match[1]);
}

/** `file` and everything it imports, transitively, within src/, as paths relative to the repository. */
function importClosure(
  file: string,
  seen = new Map<string, string[]>(),
  from: string[] = [],
): Map<string, string[]> {
  if (seen.has(file)) return seen;
  seen.set(file, [...from, file]);
  for (const spec of localSpecifiers(readFileSync(file, "utf8"))) {
    importClosure(relative(".", join(dirname(file), spec.replace(/\.js$/, ".ts"))), seen, [...from, file]);
  }
  return seen;
}

const configFiles = readdirSync("src/config", { recursive: true })
  .map(String)
  .filter((name) => name.endsWith(".ts"))
  .map((name) => join("src/config", name))
  .sort();

describe("src/config imports nothing from verdict, load, pipeline or kube", () => {
  it("finds the config modules and follows re-exports and dynamic imports", () => {
    expect(configFiles.length).toBeGreaterThan(15);
    expect(localSpecifiers('export type { A } from "../a.js";\nconst m = await import("./b.js");')).toEqual([
      "../a.js",
      "./b.js",
    ]);
  });

  it.each(configFiles)("%s", (file) => {
    const reached = [...importClosure(file).values()].filter((chain) =>
      FORBIDDEN.some((folder) => chain.at(-1)!.startsWith(folder)),
    );
    // The import chain to each forbidden module, so a failure shows how it got in.
    expect(reached.map((chain) => chain.join(" → "))).toEqual([]);
  });
});
