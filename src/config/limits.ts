// The accepted range of each numeric input and the choices of each enumerated one; the README and --help quote
// them through the inputs table's descriptions.
import { MAX_WORKERS } from "../worker-limits.js";
import type { LoadFrom, PrivateZone, Teardown } from "./settings.js";

export const LIMITS = {
  readyTimeout: { minMs: 1000, maxMs: 3_600_000 },
  podProblemWindow: { minMs: 1000, maxMs: 600_000 },
  leaseWait: { minMs: 0, maxMs: 3_600_000 },
  duration: { minMs: 1000, maxMs: 3_600_000 },
  warmup: { minMs: 0, maxMs: 600_000 },
  requestTimeout: { minMs: 1, maxMs: 600_000 },
  coldStartTimeout: { minMs: 1000, maxMs: 3_600_000 },
  connections: { min: 1, max: 10_000 },
  rate: { min: 1, max: 1_000_000 },
  requests: { min: 1, max: 100_000_000 },
  loadWorkers: { min: 1, max: MAX_WORKERS },
  loadThreads: { min: 1, max: 64 },
  loadStartDelay: { minMs: 1000, maxMs: 600_000 },
  bodyBytes: 1024 * 1024,
} as const;

/** A capacity search runs at most this many steps of `duration` each (so at most 1h: duration <= 5m). */
export const MAX_CAPACITY_STEPS = 12;

export const TEARDOWN_CHOICES: readonly Teardown[] = ["always", "on-success", "never"];
export const PRIVATE_ZONE_CHOICES: readonly PrivateZone[] = ["keep", "enable", "disable"];
export const LOAD_FROM_CHOICES: readonly LoadFrom[] = ["runner", "cluster"];

/** The CLI's --output formats: a terminal summary, the report's Markdown, or the results document. */
export type OutputFormat = "text" | "markdown" | "json";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["text", "markdown", "json"];
