// The results document: the one record of a gate run. The pipeline fills it, the verdict judges it, the report
// renders it, and a later run reads it back as its baseline. Its schema is versioned; see the README.

export const RESULTS_SCHEMA = "knative-perf-gate/results";
export const RESULTS_SCHEMA_VERSION = 1;

export interface LatencySummary {
  /**
   * Milliseconds, from the HDR histogram of every measured (non-warm-up) request. All 0 when no request was
   * answered (requests 0): then the latency was not measured, and rules on it fail (verdict/evaluate.ts).
   */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface ErrorSummary {
  total: number;
  /** errors.total / sent (requests + connection errors + timeouts); 0..1, and 0 when nothing was sent. */
  rate: number;
  /** Non-2xx/3xx responses by status code, e.g. {"503": 12}. */
  byStatus: Record<string, number>;
  /** Requests that reached request-timeout, and those still unanswered when the grace period ended. */
  timeouts: number;
  connectionErrors: number;
}

/** One progress sample, taken every second of the measured load. */
export interface LoadSample {
  /** Seconds since the measured load started. */
  t: number;
  requests: number;
  rps: number;
  /** p99 of the requests completed in this second, ms (0 when none completed). */
  p99: number;
  errors: number;
  /**
   * This second's latencies as sparse [bucket, count] pairs (src/latency-buckets.ts), with their sum in ms and
   * the requests that got no response: what the verdict's confidence intervals resample (absent in older files).
   */
  buckets?: Array<[number, number]>;
  sumMs?: number;
  unanswered?: number;
}

export interface LoadSummary {
  /** Where requests went and the Host header used, if any. */
  target: { url: string; host?: string };
  /** The load's duration: while requests were started (the grace period for those in flight follows it). */
  durationSeconds: number;
  /**
   * Requests started during the measured load: requests + timeouts + connection errors (absent in files written
   * before it was added).
   */
  sent?: number;
  /** Requests answered, with any status (errors included), during the load or its grace period. */
  requests: number;
  /**
   * Requests still in flight when the grace period after the load ended, min(request-timeout, 5 s); counted in
   * errors.timeouts too (absent in older files).
   */
  unanswered?: number;
  /** Answered requests per second of the load's duration. */
  rps: number;
  bytesPerSecond: number;
  latency: LatencySummary;
  errors: ErrorSummary;
  timeline: LoadSample[];
  /** Requests made during the discarded warm-up. */
  warmupRequests: number;
  /** A staged load (the stages input): each stage's own figures, in order (absent for one constant load). */
  stages?: StageSummary[];
  /** The capacity search (the capacity-search input), whose steps are `stages` (absent without it). */
  capacity?: CapacityResult;
  /** Load from the cluster (`load-from: cluster`): each worker pod's own figures, next to the merged ones. */
  workers?: ClusterWorkerSummary[];
}

/** What the capacity search found: the highest rate whose step met every rule, and the pods it took. */
export interface CapacityResult {
  /** The rules each step had to meet, as written. */
  rules: string[];
  /** Requests per second of the highest step that held; null when even the first step broke a rule. */
  highestRate: number | null;
  /** Ready serving pods at most during that step (null: not watched, or no step held). */
  pods: number | null;
  /** The lowest rate that broke a rule, and why; null when none broke (the search ran out of steps or rate). */
  brokeAt: number | null;
  brokeBecause: string | null;
  steps: number;
  /** Why the search stopped: resolution (held and broke within 5 %), steps, max-rate, first-step, aborted. */
  ended: "resolution" | "steps" | "max-rate" | "first-step" | "aborted";
}

/** One stage of a staged load: its level and what it measured on its own. */
export interface StageSummary {
  /** 1 for the first stage: `stage[1].p99` in the threshold language. */
  index: number;
  /** As written in the stages input, e.g. "30s:10" or "1m:500/s". */
  stage: string;
  /** Seconds from the start of the measured load (the first stage) to this stage's start: its timeline offset. */
  start: number;
  durationSeconds: number;
  /** Connections held open: the stage's own (closed loop), or the connections input (open loop). */
  connections: number;
  /** Requests per second asked for (open loop), null for a closed-loop stage. */
  rate: number | null;
  sent: number;
  requests: number;
  rps: number;
  /** Milliseconds, exact (the stage's own HDR histogram); all 0 when nothing was answered. */
  latency: { p50: number; p90: number; p99: number; max: number };
  /** errors.total counts failed answers (non-2xx/3xx), timeouts and connection errors. */
  errors: { total: number; rate: number; timeouts: number; connectionErrors: number };
  /** Ready serving pods during the stage (sampled each second) and at its end; null when not watched. */
  pods: { max: number; final: number } | null;
  /** When the stage started (ISO 8601, ms): where its change is measured from. */
  startedAt: string;
  /** How Knative answered the step into this stage (every stage but the first; absent when not measured). */
  change?: StageChange;
}

/**
 * The autoscaler's answer to a stage change, in seconds from the stage's start: its first new decision
 * (PodAutoscaler status.desiredScale), the Ready pods reaching it, and p99 settling. null: did not happen within
 * the stage (or could not be seen: then `note` says why).
 */
export interface StageChange {
  /** The autoscaler's desired scale when the stage started (null: unknown). */
  desiredBefore: number | null;
  /** Its first different decision within the stage, and when. */
  desired: number | null;
  decisionSeconds: number | null;
  /** The highest desired scale within the stage, and when the autoscaler first wanted it (null: no decision). */
  desiredMax: number | null;
  desiredMaxSeconds?: number | null;
  /** Until Ready serving pods reached `desired` (at least it when scaling up, at most it when scaling down). */
  readySeconds: number | null;
  /**
   * Until p99 was back within the stage's steady band for good: every later second's p99 at most 1.5 × (or
   * 1 ms above, if more) the upper median p99 of the stage's second half, `steadyP99` (ms).
   */
  p99Seconds: number | null;
  steadyP99: number | null;
  note?: string;
}

/** One worker pod of a cluster load: its own figures, for spotting a slow node or a late pod. */
export interface ClusterWorkerSummary {
  /** The pod's JOB_COMPLETION_INDEX. */
  index: number;
  pod: string;
  node?: string;
  requests: number;
  rps: number;
  errors: number;
  /** Milliseconds. */
  latency: { p50: number; p99: number; max: number };
  /** How long after the common start its measured phase began, ms (0 when on time). */
  lateMs: number;
}

/** Pods of the service at one second of the run. */
export interface PodSample {
  /** Seconds since the pod watch started. */
  t: number;
  /** Ready pods of the revision's Deployment (not reserve pods). */
  serving: number;
  /** Ready ASK reserve pods (`<rev>-deployment-reserve-...`). */
  reserve: number;
  /** Pods with a deletionTimestamp. */
  terminating: number;
  /** Pods that exist but are not ready yet. */
  pending: number;
  /**
   * The autoscaler's decision at this second: the revision's PodAutoscaler status.desiredScale (absent when
   * it was not watched, e.g. RBAC, or had not decided yet, and in older files).
   */
  desired?: number;
}

export interface PodSummary {
  /** When the pod watch started (ISO 8601, ms): the timeline's t = 0 (absent in older files). */
  startedAt?: string;
  max: { serving: number; reserve: number };
  final: { serving: number; reserve: number };
  timeline: PodSample[];
  /**
   * What Knative's autoscaler should want, from the revision's annotations and the cluster's ConfigMaps (see
   * kube/autoscaling.ts, report/explain.ts).
   */
  autoscaling: {
    /**
     * The KPA's per-pod target before utilization: autoscaling.knative.dev/target (capped by a non-zero
     * containerConcurrency), else containerConcurrency, else config-autoscaler's
     * container-concurrency-target-default (requests-per-second-target-default for metric rps), 100 upstream.
     * For the HPA class: the HPA's target in its metric's unit (CPU: percent of the CPU request).
     */
    target: number;
    /** autoscaling.knative.dev/target-utilization-percentage, else container-concurrency-target-percentage, 70 upstream. */
    utilizationPercent: number;
    minScale: number;
    maxScale: number;
    /** autoscaling.knative.dev/class, else config-autoscaler's pod-autoscaler-class (absent in older documents). */
    class?: string;
    /** autoscaling.knative.dev/metric, else the class's default: concurrency (KPA) or cpu (HPA). */
    metric?: string;
    /** config-autoscaler's enable-scale-to-zero (false: the KPA keeps at least one pod). */
    scaleToZero?: boolean;
    /** Where each value came from. */
    sources?: Record<AutoscalingSetting, AutoscalingValueSource>;
    /** Whether the cluster's ConfigMaps could be read; when not, upstream's defaults were assumed. */
    clusterConfig?: Record<"config-autoscaler" | "config-defaults", ConfigMapStatus>;
  };
}

export type AutoscalingSetting =
  "target" | "utilizationPercent" | "minScale" | "maxScale" | "class" | "metric" | "scaleToZero";

/**
 * Where an autoscaling value came from: the revision template's annotation, its spec (containerConcurrency),
 * the cluster's ConfigMap in knative-serving, or upstream's default (the ConfigMap does not set it, or could
 * not be read: see clusterConfig).
 */
export interface AutoscalingValueSource {
  from: "annotation" | "spec" | "cluster" | "default";
  /**
   * The annotation ("autoscaling.knative.dev/target"), spec field ("containerConcurrency") or ConfigMap key
   * ("config-autoscaler/container-concurrency-target-default"); null for a default.
   */
  key: string | null;
}

/**
 * read; forbidden (403: the optional grant is missing); not-found (404); failed (any other answer); not-read
 * (the run did not try).
 */
export type ConfigMapStatus = "read" | "forbidden" | "not-found" | "failed" | "not-read";

export interface ColdStartSummary {
  /** Time from sending the first request (revision at zero pods) to its response, ms. */
  firstResponseMs: number;
  /** Time from sending the first request until a serving pod was Ready, ms (undefined if not observed). */
  podReadyMs?: number;
  status: number;
  /** How long we waited for the revision to reach zero pods first, ms. */
  scaleToZeroWaitMs: number;
  /**
   * Set when the request got no complete response (why: a timeout, a reset …): then cold start was not
   * measured, firstResponseMs is how long it waited, status 0, and the run fails.
   */
  unanswered?: string;
}

export interface RuleVerdict {
  rule: string;
  metric: string;
  operator: string;
  /** Normalized limit (ms, fraction, per second, count) and how to display it. */
  limit: number;
  limitText: string;
  observed: number | null;
  observedText: string;
  passed: boolean;
  /** Why a rule could not be judged, e.g. cold-start not measured. */
  note?: string;
}

export interface RegressionVerdict {
  metric: string;
  baseline: number;
  /** NaN (null in JSON) when this run did not measure the metric; `note` says why. */
  current: number;
  /**
   * Positive means worse, in percent of the baseline. Infinity (null in JSON) when the baseline was 0 and the
   * metric got worse; NaN (null in JSON) when not measured.
   */
  changePercent: number;
  allowedPercent: number;
  passed: boolean;
  /** Why a comparison could not be made as a percentage, e.g. not measured, or a baseline of 0. */
  note?: string;
}

export interface ServiceFacts {
  name: string;
  namespace: string;
  url: string;
  revision: string;
  generation: number;
  readySeconds: number;
  /** True when this run created the Service (and so may delete it). */
  created: boolean;
  image: string;
}

/** The baseline side of an A/B run: deployed beside the candidate and loaded at the same time. */
export interface BaselineRun {
  service: ServiceFacts;
  load: LoadSummary | null;
  pods: PodSummary | null;
  coldStart: ColdStartSummary | null;
}

/** One metric of a comparison: candidate against baseline with its confidence interval. */
export interface ComparedMetricResult {
  metric: "p50" | "p90" | "p99" | "mean" | "rps" | "errors";
  baseline: number;
  candidate: number;
  /** Percent of the baseline (+10: 10% higher); percentage points for errors (unit "pp"). NaN (null) unknown. */
  changePercent: number;
  /** The change's interval at the comparison's confidence; null ends when it could not be computed. */
  interval: [number, number];
  /** Allowed worsening (max-regression), positive. */
  allowedPercent: number;
  verdict: "regressed" | "improved" | "unchanged" | "inconclusive";
  /** A max-regression rule names this metric, so its verdict can fail the run. */
  gating: boolean;
  unit: "%" | "pp";
}

export interface Comparison {
  /** "ab": both Services loaded side by side in this run (paired); "baseline-file": a stored run (unpaired). */
  mode: "ab" | "baseline-file";
  confidence: number;
  /** The bootstrap's seed and resample count: the same document and seed give the same intervals. */
  seed: number;
  iterations: number;
  /** Seconds compared per side. */
  seconds: number;
  metrics: ComparedMetricResult[];
  /** passed, regressed (a gating metric), or inconclusive (a gating metric; see onInconclusive). */
  verdict: "passed" | "regressed" | "inconclusive";
  /** What an inconclusive gating metric does to an A/B run (the on-inconclusive input). */
  onInconclusive: "pass" | "fail";
}

export interface ResultsDocument {
  schema: typeof RESULTS_SCHEMA;
  version: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: string; version: string };
  startedAt: string;
  finishedAt: string;
  passed: boolean;
  /** The settings that shape the figures (never secrets). */
  settings: {
    serviceFile: string;
    connections: number;
    durationSeconds: number;
    rate: number | null;
    requests: number | null;
    warmupSeconds: number;
    method: string;
    path: string;
    coldStart: boolean;
    thresholds: string[];
    maxRegression: string[];
    privateZone: string;
    teardown: string;
    /** Where the load came from: the runner, or `loadWorkers` pods in the cluster (absent in older files). */
    loadFrom?: "runner" | "cluster";
    loadWorkers?: number;
    /** The stages input, one stage each as written (absent for one constant load and in older files). */
    stages?: string[];
  };
  /** GitHub context when run as an action: where the report belongs. */
  context?: { repository?: string; sha?: string; ref?: string; pr?: number; runId?: string };
  service: ServiceFacts;
  load: LoadSummary | null;
  pods: PodSummary | null;
  coldStart: ColdStartSummary | null;
  thresholds: RuleVerdict[];
  regression: { baselineFile: string; baselineStartedAt: string; verdicts: RegressionVerdict[] } | null;
  /** A/B: the baseline Service's own figures (absent in a plain run and in older files). */
  baseline?: BaselineRun | null;
  /** Candidate vs baseline with confidence intervals (A/B, or a baseline file with per-second data). */
  comparison?: Comparison | null;
  /** A run that could not finish (deploy failure, timeout) still writes a document with the reason. */
  error: string | null;
}
