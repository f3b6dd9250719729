// How the benchmark runs the gate and the manual flow on the Knative simulator (figures 3 and 4, bench/gate.ts).
// The simulator runs in its own process (`tsx test/sim/cli.ts`); the gate is the bundled CLI (dist/cli.js), the
// manual flow is the seed's commands: kubectl apply, kubectl wait --for=condition=Ready, hey, kubectl delete.
// Both deploy the seed's service under a name of their own per round, in one namespace, through the gateway.
// With two services the gate is an A/B run whose baseline is the same image (`--baseline-image`, as
// bench/verdict.ts runs A/A), and the manual flow does each step for both Services the quickest way a person
// would: one apply and one wait naming both, two hey at once (the gate loads both at the same time, with the
// same connections each), one delete naming both.
import type { Socket } from "node:net";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as yaml from "js-yaml";
import type { GateWiring } from "./gate.js";
import { run, startService, type Service } from "./lib/process.js";

const MANIFEST = "examples/helloworld-service.yaml";
const NAMESPACE = "bench";
const CONNECTIONS = 10;
const DEADLINE_MS = 15 * 60 * 1000;

interface Sim {
  apiServer: string;
  gateway: string;
  kubeconfig: string;
  service: Service;
}

const work = mkdtempSync(join(tmpdir(), "kpg-bench-gate-"));
let simulator: Promise<Sim> | undefined;
let rounds = 0;

/** One simulator for every round, started on first use and stopped when the benchmark exits. */
function sim(): Promise<Sim> {
  simulator ??= (async () => {
    const kubeconfig = join(work, "kubeconfig");
    const service = await startService(
      "node_modules/.bin/tsx",
      ["test/sim/cli.ts", `--kubeconfig=${kubeconfig}`],
      /^\{"apiServer"/,
      30_000,
    );
    const { apiServer, gateway } = JSON.parse(service.ready) as { apiServer: string; gateway: string };
    // Neither the process nor its output pipes may keep the benchmark alive once its figures are printed.
    service.child.unref();
    for (const pipe of [service.child.stdout, service.child.stderr]) (pipe as Socket | null)?.unref();
    process.once("exit", () => service.child.kill("SIGTERM"));
    await kubectl(kubeconfig, ["create", "namespace", NAMESPACE]);
    return { apiServer, gateway, kubeconfig, service };
  })();
  return simulator;
}

function kubectl(kubeconfig: string, args: string[]) {
  return run("kubectl", [`--kubeconfig=${kubeconfig}`, ...args], DEADLINE_MS);
}

async function apiRequestCount(s: Sim): Promise<number> {
  const res = await fetch(`${s.apiServer}/sim/requests`);
  const entries = (await res.json()) as unknown[] | { items: unknown[] };
  return Array.isArray(entries) ? entries.length : entries.items.length;
}

/** The seed's image: the A/B run's baseline is the same image (an A/A run), as in bench/verdict.ts. */
const IMAGE = (
  yaml.load(readFileSync(MANIFEST, "utf8")) as {
    spec: { template: { spec: { containers: Array<{ image: string }> } } };
  }
).spec.template.spec.containers[0].image;

/** The seed's manifest under another name, so rounds never meet a previous round's terminating pods. */
function manifestNamed(name: string): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, readFileSync(MANIFEST, "utf8").replace(/name: helloworld-go\n/, `name: ${name}\n`));
  return file;
}

export const gateWiring: GateWiring = {
  // Quick: 2 / 4 / 8 s (a fourfold range still shows growth), so that --quick stays under three minutes.
  economyDurationsS: process.argv.includes("--quick") ? [2, 4, 8] : [10, 60, 300],

  async runGate(loadDurationS, services = 1) {
    const s = await sim();
    const name = `gate-${++rounds}`;
    // The baseline is <name>-baseline (the input's default), in the same namespace.
    const ab = services === 2 ? [`--baseline-image=${IMAGE}`] : [];
    await fetch(`${s.apiServer}/sim/requests`, { method: "DELETE" });
    const started = performance.now();
    await run(
      process.execPath,
      [
        "dist/cli.js",
        "run",
        `--service-file=${MANIFEST}`,
        `--service-name=${name}`,
        ...ab,
        `--namespace=${NAMESPACE}`,
        `--gateway=${s.gateway}`,
        `--duration=${loadDurationS}s`,
        `--connections=${CONNECTIONS}`,
        "--warmup=0s",
        `--kubeconfig-file=${s.kubeconfig}`,
        `--results-file=${join(work, `${name}.json`)}`,
        `--state-file=${join(work, `${name}.state.json`)}`,
        "--no-comment",
      ],
      DEADLINE_MS,
    );
    const wallMs = performance.now() - started;
    return { wallMs, loadMs: loadDurationS * 1000, apiRequests: await apiRequestCount(s) };
  },

  async runManual(loadDurationS, services = 1) {
    const s = await sim();
    const round = ++rounds;
    const names = services === 2 ? [`manual-${round}`, `manual-${round}-baseline`] : [`manual-${round}`];
    const files = names.map(manifestNamed);
    const started = performance.now();
    await kubectl(s.kubeconfig, ["apply", "-n", NAMESPACE, ...files.flatMap((file) => ["-f", file])]);
    await kubectl(s.kubeconfig, [
      "wait",
      "-n",
      NAMESPACE,
      "--for=condition=Ready",
      ...names.map((name) => `ksvc/${name}`),
      "--timeout=300s",
    ]);
    await Promise.all(
      names.map((name) =>
        run(
          "hey",
          [
            "-z",
            `${loadDurationS}s`,
            "-c",
            String(CONNECTIONS),
            "-host",
            `${name}.${NAMESPACE}.svc.cluster.local`,
            `${s.gateway}/`,
          ],
          DEADLINE_MS,
        ),
      ),
    );
    await kubectl(s.kubeconfig, ["delete", "-n", NAMESPACE, "ksvc", ...names]);
    return { wallMs: performance.now() - started, loadMs: loadDurationS * 1000 };
  },
};
