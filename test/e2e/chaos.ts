// Chaos over many runs: gate runs through the real CLI (in this process, short loads) against one simulator, in
// waves of concurrent runs (some sharing a namespace with --create-namespace, some sharing a Service name with
// lease-wait, some flipping PrivateZone, some aborted as SIGTERM would at a random moment, some through a
// gateway that resets connections) while faults are injected at random times: API server restarts, 410 watch
// expiry, 5xx bursts, an answer lost after its write landed, pod kills. Seeded: the same seed makes the same
// choices (the interleaving still varies, and no assertion depends on it). Invariants after every wave and at
// the end are collected as violations, never thrown, so one report lists them all. Used by
// test/e2e/chaos.test.ts (a few minutes) and scripts/soak.ts (longer).
import { seededRandom } from "../../src/verdict/compare.js";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { runCli } from "../../src/cli.js";
import { parseBaseline } from "../../src/config/baseline.js";
import { kubeconfigYaml } from "../sim/api/kubeconfig.js";
import { StatusError } from "../sim/api/errors.js";
import { faultyGateway } from "./faulty-gateway.js";
import { gateArgs, namespaceGone, workDir, type Sim } from "./harness.js";

export const TOKEN = "chaos-token-5f0c2b7e9a1d4c3b8e6f";
const MANAGED = "app.kubernetes.io/managed-by";

export interface ChaosOptions {
  seed: number;
  runs: number;
  /** Most runs in one wave. */
  maxWave: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  runs: number;
  waves: number;
  exitCodes: Record<string, number>;
  faults: Record<string, number>;
  aborted: number;
  cleanedUpAfter: number;
  /** Why runs that were not aborted ended with exit 3 (a fault can do that; listed to see which). */
  unfinished: string[];
  violations: string[];
  heapAfterFirstMb: number;
  heapAfterLastMb: number;
}

interface Planned {
  index: number;
  namespace: string;
  service: string;
  extra: string[];
  abortAfterMs?: number;
  privateZone: boolean;
  faultyGateway: boolean;
  startAfterMs: number;
}

interface Finished extends Planned {
  code: number;
  output: string;
  dir: string;
}

/**
 * heapUsed after a full collection, in MB: without one the figure is mostly garbage not yet collected. V8's gc()
 * is exposed for a moment (node's documented --expose-gc, set at run time) so that no test runner flag is needed.
 */
function heapAfterGcMb(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  return Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
}

const ECI_PROFILE = { res: "/configmaps", namespace: "kube-system", name: "eci-profile" } as const;

function privateZoneOf(sim: Sim): string | undefined {
  const cm = sim.store.get(ECI_PROFILE.res, ECI_PROFILE.namespace, ECI_PROFILE.name) as
    { data?: Record<string, string> } | undefined;
  return cm?.data?.enablePrivateZone;
}

