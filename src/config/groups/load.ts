// The load (duration, connections, rate, request cap, warm-up), where it comes from (the runner or worker pods
// in the cluster) and the cold-start measurement. Rules across these inputs are in cross-check.ts.
import { availableParallelism } from "node:os";
import { InputError } from "../errors.js";
import { isValid, type Draft, type InputReader } from "../input-reader.js";
import { imageProblem } from "../names.js";
import { LIMITS, LOAD_FROM_CHOICES } from "../limits.js";
import type { LoadGroupSettings, LoadSettings, LoadStage } from "../settings.js";
import { parseStages } from "../stages.js";
import { parseCapacitySearch } from "../capacity-search.js";
import { parseDuration, parseEnum, parseInteger } from "../values.js";

/** The load settings stay a draft of their own: the cross-checks read connections and requests from it. */
export type LoadDraft = Draft<Omit<LoadGroupSettings, "load">> & { load: Draft<LoadSettings> };

export function parseLoadGroup(inputs: InputReader): LoadDraft {
  const duration = (
    name: "duration" | "warmup" | "cold-start-timeout" | "load-start-delay",
    limits: Limits,
  ) => inputs.check(() => parseDuration(name, inputs.value(name), limits));
  const connections = inputs.check(() =>
    parseInteger("connections", inputs.value("connections"), LIMITS.connections),
  );
  const stages = inputs.optional("stages", (text) => parseStages(text));
  const staged = isValid(stages) ? stages : undefined;
  return {
    // A staged load lasts as long as its stages together and uses at most its largest stage's connections (an
    // open-loop stage uses the connections input): what the lease, the log and the settings record go by.
    load: {
      durationMs: staged
        ? staged.reduce((sum, s) => sum + s.durationMs, 0)
        : duration("duration", LIMITS.duration),
      connections: staged && isValid(connections) ? stagedConnections(staged, connections) : connections,
      rate: inputs.optional("rate", (text) => parseInteger("rate", text.replace(/\s*\/s$/, ""), LIMITS.rate)),
      requests: inputs.optional("requests", (text) => parseInteger("requests", text, LIMITS.requests)),
      warmupMs: duration("warmup", LIMITS.warmup),
      threads: inputs.check(() =>
        parseThreads(
          inputs.value("load-threads"),
          isLoopback(inputs.value("url") || inputs.value("gateway")),
        ),
      ),
    },
    stages,
    capacitySearch: inputs.optional("capacity-search", (text) => parseCapacitySearch(text)),
    loadFrom: inputs.check(() => parseEnum("load-from", inputs.value("load-from"), LOAD_FROM_CHOICES)),
    loadWorkers: inputs.check(() =>
      parseInteger("load-workers", inputs.value("load-workers"), LIMITS.loadWorkers),
    ),
    loadWorkerImage: inputs.check(() => {
      const image = inputs.value("load-worker-image");
      const problem = imageProblem(image);
      if (problem) {
        throw new InputError("load-worker-image", problem, {
          hint: "any image with node on its PATH, e.g. node:24-alpine or registry.example.com/mirror/node:24",
        });
      }
      return image;
    }),
    loadStartDelayMs: duration("load-start-delay", LIMITS.loadStartDelay),
    coldStart: inputs.bool("cold-start"),
    coldStartTimeoutMs: duration("cold-start-timeout", LIMITS.coldStartTimeout),
  };
}

type Limits = { minMs: number; maxMs: number };

/** The most connections any stage holds open: its own for a closed-loop stage, the connections input for a rate. */
export function stagedConnections(stages: LoadStage[], connections: number): number {
  return Math.max(...stages.map((s) => s.connections ?? connections));
}

/**
 * `auto`: one thread per core this process may use (capped at the input's maximum), or one when the load goes to
 * this machine: a target on loopback needs those cores itself, and a second event loop of ours only competed
 * with it (bench/README.md, measured against nginx on 2 cores).
 */
function parseThreads(text: string, loopbackTarget: boolean): number {
  if (text.trim().toLowerCase() === "auto") {
    return loopbackTarget ? 1 : Math.min(LIMITS.loadThreads.max, Math.max(1, availableParallelism()));
  }
  try {
    return parseInteger("load-threads", text, LIMITS.loadThreads);
  } catch (error) {
    if (error instanceof InputError)
      throw new InputError("load-threads", error.problem, {
        hint: `use auto or ${(error.hint ?? "").replace(/^use /, "")}`,
      });
    throw error;
  }
}

/**
 * Whether the url or gateway input names this machine: localhost, 127.0.0.0/8 or ::1. Other names are not
 * resolved here (config does no I/O); without either input the load goes to the Service's own URL.
 */
export function isLoopback(address: string): boolean {
  const text = address.trim();
  if (!text) return false;
  let host: string;
  try {
    host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`).hostname;
  } catch {
    return false;
  }
  host = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  // URL has already normalised the address: IPv4 in dotted decimal, IPv6 compressed.
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return host.startsWith("127.");
  return host === "::1";
}
