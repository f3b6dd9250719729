// `npm run sim -- [--port N] [--gateway-port N] [--kubeconfig FILE] [--profile ask] [--time-scale X]
// [--domain D]`: starts the simulator, prints one JSON line {"apiServer","gateway","kubeconfig"} and runs until
// SIGINT/SIGTERM, then closes every socket and pod server.
import { parseArgs } from "node:util";
import { startSimulator, type SimulatorOptions } from "./index.js";
import { parseDuration } from "./knative/autoscaler-config.js";

const USAGE =
  "usage: sim [--port N] [--gateway-port N] [--kubeconfig FILE] [--profile default|ask|realistic] [--time-scale X] [--domain D] [--node-capacity N] " +
  "[--scheduling-delay D] [--image-pull-time D] [--container-start-time D] [--probe-period D] [--ingress-delay D] " +
  "[--noise-slowdown X [--noise-every D] [--noise-for D] [--noise-seed N]]";

function fail(message: string): never {
  process.stderr.write(`sim: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function port(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`--${name}: "${v}" is not a port number (0-65535)`);
  return n;
}

function parseSimArgs(argv: string[]): SimulatorOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        "gateway-port": { type: "string" },
        kubeconfig: { type: "string" },
        profile: { type: "string" },
        "time-scale": { type: "string" },
        domain: { type: "string" },
        "node-capacity": { type: "string" },
        "scheduling-delay": { type: "string" },
        "image-pull-time": { type: "string" },
        "container-start-time": { type: "string" },
        "probe-period": { type: "string" },
        "ingress-delay": { type: "string" },
        "noise-slowdown": { type: "string" },
        "noise-every": { type: "string" },
        "noise-for": { type: "string" },
        "noise-seed": { type: "string" },
        verbose: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const profile = values.profile ?? "default";
  if (profile !== "default" && profile !== "ask" && profile !== "realistic")
    fail(`--profile: "${profile}" is not one of default, ask, realistic`);
  const delay = (flag: string): number | undefined => {
    const v = values[flag as keyof typeof values] as string | undefined;
    if (v === undefined) return undefined;
    const ms = parseDuration(v.trim());
    if (!Number.isFinite(ms)) fail(`--${flag}: "${v}" is not a duration such as 500ms or 3s`);
    return ms;
  };
  const delays = {
    schedulingMs: delay("scheduling-delay"),
    imagePullMs: delay("image-pull-time"),
    containerStartMs: delay("container-start-time"),
    readinessProbePeriodMs: delay("probe-period"),
    ingressReadyMs: delay("ingress-delay"),
  };
  let timeScale: number | undefined;
  if (values["time-scale"] !== undefined) {
    timeScale = Number(values["time-scale"]);
    if (!(timeScale > 0))
      fail(`--time-scale: "${values["time-scale"]}" must be a positive number such as 0.1`);
  }
  let nodeCapacity: number | undefined;
  if (values["node-capacity"] !== undefined) {
    nodeCapacity = Number(values["node-capacity"]);
    if (!Number.isInteger(nodeCapacity) || nodeCapacity < 0)
      fail(`--node-capacity: "${values["node-capacity"]}" must be a whole number of pods such as 3`);
  }
  let noise: SimulatorOptions["noise"];
  if (values["noise-slowdown"] !== undefined) {
    const slowdown = Number(values["noise-slowdown"]);
    if (!(slowdown > 1))
      fail(`--noise-slowdown: "${values["noise-slowdown"]}" must be a factor above 1 such as 3`);
    const seed = Number(values["noise-seed"] ?? "1");
    if (!Number.isInteger(seed)) fail(`--noise-seed: "${values["noise-seed"]}" must be a whole number`);
    noise = { slowdown, everyMs: delay("noise-every") ?? 30_000, forMs: delay("noise-for") ?? 5_000, seed };
  }
  return {
    noise,
    nodeCapacity,
    delays,
    port: port("port", values.port),
    gatewayPort: port("gateway-port", values["gateway-port"]),
    kubeconfig: values.kubeconfig,
    profile,
    timeScale,
    domain: values.domain,
    log: values.verbose ? (line) => process.stderr.write(`sim: ${line}\n`) : undefined,
  };
}

const sim = await startSimulator(parseSimArgs(process.argv.slice(2)));
process.stdout.write(
  JSON.stringify({
    apiServer: sim.apiServer,
    gateway: sim.gateway,
    internalGateway: sim.internalGateway,
    kubeconfig: sim.kubeconfig,
  }) + "\n",
);
let stopping = false;
const shutdown = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`sim: ${signal}, stopping\n`);
  void sim.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