export async function runChaos(sim: Sim, options: ChaosOptions): Promise<ChaosReport> {
  const rnd = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const chance = (p: number) => rnd() < p;
  const log = options.log ?? (() => {});
  const report: ChaosReport = {
    seed: options.seed,
    runs: 0,
    waves: 0,
    exitCodes: {},
    faults: {},
    aborted: 0,
    cleanedUpAfter: 0,
    unfinished: [],
    violations: [],
    heapAfterFirstMb: 0,
    heapAfterLastMb: 0,
  };
  const violation = (what: string) => {
    report.violations.push(what);
    log(`VIOLATION: ${what}`);
  };
  const fault = (kind: string) => (report.faults[kind] = (report.faults[kind] ?? 0) + 1);

  // Every request carries the token: it must never show in any output.
  sim.api.setAuth({ tokens: { [TOKEN]: "kubernetes-admin" } });
  const kubeconfig = join(workDir(), "kubeconfig");
  writeFileSync(kubeconfig, kubeconfigYaml(sim.apiServer, { token: TOKEN, name: "chaos" }));
  const savedKubeconfig = process.env.KUBECONFIG;
  process.env.KUBECONFIG = kubeconfig;

  // The user's own objects, which no run may touch: a namespace (not ours) with a ConfigMap in it.
  const userNs = `users-own-${options.seed}`;
  if (!sim.store.get("/namespaces", undefined, userNs)) {
    sim.store.create("/namespaces", { metadata: { name: userNs } });
    sim.store.create("/configmaps", { metadata: { name: "precious", namespace: userNs }, data: { a: "1" } });
  }
  const userVersions = () =>
    [
      sim.store.get("/namespaces", undefined, userNs)?.metadata.resourceVersion,
      sim.store.get("/configmaps", userNs, "precious")?.metadata.resourceVersion,
    ].join("/");
  const userBefore = userVersions();
  const zoneBefore = privateZoneOf(sim);
  const proxy = await faultyGateway(sim.gateway, { resetEvery: 25 });

  try {
    let index = 0;
    for (let wave = 0; index < options.runs; wave++) {
      report.waves++;
      const size = Math.min(options.runs - index, 1 + Math.floor(rnd() * options.maxWave));
      const sharedNs = `chaos-${options.seed}-w${wave}`;
      let zoneRuns = 0;
      const planned: Planned[] = [];
      for (let i = 0; i < size; i++, index++) {
        const sharesNs = chance(0.6);
        const sharesService = sharesNs && chance(0.35);
        const privateZone = chance(0.25);
        const faultyGateway = chance(0.2);
        const extra = [
          "--create-namespace",
          "--duration=1s",
          "--connections=2",
          "--request-timeout=2s",
          "--ready-timeout=60s",
        ];
        if (sharesService) extra.push("--lease-wait=2m");
        if (privateZone) extra.push("--private-zone=enable");
        if (faultyGateway) extra.push(`--gateway=${proxy.address}`);
        if (chance(0.2)) extra.push("--thresholds=p99 < 0.001ms");
        zoneRuns += privateZone ? 1 : 0;
        planned.push({
          index,
          namespace: sharesNs ? sharedNs : `chaos-${options.seed}-r${index}`,
          service: sharesService ? "shared" : `svc-${index}`,
          extra,
          abortAfterMs: chance(0.15) ? Math.floor(rnd() * 4000) : undefined,
          privateZone,
          faultyGateway,
          startAfterMs: Math.floor(rnd() * 1500),
        });
      }

      // Faults at random moments of the wave; each is undone (or bounded) on its own.
      const faultTimers: NodeJS.Timeout[] = [];
      const faultCount = 2 + Math.floor(rnd() * 2);
      for (let f = 0; f < faultCount; f++) {
        const kind = pick(["restart", "watch-expiry", "5xx-burst", "lost-answer", "pod-kill"] as const);
        if (kind === "lost-answer" && zoneRuns !== 1) continue;
        const at = Math.floor(rnd() * 3000);
        faultTimers.push(
          setTimeout(() => {
            fault(kind);
            if (kind === "restart") void restartApi(sim, 300 + Math.floor(rnd() * 300), violation);
            else if (kind === "watch-expiry") sim.api.expireWatches();
            else if (kind === "5xx-burst")
              sim.api.setFaults({
                failRate: 1,
                failCount: 3,
                verbs: [pick(["list", "watch", "get", "create", "delete"])],
                failStatus: pick([500, 503, 429]),
              });
            else if (kind === "lost-answer") armLostAnswer(sim);
            else killAPod(sim, rnd);
          }, at),
        );
      }

      const finished = await Promise.all(planned.map((run) => startRun(sim, run)));
      for (const t of faultTimers) clearTimeout(t);
      await restarting;
      sim.api.clearFaults();
      sim.api.setRequestHook(undefined);

      for (const run of finished) {
        report.runs++;
        report.exitCodes[run.code] = (report.exitCodes[run.code] ?? 0) + 1;
        if (run.abortAfterMs !== undefined) report.aborted++;
        checkRun(run, violation);
        // Not a violation (a fault may end a run), but worth seeing: why a run that was not aborted stopped.
        if (run.code === 3 && run.abortAfterMs === undefined) {
          const why = /^error: (.*)$/m.exec(run.output)?.[1] ?? "(no error line)";
          report.unfinished.push(`run ${run.index}: ${why.slice(0, 300)}`);
          log(`run ${run.index} exit 3: ${why.slice(0, 300)}`);
        }
        // What the post step does after a run that could not finish its cleanup (a fault during it).
        const stateFile = join(run.dir, "state.json");
        if (
          existsSync(stateFile) &&
          !(JSON.parse(readFileSync(stateFile, "utf8")) as { done: boolean }).done
        ) {
          report.cleanedUpAfter++;
          let out = "";
          const code = await runCli(["cleanup", `--state-file=${stateFile}`], {
            stdout: (t) => (out += t),
            stderr: (t) => (out += t),
          });
          if (code !== 0) violation(`run ${run.index}: cleanup exited ${code}: ${out.trim()}`);
          if (out.includes(TOKEN)) violation(`run ${run.index}: the token is in the cleanup output`);
        }
      }
      if (proxy.counts.resets > 0 && finished.some((r) => r.faultyGateway)) fault("gateway-reset");
      await checkCluster(sim, finished, violation, { userNs, userBefore, userVersions, zoneBefore });
      const heap = heapAfterGcMb();
      if (wave === 0) report.heapAfterFirstMb = heap;
      report.heapAfterLastMb = heap;
      log(
        `wave ${wave}: ${finished.length} runs, exit codes ${finished.map((r) => r.code).join(" ")}, heap ${heap} MB`,
      );
    }
    // At the end: every namespace a run created goes away (Terminating ones finish once their pods drained).
    const ours = sim.store
      .list("/namespaces", undefined)
      .items.filter((ns) => ns.metadata.labels?.[MANAGED] === "knative-perf-gate");
    const bound = new Promise<"timeout">((resolve) => {
      const t = setTimeout(() => resolve("timeout"), 60_000);
      t.unref();
    });
    for (const ns of ours) {
      const name = ns.metadata.name as string;
      if ((await Promise.race([namespaceGone(sim, name), bound])) === "timeout")
        violation(`namespace ${name} (created by a run) is still there a minute after the last run`);
    }
  } finally {
    await proxy.close();
    sim.api.clearFaults();
    sim.api.setRequestHook(undefined);
    sim.api.setAuth(undefined);
    if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = savedKubeconfig;
  }
  return report;
}

