// Shared set-up for end-to-end tests: a simulator per test file, the CLI run in-process or as the bundled
// dist/ entry points, and the simulator's audit log.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { runCli } from "../../src/cli.js";
import type { ResultsDocument } from "../../src/results.js";
import { startSimulator } from "../sim/index.js";

export type Sim = Awaited<ReturnType<typeof startSimulator>>;

export interface AuditEntry {
  method: string;
  path: string;
  verb: string;
  status: number;
  /** ISO time the request arrived. */
  time: string;
  resource?: string;
  namespace?: string;
  name?: string;
}

export const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);

export function workDir(): string {
  return mkdtempSync(join(tmpdir(), "kpg-e2e-"));
}

export async function startSim(options: Parameters<typeof startSimulator>[0] = {}): Promise<Sim> {
  const dir = workDir();
  return startSimulator({ timeScale: 0.1, kubeconfig: join(dir, "kubeconfig"), ...options });
}

/** The seed's image (examples/helloworld-service.yaml). */
export const SEED_IMAGE = "registry.cn-hangzhou.aliyuncs.com/knative-sample/helloworld-go:160e4dc8";

/**
 * Writes `<name>.yaml` into `dir`, a Knative Service `name` of one container (the seed's image unless `image`)
 * with these revision-template annotations (autoscaling and the simulator's timing ones) and, when given,
 * containerConcurrency; returns its path, for --service-file.
 */
export function writeService(
  dir: string,
  name: string,
  annotations: Record<string, string>,
  options: { containerConcurrency?: number; image?: string } = {},
): string {
  const path = join(dir, `${name}.yaml`);
  const spec = {
    ...(options.containerConcurrency === undefined
      ? {}
      : { containerConcurrency: options.containerConcurrency }),
    containers: [{ image: options.image ?? SEED_IMAGE }],
  };
  const service = {
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name },
    spec: { template: { metadata: { annotations }, spec } },
  };
  writeFileSync(path, yaml.dump(service));
  return path;
}

export async function auditLog(sim: Sim): Promise<AuditEntry[]> {
  const res = await fetch(`${sim.apiServer}/sim/requests`);
  const body = (await res.json()) as AuditEntry[] | { items: AuditEntry[] };
  return Array.isArray(body) ? body : body.items;
}

export async function clearAudit(sim: Sim): Promise<void> {
  await fetch(`${sim.apiServer}/sim/requests`, { method: "DELETE" });
}

export async function getJson<T = unknown>(sim: Sim, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.apiServer}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

let namespaces = 0;

/** A fresh namespace name: a deleted namespace stays Terminating for a while, as on a real cluster. */
export function freshNamespace(): string {
  return `demo-${process.pid}-${++namespaces}`;
}

/**
 * The flags every gate run in these tests shares: the seed's service, in a namespace of its own, through the
 * simulator's gateway.
 */
export function gateArgs(sim: Sim, dir: string, extra: string[] = []): string[] {
  const defaults = [
    "--service-file=examples/helloworld-service.yaml",
    `--namespace=${freshNamespace()}`,
    "--create-namespace",
    `--gateway=${sim.gateway}`,
    "--duration=2s",
    "--connections=10",
    "--warmup=0s",
    "--ready-timeout=60s",
    `--results-file=${join(dir, "results.json")}`,
    `--state-file=${join(dir, "state.json")}`,
    "--no-comment",
    "--json",
  ];
  // A flag in `extra` replaces the default of the same name (the CLI rejects a flag given twice).
  const name = (flag: string) => flag.split("=")[0];
  const overridden = new Set(extra.map(name));
  return ["run", ...defaults.filter((flag) => !overridden.has(name(flag))), ...extra];
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  doc?: ResultsDocument;
}

/** The CLI in this process (from src/), with the simulator's kubeconfig. */
export async function cli(sim: Sim, args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const previous = process.env.KUBECONFIG;
  process.env.KUBECONFIG = sim.kubeconfig;
  try {
    const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr, doc: docOf(stdout) };
  } finally {
    process.env.KUBECONFIG = previous;
  }
}

export interface StartRunOptions {
  /**
   * The run as in the workflow of pull request `pr` (GITHUB_REF refs/pull/<pr>/merge, for `{pr}` placeholders);
   * null: outside any pull request (GITHUB_REF unset); absent: GITHUB_REF as it is.
   */
  pr?: number | null;
  /** Sees the log (stderr) as it grows: phase headings come before their work. */
  onLog?: (log: string) => void;
}

/**
 * The CLI in this process, started and not awaited, for runs that overlap. Inputs, placeholders included, are
 * parsed before runCli first awaits, so each run keeps its own GITHUB_REF; KUBECONFIG is read later, so unlike
 * `cli` it is not set per run: simulatorForFile sets it for the whole file.
 */
export function startRun(args: string[], options: StartRunOptions = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const saved = process.env.GITHUB_REF;
  if (options.pr === null) delete process.env.GITHUB_REF;
  else if (options.pr !== undefined) process.env.GITHUB_REF = `refs/pull/${options.pr}/merge`;
  const running = runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => {
      stderr += t;
      options.onLog?.(stderr);
    },
  });
  if (saved === undefined) delete process.env.GITHUB_REF;
  else process.env.GITHUB_REF = saved;
  return running.then((code) => ({ code, stdout, stderr, doc: docOf(stdout) }));
}

/**
 * One simulator for the file's tests: started before them (`onStarted` receives it) and stopped after, with
 * KUBECONFIG naming it meanwhile, for runs started with startRun.
 */
export function simulatorForFile(
  options: Parameters<typeof startSimulator>[0],
  onStarted: (sim: Sim) => void,
): void {
  let sim: Sim | undefined;
  const saved = process.env.KUBECONFIG;
  beforeAll(async () => {
    sim = await startSim(options);
    process.env.KUBECONFIG = sim.kubeconfig;
    onStarted(sim);
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
    await sim?.stop();
  });
}

/** Runs a bundled entry (dist/main.js, dist/post.js, dist/cli.js) as its own process. */
export function runDist(
  entry: string,
  args: string[],
  env: Record<string, string>,
  /** Sees every chunk of stdout and stderr (the action logs to stdout, the CLI to stderr). */
  onOutput?: (chunk: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      onOutput?.(d.toString(), child);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onOutput?.(d.toString(), child);
    });
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** Resolves once namespace `name` no longer exists in the simulator (a Terminating one goes when it is empty). */
export function namespaceGone(sim: Sim, name: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (sim.store.get("/namespaces", undefined, name)) return;
      stop();
      resolve();
    };
    // The store calls back only after subscribe returns, so `stop` is set by the time check() needs it.
    const stop = sim.store.subscribe((e) => {
      if (e.res === "/namespaces") check();
    });
    check();
  });
}

/** The results document a run printed with --json, or undefined when it printed something else. */
export function docOf(stdout: string): ResultsDocument | undefined {
  try {
    return JSON.parse(stdout) as ResultsDocument;
  } catch {
    return undefined;
  }
}

/** A promise with its resolve, for ordering runs on what the API server sees (never on sleeps). */
export function trigger(): { promise: Promise<void>; fire(): void } {
  let fire: () => void = () => {};
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

export const servicePath = (ns: string, name: string): string =>
  `/apis/serving.knative.dev/v1/namespaces/${ns}/services/${name}`;
