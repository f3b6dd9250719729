// How the benchmark runs the gate and the manual flow on the Knative simulator (figures 3 and 4, bench/gate.ts).
// Not wired yet: the simulator and the pipeline are built alongside the benchmark. To wire it, export a
// GateWiring whose runGate starts the simulator (or reuses one), runs the pipeline with the given load duration
// against examples/helloworld-service.yaml and returns its wall time, load time and the simulator's API request
// count for the run (`/sim/requests`); and whose runManual does kubectl apply, kubectl wait
// --for=condition=Ready, hey for the same duration and kubectl delete against the same simulator.
import type { GateWiring } from "./gate.js";

export const gateWiring: GateWiring | undefined = undefined;
