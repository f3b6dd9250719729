// What cleanup must undo, saved as soon as it is known: the action keeps it in the step's state for the post
// step (src/action-state.ts), the CLI in a file. Each change is saved before the write it
// describes, so a run cancelled at any point leaves a plan that covers it.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import type { Teardown } from "../config/settings.js";
import type { PrivateZoneChange } from "../kube/private-zone.js";
import type { ClusterLoadNames } from "../load/cluster/index.js";

export interface CleanupPlan {
  namespace: string;
  service: string;
  teardown: Teardown;
  /** The Service is ours (created by this tool), so teardown may delete it. */
  deleteService: boolean;
  /** This run's id, written on the Service: teardown deletes it only while it still names this run. */
  runId?: string;
  /** This run is registered on a namespace this tool created (pipeline/sharing.ts): the last run out deletes it. */
  deleteNamespace: boolean;
  privateZone?: PrivateZoneChange;
  /** A/B: the baseline Service, named here before it exists; deleteService as for the candidate. */
  baseline?: { service: string; deleteService: boolean };
  /** The load workers' Job and ConfigMap (load-from: cluster), named before they are created. */
  clusterLoad?: ClusterLoadNames;
  /** Set once the gate finished and judged; on-success teardown needs it. */
  passed?: boolean;
  /** Cleanup has run: the post step then does nothing. */
  done: boolean;
}

export interface StateStore {
  save(plan: CleanupPlan): void;
  load(): CleanupPlan | undefined;
}

/**
 * The run's plan and its store as one: every change is saved in the same call that makes it, so no phase can
 * change the plan and forget to save it before its write.
 */
export class PlanRecorder {
  readonly #plan: CleanupPlan;

  constructor(
    plan: CleanupPlan,
    private readonly store: StateStore,
  ) {
    this.#plan = { ...plan };
  }

  get plan(): Readonly<CleanupPlan> {
    return this.#plan;
  }

  record(patch: Partial<CleanupPlan>): void {
    Object.assign(this.#plan, patch);
    this.store.save(this.#plan);
  }
}

export function fileState(path: string): StateStore & { clear(): void } {
  return {
    save(plan) {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    },
    load: () => (existsSync(path) ? parsePlan(readFileSync(path, "utf8")) : undefined),
    clear: () => rmSync(path, { force: true }),
  };
}

/** A saved plan, or undefined when there is none (empty text) or it names no Service. */
export function parsePlan(text: string): CleanupPlan | undefined {
  if (!text) return undefined;
  const plan = JSON.parse(text) as CleanupPlan;
  return typeof plan.namespace === "string" && typeof plan.service === "string" ? plan : undefined;
}