async function startRun(sim: Sim, run: Planned): Promise<Finished> {
  await new Promise((resolve) => setTimeout(resolve, run.startAfterMs));
  const dir = workDir();
  const controller = new AbortController();
  const abort =
    run.abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), run.abortAfterMs);
  let output = "";
  const code = await runCli(
    gateArgs(sim, dir, [`--namespace=${run.namespace}`, `--service-name=${run.service}`, ...run.extra]),
    { stdout: (t) => (output += t), stderr: (t) => (output += t), signal: controller.signal },
  );
  clearTimeout(abort);
  return { ...run, code, output, dir };
}

let restarting: Promise<void> = Promise.resolve();

/** One restart at a time: two overlapping ones would both listen on the port, and the second fails. */
function restartApi(sim: Sim, downMs: number, violation: (what: string) => void): Promise<void> {
  restarting = restarting.then(() => restartOnce(sim, downMs, violation));
  return restarting;
}

/**
 * An API server restart. Listening again on the same port could meet EADDRINUSE if, in the down time, another
 * socket on this busy machine took the port: then try again shortly, as a restarted apiserver's supervisor would.
 * Only a port that stays taken is reported (an environment problem, not the gate's).
 */
async function restartOnce(sim: Sim, downMs: number, violation: (what: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sim.api.restart({ downMs: attempt === 1 ? downMs : 200 });
      return;
    } catch (error) {
      if (attempt >= 25)
        return violation(`the simulator's API server could not listen again: ${String(error)}`);
    }
  }
}

