// Knative's cluster configuration: the ConfigMaps in `knative-serving` (config-autoscaler, config-defaults,
// config-deployment, config-features, config-domain) exist from the simulator's start as a stock install ships
// them (only an `_example` key: every value is upstream's default), and are read through the store on every
// reconcile, so an edit through the API (kubectl edit/apply, client-node replace) applies the way upstream's
// config watcher (knative.dev/pkg configmap.InformedWatcher + the reconcilers' config stores) applies it: the
// next reconcile of every revision/route uses the new values. A value upstream's parser rejects keeps the
// previous configuration, as the watcher does when the constructor returns an error.
//
// Parsers follow upstream's NewConfigFromMap functions key for key:
// - config-autoscaler: pkg/autoscaler/config/config.go · defaultConfig, NewConfigFromMap, validate
// - config-defaults:   pkg/apis/config/defaults.go · NewDefaultsConfigFromMap
// - config-deployment: pkg/deployment/config.go · NewConfigFromMap (progress-deadline, pod-is-always-schedulable)
// - config-features:   pkg/apis/config/features.go · NewFeaturesConfigFromMap (kept as strings)
// - config-domain:     pkg/reconciler/route/config/domain.go · NewDomainFromConfigMap, LookupDomainForLabels
import type { K8sObject, Store } from "../store.js";
import { AUTOSCALER_DEFAULTS, parseDuration, type ClusterAutoscaling } from "./autoscaler-config.js";

export const KNATIVE_NAMESPACE = "knative-serving";
export const CONFIG = {
  autoscaler: "config-autoscaler",
  defaults: "config-defaults",
  deployment: "config-deployment",
  features: "config-features",
  domain: "config-domain",
} as const;

/** knative.dev/pkg configmap.ExampleKey: documentation only, never parsed. */
export const EXAMPLE_KEY = "_example";
const DEFAULT_DOMAIN = "svc.cluster.local";

/** config-autoscaler as the KPA reads it (NewConfigFromMap). Durations in ms, utilization as a fraction. */
export interface AutoscalerConfig {
  podAutoscalerClass: string;
  enableScaleToZero: boolean;
  allowZeroInitialScale: boolean;
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  /** container-concurrency-target-percentage as a fraction (upstream divides values > 1 by 100). */
  containerConcurrencyTargetFraction: number;
  containerConcurrencyTargetDefault: number;
  requestsPerSecondTargetDefault: number;
  targetBurstCapacity: number;
  panicWindowPercentage: number;
  activatorCapacity: number;
  panicThresholdPercentage: number;
  initialScale: number;
  minScale: number;
  maxScale: number;
  maxScaleLimit: number;
  stableWindowMs: number;
  scaleDownDelayMs: number;
  scaleToZeroGracePeriodMs: number;
  scaleToZeroPodRetentionMs: number;
}

export function defaultAutoscalerConfig(): AutoscalerConfig {
  const d = AUTOSCALER_DEFAULTS;
  return {
    podAutoscalerClass: "kpa.autoscaling.knative.dev",
    enableScaleToZero: true,
    allowZeroInitialScale: d.allowZeroInitialScale,
    maxScaleUpRate: d.maxScaleUpRate,
    maxScaleDownRate: d.maxScaleDownRate,
    containerConcurrencyTargetFraction: d.containerConcurrencyTargetPercentage / 100,
    containerConcurrencyTargetDefault: d.containerConcurrencyTargetDefault,
    requestsPerSecondTargetDefault: d.requestsPerSecondTargetDefault,
    targetBurstCapacity: d.targetBurstCapacity,
    panicWindowPercentage: d.panicWindowPercentage,
    activatorCapacity: 100,
    panicThresholdPercentage: d.panicThresholdPercentage,
    initialScale: d.initialScale,
    minScale: d.minScale,
    maxScale: d.maxScale,
    maxScaleLimit: 0,
    stableWindowMs: d.stableWindowMs,
    scaleDownDelayMs: d.scaleDownDelayMs,
    scaleToZeroGracePeriodMs: d.scaleToZeroGracePeriodMs,
    scaleToZeroPodRetentionMs: d.scaleToZeroPodRetentionMs,
  };
}

