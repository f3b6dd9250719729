// The load tools under comparison, each run as its own process with the same connections and duration:
// our engine (bench/engine-child.ts), plain autocannon (same child, no hooks), wrk and hey (Debian packages).
import { mkdtempSync, readFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "./process.js";

export interface ToolRun {
  tool: string;
  rps: number;
  requests: number;
  /** Latency percentiles in ms, as the tool reports them (its own resolution). */
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  /** Peak resident set size of the tool's process, MB (only measured for our engine). */
  peakRssMb?: number;
  /** RSS (MB) sampled once a second, ours only. */
  rssTimeline?: number[];
  /** Heap in use after a full GC (MB), every 5 s and at the end: only when run with --expose-gc. */
  liveHeapTimeline?: number[];
  liveHeapEndMb?: number;
}

export interface LoadShape {
  url: string;
  connections: number;
  durationS: number;
  /** Requests per second overall (fixed-rate mode). */
  rate?: number;
  /** Stop after this many requests (ours only; the duration is then an upper bound). */
  requests?: number;
  timeoutS?: number;
  /** Our engine's threads (load-threads); 1, the action's default, unless set. */
  threads?: number;
}

const NODE = process.execPath;
const CHILD = fileURLToPath(new URL("../engine-child.ts", import.meta.url));

export interface EngineChild {
  /** Arguments to `node` before the JSON shape. */
  args: string[];
  /** How the child runs: bundled like the action, or through tsx if bundling failed. */
  kind: string;
}

/**
 * Bundles the engine child with ncc, as the action is bundled, so its memory and start-up are the shipped
 * shape rather than tsx's (tsx alone adds about 30 MB of RSS). Falls back to tsx if ncc fails.
 */
export async function prepareEngineChild(): Promise<EngineChild> {
  const out = mkdtempSync(join(tmpdir(), "kpg-bench-engine-"));
  const ncc = fileURLToPath(new URL("../../node_modules/@vercel/ncc/dist/ncc/cli.js", import.meta.url));
  const bundle = join(out, "index.js");
  try {
    // Type-checking is `npm run build`'s job; without it ncc takes 4 s instead of 8–12 (which counts against
    // --quick's three minutes). The bundle gains the few modules that are imported for types only (about
    // 15 kB of source). Its load threads import it for runLoadThread, so should a transpile-only bundle ever lose
    // that export (bench/README.md tells when it once did), it is bundled again with type-checking.
    await run(NODE, [ncc, "build", CHILD, "-o", out, "--quiet", "--transpile-only"], 180_000);
    if (exportsRunLoadThread(bundle)) return { args: [bundle], kind: "ncc bundle" };
    await run(NODE, [ncc, "build", CHILD, "-o", out, "--quiet"], 180_000);
    if (exportsRunLoadThread(bundle)) return { args: [bundle], kind: "ncc bundle (type-checked)" };
    throw new Error(`${bundle} does not export runLoadThread`);
  } catch (error) {
    return {
      args: ["--import", "tsx", CHILD],
      kind: `tsx (ncc failed: ${(error as Error).message.slice(0, 200)})`,
    };
  }
}

/** Whether an ESM bundle's export list names runLoadThread (ncc ends it with `export { … as runLoadThread }`). */
export function exportsRunLoadThread(bundle: string): boolean {
  return /export\s*\{[^}]*\bas runLoadThread\b[^}]*\}/.test(readFileSync(bundle, "utf8"));
}

/** Our engine (runLoad), or plain autocannon with its defaults (`engine: "autocannon"`), in a child process. */
export async function runEngine(
  child: EngineChild,
  engine: "ours" | "autocannon",
  shape: LoadShape,
  nodeFlags: string[] = [],
): Promise<ToolRun> {
  const args = [...nodeFlags];
  // autocannon calls url.parse(); outside node_modules (in a bundle) Node warns about it on stderr.
  args.push("--disable-warning=DEP0169", ...child.args, JSON.stringify({ engine, ...shape }));
  const deadline = (shape.durationS + 60) * 1000;
  const { stdout } = await run(NODE, args, deadline);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as ToolRun;
}

const NODE_NET = fileURLToPath(new URL("../node-net-client.mjs", import.meta.url));

/** The bare-socket Node client (bench/node-net-client.mjs): the ceiling of one Node event loop here. */
export async function runNodeNet(shape: LoadShape): Promise<ToolRun> {
  const args = [NODE_NET, shape.url, String(shape.connections), String(shape.durationS)];
  const { stdout } = await run(NODE, args, (shape.durationS + 30) * 1000);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as ToolRun;
}

/** wrk with one thread per core (its usual setting); closed loop, so no fixed-rate mode. */
export async function runWrk(shape: LoadShape, threads = availableParallelism()): Promise<ToolRun> {
  const t = Math.max(1, Math.min(threads, shape.connections));
  const args = [`-t${t}`, `-c${shape.connections}`, `-d${shape.durationS}s`, "--latency"];
  if (shape.timeoutS) args.push(`--timeout`, `${shape.timeoutS}s`);
  const { stdout } = await run("wrk", [...args, shape.url], (shape.durationS + 30) * 1000);
  return parseWrk(stdout, threads === 1 ? "wrk -t1" : "wrk");
}

export function parseWrk(output: string, tool = "wrk"): ToolRun {
  const percentile = (p: string): number => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(output);
    if (!match) throw new Error(`wrk output has no ${p}% line:\n${output}`);
    const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as "us" | "ms" | "s" | "m"];
    return Number(match[1]) * unit;
  };
  const number = (re: RegExp): number => Number(re.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors =
    number(/Non-2xx or 3xx responses: (\d+)/) +
    (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return {
    tool,
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    requests: number(/(\d+) requests in/),
    p50: percentile("50"),
    p90: percentile("90"),
    p99: percentile("99"),
    errors,
  };
}

/** hey: `-c` workers each on its own connection; `-q` is a per-worker rate limit. */
export async function runHey(shape: LoadShape): Promise<ToolRun> {
  const args = ["-c", String(shape.connections), "-z", `${shape.durationS}s`];
  if (shape.rate) args.push("-q", String(shape.rate / shape.connections));
  if (shape.timeoutS) args.push("-t", String(Math.ceil(shape.timeoutS)));
  const { stdout } = await run("hey", [...args, shape.url], (shape.durationS + 30) * 1000);
  return parseHey(stdout);
}

export function parseHey(output: string): ToolRun {
  const percentile = (p: string): number => {
    const match = new RegExp(`^\\s+${p}% in ([\\d.]+) secs`, "m").exec(output);
    if (!match) throw new Error(`hey output has no ${p}% line:\n${output}`);
    return Number(match[1]) * 1000;
  };
  let requests = 0;
  let errors = 0;
  for (const [, status, count] of output.matchAll(/\[(\d+)\]\s+(\d+) responses/g)) {
    requests += Number(count);
    if (Number(status) >= 400) errors += Number(count);
  }
  for (const [, count] of output.matchAll(/^\s+\[(\d+)\]\s+Get .*$/gm)) errors += Number(count);
  return {
    tool: "hey",
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0),
    requests,
    p50: percentile("50"),
    p90: percentile("90"),
    p99: percentile("99"),
    errors,
  };
}
