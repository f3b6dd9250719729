// What every phase of one run shares: the settings, where it logs, the cancel signal, the cleanup plan (changed
// and saved in one call), the run's lease, and what must be stopped when the run ends however it ends.
import type { Settings } from "../config/settings.js";
import type { RunLease } from "../kube/deploy.js";
import type { ResultsDocument } from "../results.js";
import { runLease } from "./lease.js";
import type { Log } from "./log.js";
import { PlanRecorder, type StateStore } from "./state.js";

export interface GateContext {
  log: Log;
  state: StateStore;
  /** Aborted on SIGINT/SIGTERM: the run stops its current phase and cleans up. */
  signal: AbortSignal;
  github?: ResultsDocument["context"];
}

export interface RunScope {
  settings: Settings;
  log: Log;
  signal: AbortSignal;
  recorder: PlanRecorder;
  lease: RunLease;
  /** Registers something to stop when the run ends (a watch), in whichever phase it ends. */
  defer(stop: () => void): void;
  /** Stops everything deferred, once. */
  dispose(): void;
}

export function openScope(settings: Settings, ctx: GateContext, startedAt: Date): RunScope {
  const lease = runLease(settings, startedAt);
  const recorder = new PlanRecorder(
    {
      namespace: settings.namespace,
      service: settings.serviceName,
      teardown: settings.teardown,
      deleteService: false,
      deleteNamespace: false,
      runId: lease.id,
      ...(settings.abBaseline
        ? { baseline: { service: settings.abBaseline.serviceName, deleteService: false } }
        : {}),
      done: false,
    },
    ctx.state,
  );
  const stops: Array<() => void> = [];
  return {
    settings,
    log: ctx.log,
    signal: ctx.signal,
    recorder,
    lease,
    defer: (stop) => void stops.push(stop),
    dispose: () => stops.splice(0).forEach((stop) => stop()),
  };
}
