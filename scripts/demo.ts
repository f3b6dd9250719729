// `npm run demo`: the seed's flow as one gate run. Starts the embedded Knative simulator (ASK profile, so the
// reserve pod and eci-profile exist), runs the bundled CLI (dist/cli.js) against it on
// examples/helloworld-service.yaml through the simulator's gateway, prints the report, and stops.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../test/sim/index.js";

const work = mkdtempSync(join(tmpdir(), "kpg-demo-"));
const sim = await startSimulator({
  profile: "ask",
  kubeconfig: join(work, "kubeconfig"),
  domain: "example.com",
});
console.error(`simulator: API ${sim.apiServer}, gateway ${sim.gateway}`);

const args = [
  "dist/cli.js",
  "run",
  "--service-file=examples/helloworld-service.yaml",
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
