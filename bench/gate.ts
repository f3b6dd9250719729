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
  /** API requests of each gate run (the API economy figure reuses them for this load duration). */
  gateApiRequests?: number[];
  /** Median gate overhead over median manual overhead; the target is ≤ 1.0. */
  ratio: number;
}

export interface ApiEconomyResult {
  /** `reused`: counted in a gate overhead run of the same load duration rather than in a run of its own. */
  requestsByDuration: Array<{ loadDurationS: number; apiRequests: number; reused?: boolean }>;
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
  const apiRequests: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which flow goes first so neither always meets a warmer simulator.
    const flows = [
      async () => {
        const t = await wiring.runGate(loadDurationS, services);
        gate.push(Math.round(t.wallMs - t.loadMs));
        apiRequests.push(t.apiRequests);
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
    gateApiRequests: apiRequests,
    ratio: ratio(median(gate), median(manual)),
  };
}

/**
 * `measured`: a single-Service gate overhead result; a load duration it ran is not run again (its last gate run
 * made the same requests a run of its own would), which keeps `--quick` under its three minutes.
 */
export async function benchApiEconomy(
  wiring: GateWiring,
  log: (line: string) => void,
  measured?: GateOverheadResult,
): Promise<ApiEconomyResult> {
  const requestsByDuration: ApiEconomyResult["requestsByDuration"] = [];
  for (const loadDurationS of wiring.economyDurationsS) {
    const known =
      measured && (measured.services ?? 1) === 1 && measured.loadDurationS === loadDurationS
        ? measured.gateApiRequests?.at(-1)
        : undefined;
    const apiRequests = known ?? (await wiring.runGate(loadDurationS)).apiRequests;
    requestsByDuration.push({ loadDurationS, apiRequests, ...(known === undefined ? {} : { reused: true }) });
    log(
      `API economy: ${loadDurationS} s of load → ${apiRequests} API requests` +
        (known === undefined ? "" : " (the last gate overhead run)"),
    );
  }
  const counts = requestsByDuration.map((r) => r.apiRequests);
  return { requestsByDuration, growth: ratio(Math.max(...counts), Math.min(...counts)) };
}
