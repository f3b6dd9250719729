// The one typed configuration of a gate run. Both adapters (action inputs, CLI flags) produce it through
// parseSettings(); nothing downstream reads raw inputs again.
import type { ResultsDocument } from "../results.js";
import type { RegressionRule, ThresholdRule } from "../metrics.js";

export type Teardown = "always" | "on-success" | "never";
export type PrivateZone = "keep" | "enable" | "disable";
/** Where the load comes from: the runner itself, or worker pods of a Job in the cluster. */
export type LoadFrom = "runner" | "cluster";

/** A Knative Service manifest after validation and overrides (name, namespace, image). */
export interface KnativeServiceManifest {
  apiVersion: "serving.knative.dev/v1";
  kind: "Service";
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    template: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: { containers: Array<{ image?: string; [key: string]: unknown }>; [key: string]: unknown };
    };
    [key: string]: unknown;
  };
}

export type { RegressionRule } from "../metrics.js";

export interface RequestSettings {
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface LoadSettings {
  durationMs: number;
  connections: number;
  /** Requests per second across all connections; undefined means closed loop (as fast as answers come). */
  rate?: number;
  /** Stop after this many requests even if the duration has not elapsed. */
  requests?: number;
  warmupMs: number;
  /** Event loops (worker threads) the runner's load runs on; 1 (or unset) runs it on the main thread. */
  threads?: number;
}

/**
 * One step of a staged load (the stages input): its level held for its whole duration. Exactly one of
 * connections (closed loop) and rate (open loop, over the connections input's connections) is set.
 */
export interface LoadStage {
  /** As written, without spaces, e.g. "30s:10" or "1m:500/s". */
  source: string;
  durationMs: number;
  connections?: number;
  rate?: number;
}

/** The Service under test: its manifest after the overrides, and where it goes. */
export interface ServiceSettings {
  serviceFile: string;
  manifest: KnativeServiceManifest;
  serviceName: string;
  namespace: string;
  image?: string;
}

/** How the cluster is reached and what the run may change in it. */
export interface ClusterSettings {
  /** Kubeconfig file content; when absent the client's defaults apply (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig?: string;
  createNamespace: boolean;
  /** Opt-in to update a Service that exists and was not created by this tool. It is never deleted. */
  updateExisting: boolean;
  /** How long to wait for another run's lease on the same Service to end; 0: refuse at once. */
  leaseWaitMs: number;
  readyTimeoutMs: number;
  /** How long a pod may be unable to start before the Ready wait fails with its reason. */
  podProblemWindowMs: number;
  privateZone: PrivateZone;
}

/** Load target: an explicit URL, or a gateway address to send to with the service's Host header. */
export interface TargetSettings {
  url?: string;
  gateway?: string;
}

/** The load and the cold-start measurement. */
export interface LoadGroupSettings {
  load: LoadSettings;
  /**
   * A stepped load (the stages input), replacing duration, connections and rate: then load.durationMs is their
   * total and load.connections the most any stage uses. undefined: one constant load.
   */
  stages?: LoadStage[];
  /** The capacity-search input's rules: search for the highest rate under which they all hold (load/capacity.ts). */
  capacitySearch?: ThresholdRule[];
  loadFrom: LoadFrom;
  /** Worker pods sharing the load (always 1 from the runner). */
  loadWorkers: number;
  loadWorkerImage: string;
  /** From creating the workers' Job to their common start: time to schedule the pods and pull the image. */
  loadStartDelayMs: number;
  coldStart: boolean;
  /** Upper bound on waiting for the revision to scale to zero before a cold-start probe. */
  coldStartTimeoutMs: number;
}

/** What the run is judged by. */
export interface VerdictSettings {
  thresholds: ThresholdRule[];
  /** Path of a previous results file to compare against. */
  baseline?: string;
  /** That file, read and validated with the other inputs (before any cluster call). */
  baselineDocument?: ResultsDocument;
  maxRegression: RegressionRule[];
  failOnThreshold: boolean;
}

/** An A/B run's baseline Service: deployed beside the candidate, in its namespace, and loaded at the same time. */
export interface BaselineService {
  serviceFile: string;
  manifest: KnativeServiceManifest;
  serviceName: string;
  image?: string;
}

/** How a candidate is compared with a baseline (A/B, or a baseline results file). */
export interface ComparisonSettings {
  abBaseline?: BaselineService;
  /** Confidence level of the intervals, 0..1. */
  confidence: number;
  onInconclusive: "pass" | "fail";
}

/** What happens after the run: the report and the cleanup. */
export interface ReportSettings {
  comment: boolean;
  githubToken?: string;
  teardown: Teardown;
  resultsFile: string;
  /** github-action-benchmark files to write (report/benchmark-file.ts); undefined: none. */
  benchmarkFile?: string;
}

export interface Settings
  extends
    ServiceSettings,
    ClusterSettings,
    TargetSettings,
    LoadGroupSettings,
    VerdictSettings,
    ComparisonSettings,
    ReportSettings {
  request: RequestSettings;
}

/** What the post step and the `cleanup` command need: how to reach the cluster (kubeconfig as in Settings). */
export interface CleanupSettings {
  kubeconfig?: string;
}
