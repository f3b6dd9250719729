// Figures 3 and 4 measure the whole gate on the Knative simulator, so they take the gate and the manual flow as
// functions (bench/gate-wiring.ts provides them) rather than knowing how either is run.
//   3. Gate overhead: wall time of the gate minus its load duration, against the manual flow
//      (kubectl apply, kubectl wait --for=condition=Ready, hey, kubectl delete) on the same simulator; and the
//      same for an A/B run (two Services, issue 16) against the manual flow for two Services.
//   4. API economy: API requests of one gate run as the load duration grows; polling would grow with it.
import { median } from "./lib/process.js";
import { ratio } from "./throughput.js";

export interface FlowTiming {
  /** Wall time of the whole flow, ms. */
  wallMs: number;
  /** Of which the load itself, ms (subtracted to get the overhead). */
  loadMs: number;
}

/** One Service, or two: an A/B gate run (candidate and baseline) and the manual flow for two Services. */
export type Services = 1 | 2;

export interface GateWiring {
  /**
   * Runs the whole gate once (deploy → Ready → load → verdict → teardown) with this load duration; with two
   * services, an A/B run whose baseline is the same image (both loaded at the same time, as the gate does).
   */
  runGate(loadDurationS: number, services?: Services): Promise<FlowTiming & { apiRequests: number }>;
  /**
   * Runs the manual flow once with the same service and load duration; with two services, each command for both
   * (one kubectl apply, one kubectl wait, two hey at once, one kubectl delete).
   */
  runManual(loadDurationS: number, services?: Services): Promise<FlowTiming>;
  /** Load durations for the API economy figure, e.g. [10, 60, 300] (in the simulator's scaled time). */
  economyDurationsS: number[];
}

export interface GateOverheadResult {
  /** Services per run: 1, or 2 for the A/B row. Absent in records from before the A/B row (1). */
  services?: Services;
  loadDurationS: number;
  rounds: number;
  gateOverheadMs: number[];
  manualOverheadMs: number[];
  /** Median gate overhead over median manual overhead; the target is ≤ 1.0. */
  ratio: number;
}

export interface ApiEconomyResult {
  requestsByDuration: Array<{ loadDurationS: number; apiRequests: number }>;
  /** Most requests over fewest across durations; flat is ≈ 1. */
  growth: number;
}

export async function benchGateOverhead(
  wiring: GateWiring,
  loadDurationS: number,
  rounds: number,
  log: (line: string) => void,
  services: Services = 1,
): Promise<GateOverheadResult> {
  const gate: number[] = [];
  const manual: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which flow goes first so neither always meets a warmer simulator.
    const flows = [
      async () => {
        const t = await wiring.runGate(loadDurationS, services);
        gate.push(Math.round(t.wallMs - t.loadMs));
      },
      async () => {
        const t = await wiring.runManual(loadDurationS, services);
        manual.push(Math.round(t.wallMs - t.loadMs));
      },
    ];
    for (const flow of round % 2 ? flows.reverse() : flows) await flow();
    const what = services === 2 ? "gate overhead, A/B" : "gate overhead";
    log(`${what} round ${round + 1}: gate ${gate.at(-1)} ms, manual ${manual.at(-1)} ms`);
  }
  return {
    services,
    loadDurationS,
    rounds,
    gateOverheadMs: gate,
    manualOverheadMs: manual,
    ratio: ratio(median(gate), median(manual)),
  };
}

export async function benchApiEconomy(
  wiring: GateWiring,
  log: (line: string) => void,
): Promise<ApiEconomyResult> {
  const requestsByDuration: ApiEconomyResult["requestsByDuration"] = [];
  for (const loadDurationS of wiring.economyDurationsS) {
    const { apiRequests } = await wiring.runGate(loadDurationS);
    requestsByDuration.push({ loadDurationS, apiRequests });
    log(`API economy: ${loadDurationS} s of load → ${apiRequests} API requests`);
  }
  const counts = requestsByDuration.map((r) => r.apiRequests);
  return { requestsByDuration, growth: ratio(Math.max(...counts), Math.min(...counts)) };
}