/** The next eci-profile update lands (as the gate asked: "true") and then its answer is lost (500). */
function armLostAnswer(sim: Sim): void {
  let fired = false;
  sim.api.setRequestHook((info) => {
    if (fired || info.kind !== "resource" || info.verb !== "update" || info.type.plural !== "configmaps")
      return;
    if (info.namespace !== ECI_PROFILE.namespace || info.name !== ECI_PROFILE.name) return;
    fired = true;
    const cm = sim.store.get(ECI_PROFILE.res, ECI_PROFILE.namespace, ECI_PROFILE.name);
    if (cm) {
      const next = structuredClone(cm) as typeof cm & { data?: Record<string, string> };
      next.data = { ...next.data, enablePrivateZone: "true" };
      sim.store.update(ECI_PROFILE.res, next);
    }
    return StatusError.forCode(500, "etcd leader changed after the write");
  });
}

function killAPod(sim: Sim, rnd: () => number): void {
  const pods = sim.store
    .list("/pods", undefined)
    .items.filter(
      (p) =>
        (p.metadata.namespace as string).startsWith("chaos-") &&
        !p.metadata.deletionTimestamp &&
        !(p.metadata.name as string).includes("-deployment-reserve-"),
    );
  if (pods.length === 0) return;
  const victim = pods[Math.floor(rnd() * pods.length)];
  sim.killPod(victim.metadata.namespace as string, victim.metadata.name as string);
}

/** One run's own invariants: its exit code, its results file, no token anywhere. */
function checkRun(run: Finished, violation: (what: string) => void): void {
  const who = `run ${run.index} (${run.namespace}/${run.service})`;
  if (![0, 1, 3].includes(run.code)) violation(`${who}: exit ${run.code}: ${run.output.slice(-400)}`);
  const resultsFile = join(run.dir, "results.json");
  if (!existsSync(resultsFile)) return violation(`${who}: no results file (exit ${run.code})`);
  const text = readFileSync(resultsFile, "utf8");
  let doc: { passed: boolean; error: string | null };
  try {
    doc = parseBaseline(text, resultsFile);
  } catch (error) {
    return violation(`${who}: results file is not a valid results document: ${(error as Error).message}`);
  }
  const matches =
    (run.code === 0 && doc.passed && doc.error === null) ||
    (run.code === 1 && !doc.passed && doc.error === null) ||
    (run.code === 3 && !doc.passed && typeof doc.error === "string");
  if (!matches) violation(`${who}: exit ${run.code} but passed=${doc.passed}, error=${doc.error}`);
  for (const [what, content] of [
    ["output", run.output],
    ["results file", text],
    [
      "state file",
      existsSync(join(run.dir, "state.json")) ? readFileSync(join(run.dir, "state.json"), "utf8") : "",
    ],
  ]) {
    if (content.includes(TOKEN)) violation(`${who}: the token is in its ${what}`);
  }
}

/** What the cluster must look like after a wave: nothing of the runs left, the user's objects as they were. */
async function checkCluster(
  sim: Sim,
  runs: Finished[],
  violation: (what: string) => void,
  user: { userNs: string; userBefore: string; userVersions: () => string; zoneBefore: string | undefined },
): Promise<void> {
  const services = sim.store
    .list("serving.knative.dev/services", undefined)
    .items.filter(
      (s) => s.metadata.labels?.[MANAGED] === "knative-perf-gate" && !s.metadata.deletionTimestamp,
    );
  for (const s of services) violation(`service ${s.metadata.namespace}/${s.metadata.name} left behind`);
  for (const res of ["batch/jobs", "/configmaps"] as const) {
    for (const o of sim.store.list(res, undefined).items) {
      if (o.metadata.labels?.[MANAGED] === "knative-perf-gate" && !o.metadata.deletionTimestamp)
        violation(`${res} ${o.metadata.namespace}/${o.metadata.name} left behind`);
    }
  }
  for (const name of new Set(runs.map((r) => r.namespace))) {
    const ns = sim.store.get("/namespaces", undefined, name);
    if (ns && !ns.metadata.deletionTimestamp) violation(`namespace ${name} left behind (not terminating)`);
  }
  if (user.userVersions() !== user.userBefore)
    violation(`the user's namespace ${user.userNs} or its ConfigMap changed`);
  const zone = privateZoneOf(sim);
  if (zone !== user.zoneBefore) violation(`enablePrivateZone is "${zone}", was "${user.zoneBefore}"`);
  await Promise.resolve();
}