/** config-defaults (pkg/apis/config/defaults.go): what the webhook fills into a revision spec. */
export interface DefaultsConfig {
  revisionTimeoutSeconds: number;
  maxRevisionTimeoutSeconds: number;
  containerConcurrency: number;
  containerConcurrencyMaxLimit: number;
}

export function defaultDefaultsConfig(): DefaultsConfig {
  return {
    revisionTimeoutSeconds: 300,
    maxRevisionTimeoutSeconds: 600,
    containerConcurrency: 0,
    containerConcurrencyMaxLimit: 1000,
  };
}

/** config-deployment (pkg/deployment/config.go). */
export interface DeploymentConfig {
  progressDeadlineMs: number;
  podIsAlwaysSchedulable: boolean;
}

export function defaultDeploymentConfig(): DeploymentConfig {
  return { progressDeadlineMs: AUTOSCALER_DEFAULTS.progressDeadlineMs, podIsAlwaysSchedulable: false };
}

type Parser<T> = (data: Record<string, string>) => T;

class ParseError extends Error {}

function bool(data: Record<string, string>, key: string, fallback: boolean): boolean {
  const v = data[key];
  // cm.AsBool: strconv.ParseBool semantics, an empty value keeps the default.
  if (v === undefined || v === "") return fallback;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  throw new ParseError(`failed to parse "${key}": strconv.ParseBool: parsing "${v}": invalid syntax`);
}

function float(data: Record<string, string>, key: string, fallback: number): number {
  const v = data[key];
  if (v === undefined || v === "") return fallback;
  const n = Number(v.trim());
  if (!Number.isFinite(n))
    throw new ParseError(`failed to parse "${key}": strconv.ParseFloat: parsing "${v}": invalid syntax`);
  return n;
}

function int(data: Record<string, string>, key: string, fallback: number): number {
  const n = float(data, key, fallback);
  if (!Number.isInteger(n))
    throw new ParseError(
      `failed to parse "${key}": strconv.ParseInt: parsing "${data[key]}": invalid syntax`,
    );
  return n;
}

function dur(data: Record<string, string>, key: string, fallbackMs: number): number {
  const v = data[key];
  if (v === undefined || v === "") return fallbackMs;
  const ms = parseDuration(v.trim());
  if (!Number.isFinite(ms)) throw new ParseError(`failed to parse "${key}": time: invalid duration "${v}"`);
  return ms;
}

