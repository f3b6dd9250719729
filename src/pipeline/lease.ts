// A run's claim on the Services it manages (see kube/deploy.ts): an id written on each Service, and a time after
// which a Service left by a run that died without cleaning up may be taken over by the next run.
import { randomUUID } from "node:crypto";
import type { Settings } from "../config/settings.js";
import type { RunLease } from "../kube/deploy.js";
import { loadBoundMs } from "./capacity.js";

// Past the phases' own bounds: time for cleanup, and for a slow API server.
const LEASE_MARGIN_MS = 5 * 60 * 1000;

/** This run's claim: long enough for every phase at its configured bound. */
export function runLease(settings: Settings, startedAt: Date): RunLease {
  // Waits before the deploy count too: for a Terminating namespace (bounded by ready-timeout) and for another
  // run's lease (lease-wait); the lease is written once, at the start, so it must outlast them.
  const waits = (settings.createNamespace ? settings.readyTimeoutMs : 0) + settings.leaseWaitMs;
  const phases =
    waits +
    settings.readyTimeoutMs +
    (settings.coldStart ? settings.coldStartTimeoutMs : 0) +
    settings.load.warmupMs +
    loadBoundMs(settings);
  return { id: randomUUID(), until: new Date(startedAt.getTime() + phases + LEASE_MARGIN_MS) };
}
