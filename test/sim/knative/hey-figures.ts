// Reproduces the README's figures: the seed's `hey -z 30s -c 50` against helloworld-go through the simulator's
// gateway, in real time (time scale 1), for a few per-service tunables. Prints one Markdown table row per
// variant: hey's throughput and latencies, the serving pods over time, and the concurrency the KPA measured in
// the pods. Run: `npx tsx test/sim/knative/hey-figures.ts [seconds]` (needs Debian's `hey`; loopback only).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import * as yaml from "js-yaml";
import { startSimulator } from "../index.js";
import type { K8sObject } from "../store.js";
import { condition, waitFor } from "./testing.js";
import { isPodReady } from "./workloads.js";

const run = promisify(execFile);
const seconds = Number(process.argv[2] ?? 30);

const VARIANTS: { name: string; annotations: Record<string, string> }[] = [
  { name: "seed manifest as is (no work per request)", annotations: {} },
  { name: "20 ms of work per request", annotations: { "sim.knative-perf-gate.dev/service-time": "20ms" } },
  {
    name: "12 ms of work + 45 ms client↔cluster network",
    annotations: {
      "sim.knative-perf-gate.dev/service-time": "12ms",
      "sim.knative-perf-gate.dev/network-latency": "45ms",
    },
  },
];

function pick(out: string, re: RegExp): number {
  const m = re.exec(out);
  return m ? Number(m[1]) : NaN;
}

for (const v of VARIANTS) {
  const sim = await startSimulator({ timeScale: 1 });
  try {
    sim.store.create("/namespaces", { metadata: { name: "demo" } });
    const manifest = yaml.load(readFileSync("examples/helloworld-service.yaml", "utf8")) as K8sObject;
    const template = (manifest.spec as { template: { metadata: { annotations: Record<string, string> } } })
      .template;
    Object.assign(template.metadata.annotations, v.annotations);
    manifest.metadata.namespace = "demo";
    sim.store.create("serving.knative.dev/services", manifest);
    await waitFor(
      "Ready",
      () =>
        condition(sim.store.get("serving.knative.dev/services", "demo", "helloworld-go"), "Ready")?.status ===
        "True",
      60_000,
    );
    const serving = () =>
      sim.store
        .list("/pods", "demo", { labelSelector: "serving.knative.dev/revision=helloworld-go-00001" })
        .items.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p)).length;
    const timeline: number[] = [];
    const sampler = setInterval(() => timeline.push(serving()), 1000);
    const started = Date.now();
    const { stdout } = await run(
      "hey",
      ["-z", `${seconds}s`, "-c", "50", "-host", "helloworld-go.demo.svc.cluster.local", `${sim.gateway}/`],
      { maxBuffer: 1 << 24 },
    );
    clearInterval(sampler);
    const ended = Date.now();
    const decisions = sim.knative.autoscaler
      .decisions("demo", "helloworld-go-00001")
      .filter((d) => d.at > started + ((ended - started) * 2) / 3 && d.at <= ended);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const row = {
      variant: v.name,
      requests: pick(stdout, /\[200\]\s+(\d+) responses/),
      rps: pick(stdout, /Requests\/sec:\s+([\d.]+)/),
      p10: pick(stdout, /10% in ([\d.]+) secs/) * 1000,
      p50: pick(stdout, /50% in ([\d.]+) secs/) * 1000,
      p90: pick(stdout, /90% in ([\d.]+) secs/) * 1000,
      p99: pick(stdout, /99% in ([\d.]+) secs/) * 1000,
      slowest: pick(stdout, /Slowest:\s+([\d.]+) secs/) * 1000,
      podConcurrencyPanic: mean(decisions.map((d) => d.observedPanic)),
      podConcurrencyStable: mean(decisions.map((d) => d.observedStable)),
      desired: decisions.length ? decisions[decisions.length - 1].desired : NaN,
      panicking: decisions.some((d) => d.panicking),
      podsTimeline: timeline.join(" "),
      podsAfter: serving(),
    };
    process.stdout.write(JSON.stringify(row) + "\n");
  } finally {
    await sim.stop();
  }
}
