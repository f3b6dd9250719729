// The one typed configuration of a gate run. Both adapters (action inputs, CLI flags) produce it through
// parseSettings(); nothing downstream reads raw inputs again.
import type { ResultsDocument } from "../results.js";
import type { ThresholdRule } from "../verdict/rules.js";

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

export interface RegressionRule {
  /** A metric name of the threshold language, e.g. "p99" or "rps". */
  metric: string;
  /** Allowed worsening in percent of the baseline value. */
  percent: number;
}

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
}

export interface Settings {
  serviceFile: string;
  manifest: KnativeServiceManifest;
  serviceName: string;
  namespace: string;
  image?: string;
  /** Kubeconfig file content; when absent the client's defaults apply (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig?: string;
  createNamespace: boolean;
  /** Opt-in to update a Service that exists and was not created by this tool. It is never deleted. */
  updateExisting: boolean;
  readyTimeoutMs: number;
  /** Load target: an explicit URL, or a gateway address to send to with the service's Host header. */
  url?: string;
  gateway?: string;
  request: RequestSettings;
  load: LoadSettings;
  loadFrom: LoadFrom;
  /** Worker pods sharing the load (always 1 from the runner). */
  loadWorkers: number;
  loadWorkerImage: string;
  /** From creating the workers' Job to their common start: time to schedule the pods and pull the image. */
  loadStartDelayMs: number;
  coldStart: boolean;
  /** Upper bound on waiting for the revision to scale to zero before a cold-start probe. */
  coldStartTimeoutMs: number;
  thresholds: ThresholdRule[];
  /** Path of a previous results file to compare against. */
  baseline?: string;
  /** That file, read and validated with the other inputs (before any cluster call). */
  baselineDocument?: ResultsDocument;
  maxRegression: RegressionRule[];
  comment: boolean;
  githubToken?: string;
  teardown: Teardown;
  privateZone: PrivateZone;
  resultsFile: string;
  /** github-action-benchmark files to write (report/benchmark-file.ts); undefined: none. */
  benchmarkFile?: string;
  failOnThreshold: boolean;
}