/** NewConfigFromMap + validate (pkg/autoscaler/config/config.go). Throws on what upstream rejects. */
export const parseAutoscalerConfig: Parser<AutoscalerConfig> = (data) => {
  const c = defaultAutoscalerConfig();
  c.podAutoscalerClass = data["pod-autoscaler-class"] || c.podAutoscalerClass;
  c.enableScaleToZero = bool(data, "enable-scale-to-zero", c.enableScaleToZero);
  c.allowZeroInitialScale = bool(data, "allow-zero-initial-scale", c.allowZeroInitialScale);
  c.maxScaleUpRate = float(data, "max-scale-up-rate", c.maxScaleUpRate);
  c.maxScaleDownRate = float(data, "max-scale-down-rate", c.maxScaleDownRate);
  c.containerConcurrencyTargetFraction = float(
    data,
    "container-concurrency-target-percentage",
    c.containerConcurrencyTargetFraction,
  );
  c.containerConcurrencyTargetDefault = float(
    data,
    "container-concurrency-target-default",
    c.containerConcurrencyTargetDefault,
  );
  c.requestsPerSecondTargetDefault = float(
    data,
    "requests-per-second-target-default",
    c.requestsPerSecondTargetDefault,
  );
  c.targetBurstCapacity = float(data, "target-burst-capacity", c.targetBurstCapacity);
  c.panicWindowPercentage = float(data, "panic-window-percentage", c.panicWindowPercentage);
  c.activatorCapacity = float(data, "activator-capacity", c.activatorCapacity);
  c.panicThresholdPercentage = float(data, "panic-threshold-percentage", c.panicThresholdPercentage);
  c.initialScale = int(data, "initial-scale", c.initialScale);
  c.minScale = int(data, "min-scale", c.minScale);
  c.maxScale = int(data, "max-scale", c.maxScale);
  c.maxScaleLimit = int(data, "max-scale-limit", c.maxScaleLimit);
  c.stableWindowMs = dur(data, "stable-window", c.stableWindowMs);
  c.scaleDownDelayMs = dur(data, "scale-down-delay", c.scaleDownDelayMs);
  c.scaleToZeroGracePeriodMs = dur(data, "scale-to-zero-grace-period", c.scaleToZeroGracePeriodMs);
  c.scaleToZeroPodRetentionMs = dur(data, "scale-to-zero-pod-retention-period", c.scaleToZeroPodRetentionMs);
  // "for legacy reasons we allow values in the (0, 1] interval"
  if (c.containerConcurrencyTargetFraction > 1) c.containerConcurrencyTargetFraction /= 100;
  // validate(): the checks that matter for a simulated cluster, with upstream's messages.
  if (c.scaleToZeroGracePeriodMs < 6_000)
    throw new ParseError(
      `scale-to-zero-grace-period must be at least 6s, was: ${data["scale-to-zero-grace-period"]}`,
    );
  if (c.scaleDownDelayMs < 0 || c.scaleDownDelayMs % 1000 !== 0)
    throw new ParseError(
      `scale-down-delay = ${data["scale-down-delay"]}, must be non-negative and a whole number of seconds`,
    );
  if (c.targetBurstCapacity < 0 && c.targetBurstCapacity !== -1)
    throw new ParseError(
      `target-burst-capacity must be either non-negative or -1 (for unlimited), was: ${c.targetBurstCapacity}`,
    );
  if (c.containerConcurrencyTargetFraction <= 0 || c.containerConcurrencyTargetFraction > 1)
    throw new ParseError(
      `container-concurrency-target-percentage = ${c.containerConcurrencyTargetFraction} is outside of valid range of (0, 100]`,
    );
  if (c.containerConcurrencyTargetDefault < 0.01)
    throw new ParseError(
      `container-concurrency-target-default = ${c.containerConcurrencyTargetDefault}, must be at least 0.01`,
    );
  if (c.requestsPerSecondTargetDefault < 0.01)
    throw new ParseError(
      `requests-per-second-target-default = ${c.requestsPerSecondTargetDefault}, must be at least 0.01`,
    );
  if (c.stableWindowMs < 6_000 || c.stableWindowMs > 3_600_000 || c.stableWindowMs % 1000 !== 0)
    throw new ParseError(
      `stable-window = ${data["stable-window"]}, must be in [6s; 1h0m0s] range and a whole number of seconds`,
    );
  if (c.maxScaleUpRate <= 1)
    throw new ParseError(`max-scale-up-rate = ${c.maxScaleUpRate}, must be greater than 1.0`);
  if (c.maxScaleDownRate <= 1)
    throw new ParseError(`max-scale-down-rate = ${c.maxScaleDownRate}, must be greater than 1.0`);
  if (c.minScale < 0) throw new ParseError(`min-scale (${c.minScale}) must be non-negative`);
  if (c.maxScale < 0) throw new ParseError(`max-scale (${c.maxScale}) must be non-negative`);
  if (c.initialScale < 0 || (c.initialScale === 0 && !c.allowZeroInitialScale))
    throw new ParseError(
      `initial-scale = ${c.initialScale}, must be at least 0 (or at least 1 when allow-zero-initial-scale is false)`,
    );
  return c;
};

