// Throughput of the in-cluster load against a Knative Service in the simulator with 1, 2 and 4 worker pods,
// and the runner's own engine for comparison. Prints the README's figure as Markdown tables:
//
//   npx tsx test/sim/jobs/measure-workers.ts [seconds] [rounds]
//
// Two cases. "Per worker": every worker brings 4 connections and the Service takes 20 ms per request, so the
// client side, not the simulator's CPU, sets the pace (what adding pods buys in a real cluster). "Fixed
// total": 32 connections split over the workers against an instant Service, so the simulator's one event loop
// (gateway and every pod) is the bottleneck and extra worker processes only compete with it for the two cores.
// The Service has a fixed 4 pods, so the autoscaler does not move the target between runs. Each setting runs
// `rounds` times, interleaved, and the median is reported: on a shared machine one run can be several times
// slower than the next.
//
// The worker pods are Job pods of the simulator itself: its Job controller runs them as local processes.
import { readFileSync } from "node:fs";
import { openCluster } from "../../../src/kube/cluster.js";
import { runClusterLoad } from "../../../src/load/cluster/index.js";
import { runLoad } from "../../../src/load/index.js";
import type { LoadSummary } from "../../../src/results.js";
import { startSimulator } from "../index.js";

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const PER_WORKER = 4;
const FIXED_TOTAL = 32;
const WORKERS = [1, 2, 4];

const sim = await startSimulator();
const cluster = await openCluster(readFileSync(sim.kubeconfig, "utf8"));
const request = { path: "/", method: "GET", headers: {}, timeoutMs: 10_000 };

interface Case {
  title: string;
  service: string;
  connections: (workers: number) => number;
}

try {
  await deploy("slow", { "sim.knative-perf-gate.dev/service-time": "20ms" });
  await deploy("fast", {});
  const cases: Case[] = [
    {
      title: `Per worker: ${PER_WORKER} connections each, 20 ms service time`,
      service: "slow",
      connections: (w) => PER_WORKER * w,
    },
    {
      title: `Fixed total: ${FIXED_TOTAL} connections, instant service`,
      service: "fast",
      connections: () => FIXED_TOTAL,
    },
  ];
  for (const c of cases) {
    const host = `${c.service}.default.svc.cluster.local`;
    // 0 stands for the runner's engine in this process, with the 4-worker case's connections.
    const settings = [...WORKERS, 0];
    const runs = new Map<number, LoadSummary[]>(settings.map((w) => [w, []]));
    for (let round = 0; round < rounds; round++) {
      for (const workers of settings) {
        const load = { durationMs: seconds * 1000, connections: c.connections(workers || 4), warmupMs: 2000 };
        const summary =
          workers === 0
            ? await runLoad({ url: sim.gateway, host, request, load })
            : (
                await runClusterLoad({
                  cluster,
                  namespace: "default",
                  url: `http://${host}`,
                  service: c.service,
                  request,
                  load,
                  workers,
                  startDelayMs: 8000,
                })
              ).summary;
        runs.get(workers)?.push(summary);
        process.stderr.write(
          `${c.service} round ${round + 1}, ${workers || "runner"}: ${Math.round(summary.rps)} req/s\n`,
        );
      }
    }
    console.log(`\n${c.title}; ${seconds} s after a 2 s warm-up, 4 pods, median of ${rounds}\n`);
    console.log("| load from | connections | req/s | all runs | p50 ms | p99 ms | errors |");
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const workers of settings) {
      const sorted = [...(runs.get(workers) ?? [])].sort((a, b) => a.rps - b.rps);
      const median = sorted[Math.floor(sorted.length / 2)];
      const all = sorted.map((r) => Math.round(r.rps).toLocaleString("en-US")).join(", ");
      const what = workers === 0 ? "runner" : `cluster, ${workers} worker${workers > 1 ? "s" : ""}`;
      console.log(
        `| ${what} | ${c.connections(workers || 4)} | ${Math.round(median.rps).toLocaleString("en-US")} | ${all} | ` +
          `${median.latency.p50} | ${median.latency.p99} | ${median.errors.total} |`,
      );
    }
  }
} finally {
  await sim.stop();
}

async function deploy(name: string, annotations: Record<string, string>): Promise<void> {
  sim.store.create("serving.knative.dev/services", {
    metadata: { name, namespace: "default" },
    spec: {
      template: {
        metadata: {
          annotations: {
            "autoscaling.knative.dev/min-scale": "4",
            "autoscaling.knative.dev/max-scale": "4",
            ...annotations,
          },
        },
        spec: {
          containers: [
            { image: "ghcr.io/knative/helloworld-go:latest", env: [{ name: "TARGET", value: "World" }] },
          ],
        },
      },
    },
  });
  for (let i = 0; i < 600; i++) {
    const svc = sim.store.get("serving.knative.dev/services", "default", name);
    const conditions = (svc?.status as { conditions?: { type: string; status: string }[] } | undefined)
      ?.conditions;
    const pods = sim.store.list("/pods", "default", {
      labelSelector: `serving.knative.dev/service=${name}`,
    }).items;
    if (conditions?.some((c) => c.type === "Ready" && c.status === "True") && pods.length >= 4) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Service ${name} did not become Ready with 4 pods`);
}
