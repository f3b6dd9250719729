// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time by function and by package,
// as shares of all samples. Used to explain a throughput figure that misses its target.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
}

export interface ProfileSummary {
  samples: number;
  /** Self time by function, highest first: [name, percent]. */
  functions: Array<[string, number]>;
  /** Self time by package (or "node", "native", "our code"), highest first. */
  packages: Array<[string, number]>;
}

function packageOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "native (V8/libuv bindings)";
  if (url.startsWith("node:")) return "node core (JS)";
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  // In the ncc bundle every package shares one file; name it by the bundled path ncc keeps in function names.
  return "bundle (ours + dependencies)";
}

export function summarizeProfiles(dir: string, top = 12): ProfileSummary {
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url
      ? ` ${frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\//, "")}:${frame.lineNumber + 1}`
      : "";
    const name = `${frame.functionName || "(anonymous)"}${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
    const pkg = packageOf(frame.url, frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const ranked = (map: Map<string, number>): Array<[string, number]> =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => [name, Math.round((n / total) * 1000) / 10]);
  return { samples: total, functions: ranked(byFunction), packages: ranked(byPackage) };
}