/** NewDefaultsConfigFromMap (pkg/apis/config/defaults.go), the keys the simulator uses. */
export const parseDefaultsConfig: Parser<DefaultsConfig> = (data) => {
  const c = defaultDefaultsConfig();
  c.revisionTimeoutSeconds = int(data, "revision-timeout-seconds", c.revisionTimeoutSeconds);
  c.maxRevisionTimeoutSeconds = int(data, "max-revision-timeout-seconds", c.maxRevisionTimeoutSeconds);
  c.containerConcurrency = int(data, "container-concurrency", c.containerConcurrency);
  c.containerConcurrencyMaxLimit = int(
    data,
    "container-concurrency-max-limit",
    c.containerConcurrencyMaxLimit,
  );
  if (c.revisionTimeoutSeconds < 1)
    throw new ParseError(`revision-timeout-seconds must be at least 1, was ${c.revisionTimeoutSeconds}`);
  if (c.revisionTimeoutSeconds > c.maxRevisionTimeoutSeconds)
    throw new ParseError(
      `revision-timeout-seconds (${c.revisionTimeoutSeconds}) cannot be greater than max-revision-timeout-seconds (${c.maxRevisionTimeoutSeconds})`,
    );
  if (c.containerConcurrency < 0 || c.containerConcurrency > c.containerConcurrencyMaxLimit)
    throw new ParseError(
      `expected 0 <= ${c.containerConcurrency} <= ${c.containerConcurrencyMaxLimit}: container-concurrency`,
    );
  return c;
};

/** NewConfigFromMap (pkg/deployment/config.go), the keys the simulator uses. */
export const parseDeploymentConfig: Parser<DeploymentConfig> = (data) => {
  const c = defaultDeploymentConfig();
  c.progressDeadlineMs = dur(data, "progress-deadline", c.progressDeadlineMs);
  c.podIsAlwaysSchedulable = bool(data, "pod-is-always-schedulable", c.podIsAlwaysSchedulable);
  if (c.progressDeadlineMs <= 0)
    throw new ParseError(
      `progress-deadline cannot be a non-positive duration, was ${data["progress-deadline"]}`,
    );
  return c;
};

/**
 * The default domain of config-domain: the first key whose value has no selector (NewDomainFromConfigMap
 * makes it a wildcard), else svc.cluster.local. Label selectors per key are not modelled.
 */
export const parseDomainConfig: Parser<string> = (data) => {
  const keys = Object.keys(data)
    .filter((k) => k !== EXAMPLE_KEY)
    .sort();
  for (const k of keys) if (!/selector\s*:/.test(data[k] ?? "")) return k;
  return DEFAULT_DOMAIN;
};

const EXAMPLE =
  "################################\n" +
  "#                              #\n" +
  "#    EXAMPLE CONFIGURATION     #\n" +
  "#                              #\n" +
  "################################\n" +
  "# This block is not actually functional configuration; see the upstream file\n" +
  "# config/core/configmaps/<name>.yaml for every key and its default.\n";

/** The five ConfigMaps as a stock install ships them (config/core/configmaps/*.yaml): only `_example`. */
export function knativeConfigMaps(domain: string): K8sObject[] {
  return Object.values(CONFIG).map((name) => {
    const data: Record<string, string> = {
      [EXAMPLE_KEY]: EXAMPLE.replace("<name>", name.replace("config-", "")),
    };
    // `--domain` stands for an operator who set a default domain: the ConfigMap says so, like on a cluster.
    if (name === CONFIG.domain && domain !== DEFAULT_DOMAIN) data[domain] = "";
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name,
        namespace: KNATIVE_NAMESPACE,
        labels: {
          "app.kubernetes.io/name": "knative-serving",
          "app.kubernetes.io/component": name === CONFIG.autoscaler ? "autoscaler" : "controller",
        },
      },
      data,
    };
  });
}

interface Cached<T> {
  resourceVersion: string | undefined;
  value: T;
}

/**
 * Reads the configuration from the store. Each getter re-parses only when the ConfigMap's resourceVersion
 * changed; a ConfigMap that fails to parse keeps the last good value (and is logged once per version).
 */
