// `npm run demo`: the seed's flow as one gate run, and the seed's question answered. Starts the embedded Knative
// simulator (ASK profile, so the reserve pod and eci-profile exist), runs the bundled CLI (dist/cli.js) against
// it on examples/helloworld-service.yaml through the simulator's gateway, prints the terminal report, and stops.
//
// The seed saw 2 pods where it expected 5 (50 connections / target 10). The demo recreates its situation as
// test/sim/README.md measured it: the gateway adds the seed's ~45 ms between client and cluster (the simulator's
// networkLatencyMs), and each request does ~12 ms of work in the pod (a copy of the manifest with the
// simulator's service-time annotation; the seed's file stays as it is). The report's "Why 2 pods?" then explains
// it by Little's law: most of the 50 in-flight requests are on the wire, where the autoscaler does not count them.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { startSimulator } from "../test/sim/index.js";

/** The seed's client-to-cluster distance (its p10 was 40.6 ms for a request that does little work). */
const NETWORK_LATENCY_MS = 45;
/** Work per request in the pod that gives the seed's throughput with that latency (test/sim/README.md). */
const SERVICE_TIME = "12ms";

const work = mkdtempSync(join(tmpdir(), "kpg-demo-"));
const manifest = yaml.load(readFileSync("examples/helloworld-service.yaml", "utf8")) as {
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
};
const template = manifest.spec.template.metadata;
template.annotations = { ...template.annotations, "sim.knative-perf-gate.dev/service-time": SERVICE_TIME };
const serviceFile = join(work, "helloworld-service.yaml");
writeFileSync(serviceFile, yaml.dump(manifest));

const sim = await startSimulator({
  profile: "ask",
  kubeconfig: join(work, "kubeconfig"),
  domain: "example.com",
  networkLatencyMs: NETWORK_LATENCY_MS,
});
console.error(`simulator: API ${sim.apiServer}, gateway ${sim.gateway}`);
console.error(
  `the seed's situation: ${NETWORK_LATENCY_MS} ms from client to cluster (the gateway), ${SERVICE_TIME} of work ` +
    `per request in the pod; examples/helloworld-service.yaml plus that annotation is ${serviceFile}`,
);

const args = [
  "dist/cli.js",
  "run",
  `--service-file=${serviceFile}`,
  "--namespace=demo",
  "--create-namespace",
  `--gateway=${sim.gateway}`,
  "--duration=20s",
  "--connections=50",
  "--warmup=2s",
  "--thresholds=p99 < 500ms; errors < 1%; rps >= 100; pods.max <= 5",
  "--private-zone=enable",
  `--results-file=${join(work, "results.json")}`,
  `--state-file=${join(work, "state.json")}`,
  "--no-comment",
  ...process.argv.slice(2),
];
const child = spawn(process.execPath, args, {
  stdio: "inherit",
  env: { ...process.env, KUBECONFIG: sim.kubeconfig },
});
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
await sim.stop();
console.error(`results: ${join(work, "results.json")} (exit code ${code})`);
process.exit(code);