export class ClusterConfig {
  private readonly cache = new Map<string, Cached<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly log: (line: string) => void = () => {},
  ) {}

  autoscaler(): AutoscalerConfig {
    return this.read(CONFIG.autoscaler, parseAutoscalerConfig, defaultAutoscalerConfig);
  }

  defaults(): DefaultsConfig {
    return this.read(CONFIG.defaults, parseDefaultsConfig, defaultDefaultsConfig);
  }

  deployment(): DeploymentConfig {
    return this.read(CONFIG.deployment, parseDeploymentConfig, defaultDeploymentConfig);
  }

  features(): Record<string, string> {
    return this.read(
      CONFIG.features,
      (d) => ({ ...d }),
      () => ({}),
    );
  }

  domain(): string {
    return this.read(CONFIG.domain, parseDomainConfig, () => DEFAULT_DOMAIN);
  }

  private read<T>(name: string, parse: Parser<T>, fallback: () => T): T {
    const cm = this.store.get("/configmaps", KNATIVE_NAMESPACE, name);
    const rv = cm?.metadata.resourceVersion;
    const cached = this.cache.get(name) as Cached<T> | undefined;
    if (cached && cached.resourceVersion === rv) return cached.value;
    let value: T;
    if (!cm) {
      // A deleted ConfigMap: upstream's watcher keeps the last value; before any, the defaults.
      value = cached?.value ?? fallback();
    } else {
      const data = Object.fromEntries(
        Object.entries((cm as { data?: Record<string, string> }).data ?? {}).filter(
          ([k]) => k !== EXAMPLE_KEY,
        ),
      );
      try {
        value = parse(data);
      } catch (err) {
        this.log(
          `${KNATIVE_NAMESPACE}/${name}: ${(err as Error).message}; keeping the previous configuration`,
        );
        value = cached?.value ?? fallback();
      }
    }
    this.cache.set(name, { resourceVersion: rv, value });
    return value;
  }
}

/** Validates a ConfigMap the way the config webhook (config.webhook.serving.knative.dev) does; "" when fine. */
export function configMapError(cm: K8sObject): string {
  if (cm.metadata.namespace !== KNATIVE_NAMESPACE) return "";
  const parsers: Record<string, Parser<unknown>> = {
    [CONFIG.autoscaler]: parseAutoscalerConfig,
    [CONFIG.defaults]: parseDefaultsConfig,
    [CONFIG.deployment]: parseDeploymentConfig,
  };
  const parse = parsers[cm.metadata.name ?? ""];
  if (!parse) return "";
  const data = Object.fromEntries(
    Object.entries((cm as { data?: Record<string, string> }).data ?? {}).filter(([k]) => k !== EXAMPLE_KEY),
  );
  try {
    parse(data);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

/** The cluster values resolveAutoscaling takes: config-autoscaler plus config-deployment's progress-deadline. */
export function clusterAutoscaling(config: ClusterConfig): ClusterAutoscaling {
  const a = config.autoscaler();
  return {
    podAutoscalerClass: a.podAutoscalerClass,
    enableScaleToZero: a.enableScaleToZero,
    allowZeroInitialScale: a.allowZeroInitialScale,
    containerConcurrencyTargetDefault: a.containerConcurrencyTargetDefault,
    containerConcurrencyTargetFraction: a.containerConcurrencyTargetFraction,
    requestsPerSecondTargetDefault: a.requestsPerSecondTargetDefault,
    targetBurstCapacity: a.targetBurstCapacity,
    stableWindowMs: a.stableWindowMs,
    panicWindowPercentage: a.panicWindowPercentage,
    panicThresholdPercentage: a.panicThresholdPercentage,
    maxScaleUpRate: a.maxScaleUpRate,
    maxScaleDownRate: a.maxScaleDownRate,
    scaleToZeroGracePeriodMs: a.scaleToZeroGracePeriodMs,
    scaleToZeroPodRetentionMs: a.scaleToZeroPodRetentionMs,
    scaleDownDelayMs: a.scaleDownDelayMs,
    initialScale: a.initialScale,
    minScale: a.minScale,
    maxScale: a.maxScale,
    progressDeadlineMs: config.deployment().progressDeadlineMs,
  };
}

/** config-defaults as the defaulting webhook reads it (a fresh parse: the webhook has its own watcher). */
export function revisionDefaults(store: Store): DefaultsConfig {
  const cm = store.get("/configmaps", KNATIVE_NAMESPACE, CONFIG.defaults);
  const data = Object.fromEntries(
    Object.entries((cm as { data?: Record<string, string> } | undefined)?.data ?? {}).filter(
      ([k]) => k !== EXAMPLE_KEY,
    ),
  );
  try {
    return parseDefaultsConfig(data);
  } catch {
    return defaultDefaultsConfig();
  }
}
