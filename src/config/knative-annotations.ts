// Knative's own autoscaling annotations, checked as its webhook checks them, so that a value the cluster would
// refuse at create (after the namespace and lease are set up) is an input error with a line number instead.
// Follows knative/serving pkg/apis/autoscaling/annotation_validation.go (ValidateAnnotations: validateClass,
// validateMinMaxScale, validateFloats, validateWindow, validateLastPodRetention, validateScaleDownDelay,
// validateMetric, validateAlgorithm, validateInitialScale) and the bounds in pkg/apis/autoscaling/register.go;
// the messages keep upstream's meaning ("target -3 should be at least 0.01", "expected 1 <= 120 <= 100").
// Left to the cluster, because they depend on its config-autoscaler and config-defaults: max-scale above
// max-scale-limit, initial-scale 0 without allow-zero-initial-scale, containerConcurrency above
// container-concurrency-max-limit.
// Pure: annotation map in, problems out; manifest.ts adds the input name and the lines.

const GROUP = "autoscaling.knative.dev";
export const KPA_CLASS = `kpa.${GROUP}`;
export const HPA_CLASS = `hpa.${GROUP}`;
/** register.go: WindowMin 6s, WindowMax 1h; TargetMin 0.01; panic window 1–100 %, panic threshold 110–1000 %. */
const WINDOW_MIN_MS = 6_000;
const WINDOW_MAX_MS = 3_600_000;
const TARGET_MIN = 0.01;
const MAX_INT32 = 2_147_483_647;

/** Each annotation with its legacy camelCase spelling; the first one present wins (kmap.KeyPriority). */
const KEYS = {
  class: [`${GROUP}/class`],
  minScale: [`${GROUP}/min-scale`, `${GROUP}/minScale`],
  maxScale: [`${GROUP}/max-scale`, `${GROUP}/maxScale`],
  initialScale: [`${GROUP}/initial-scale`, `${GROUP}/initialScale`],
  activationScale: [`${GROUP}/activation-scale`],
  metric: [`${GROUP}/metric`],
  algorithm: [`${GROUP}/metric-aggregation-algorithm`, `${GROUP}/metricAggregationAlgorithm`],
  target: [`${GROUP}/target`],
  utilization: [`${GROUP}/target-utilization-percentage`, `${GROUP}/targetUtilizationPercentage`],
  burst: [`${GROUP}/target-burst-capacity`, `${GROUP}/targetBurstCapacity`],
  panicWindow: [`${GROUP}/panic-window-percentage`, `${GROUP}/panicWindowPercentage`],
  panicThreshold: [`${GROUP}/panic-threshold-percentage`, `${GROUP}/panicThresholdPercentage`],
  window: [`${GROUP}/window`],
  retention: [`${GROUP}/scale-to-zero-pod-retention-period`, `${GROUP}/scaleToZeroPodRetentionPeriod`],
  scaleDownDelay: [`${GROUP}/scale-down-delay`, `${GROUP}/scaleDownDelay`],
} as const;

export interface AnnotationProblem {
  /** The annotation the problem is about (where the line number comes from). */
  key: string;
  problem: string;
}

/**
 * Go's strconv.ParseFloat for the decimal forms people write ("70", "0.5", "1e2"). Go also reads hex floats,
 * "Inf" and "NaN"; those are refused here as not a number (no one means them as an autoscaling target).
 */
const parseFloat64 = (text: string): number | undefined =>
  /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : undefined;

/** strconv.ParseInt(text, 10, 32): an optional sign and decimal digits. "out of range" outside int32. */
function parseInt32(text: string): number | "invalid" | "range" {
  if (!/^[-+]?\d+$/.test(text)) return "invalid";
  const value = Number(text);
  return value > MAX_INT32 || value < -MAX_INT32 - 1 ? "range" : value;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds ("90s", "1m30s", "0"); undefined when it does not parse. */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0" || text === "+0" || text === "-0") return 0;
  const match = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!match) return undefined;
  let total = 0;
  for (const part of match[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNITS[part[2]];
  }
  return match[1] === "-" ? -total : total;
}

/** Go's Duration.String() for the whole-second bounds quoted in messages: 0s, 6s, 1h0m0s. */
function goDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * Problems in the autoscaling annotations of a revision template (spec.template.metadata.annotations), in
 * upstream's order. Values that are not strings are skipped: manifest.ts reports those already.
 */
export function autoscalingAnnotationProblems(annotations: Record<string, unknown>): AnnotationProblem[] {
  const problems: AnnotationProblem[] = [];
  const add = (key: string, problem: string) => problems.push({ key, problem });
  const get = (keys: readonly string[]): [string, string] | undefined => {
    for (const key of keys) {
      if (Object.hasOwn(annotations, key)) {
        const value = annotations[key];
        return typeof value === "string" ? [key, value] : undefined;
      }
    }
    return undefined;
  };
  const invalid = (key: string, value: string, expected: string) =>
    add(key, `invalid value "${value}": ${expected}`);
  const outOfBounds = (key: string, value: string, low: string | number, high: string | number) =>
    add(key, `"${value}" is out of bounds: expected ${low} <= ${value} <= ${high}`);

  // validateClass: a class in Knative's own domain must be one Knative has.
  const klass = get(KEYS.class);
  if (klass && klass[1].endsWith(".knative.dev") && klass[1] !== KPA_CLASS && klass[1] !== HPA_CLASS) {
    invalid(klass[0], klass[1], `Knative's classes are ${KPA_CLASS} and ${HPA_CLASS}`);
  }

  // validateMinMaxScale: integers >= 0; max-scale 0 means unlimited, otherwise not below min-scale.
  const intAtLeast0 = (keys: readonly string[]): number => {
    const entry = get(keys);
    if (!entry) return 0;
    const [key, value] = entry;
    const parsed = parseInt32(value);
    if (parsed === "invalid") invalid(key, value, "expected a whole number");
    else if (parsed === "range" || parsed < 0) outOfBounds(key, value, 0, MAX_INT32);
    else return parsed;
    return 0;
  };
  const min = intAtLeast0(KEYS.minScale);
  const max = intAtLeast0(KEYS.maxScale);
  if (max !== 0 && max < min) {
    add(get(KEYS.maxScale)![0], `max-scale=${max} is less than min-scale=${min}`);
  }
  const activation = get(KEYS.activationScale);
  if (activation) {
    const [key, value] = activation;
    const parsed = parseInt32(value);
    if (typeof parsed !== "number") invalid(key, value, "expected a whole number");
    else if (min > parsed) add(key, `min-scale=${min} is greater than activation-scale=${parsed}`);
    else if (max !== 0 && max < parsed) add(key, `max-scale=${max} is less than activation-scale=${parsed}`);
    else if (parsed < 2) add(key, `activation-scale=${parsed} must be greater than 1`);
  }

  // validateFloats.
  const floatWithin = (keys: readonly string[], low: number, high: number) => {
    const entry = get(keys);
    if (!entry) return;
    const [key, value] = entry;
    const parsed = parseFloat64(value);
    if (parsed === undefined) invalid(key, value, "expected a number");
    else if (parsed < low || parsed > high) outOfBounds(key, value, low, high);
  };
  floatWithin(KEYS.panicWindow, 1, 100);
  floatWithin(KEYS.panicThreshold, 110, 1000);
  const target = get(KEYS.target);
  if (target) {
    const [key, value] = target;
    const parsed = parseFloat64(value);
    if (parsed === undefined) invalid(key, value, "expected a number");
    else if (parsed < TARGET_MIN) add(key, `target ${value} should be at least ${TARGET_MIN}`);
  }
  floatWithin(KEYS.utilization, 1, 100);
  const burst = get(KEYS.burst);
  if (burst) {
    const parsed = parseFloat64(burst[1]);
    if (parsed === undefined || (parsed < 0 && parsed !== -1)) {
      invalid(burst[0], burst[1], "expected a number >= 0, or -1 (unlimited)");
    }
  }

  // validateWindow, validateLastPodRetention, validateScaleDownDelay: Go durations within bounds.
  const durationWithin = (keys: readonly string[], lowMs: number, wholeSeconds: boolean) => {
    const entry = get(keys);
    if (!entry) return;
    const [key, value] = entry;
    const ms = parseGoDuration(value);
    if (ms === undefined) invalid(key, value, 'expected a duration such as "60s" or "2m"');
    else if (ms < lowMs || ms > WINDOW_MAX_MS)
      outOfBounds(key, value, goDuration(lowMs), goDuration(WINDOW_MAX_MS));
    else if (wholeSeconds && ms % 1000 !== 0)
      add(key, `"${value}" must be specified with at most second precision`);
  };
  durationWithin(KEYS.window, WINDOW_MIN_MS, true);
  durationWithin(KEYS.retention, 0, false);
  durationWithin(KEYS.scaleDownDelay, 0, true);

  // validateMetric: the KPA scales on concurrency or rps; the HPA on any named metric (cpu, memory, custom).
  const metric = get(KEYS.metric);
  if (metric) {
    const className = klass?.[1] ?? KPA_CLASS;
    const [key, value] = metric;
    if (className === KPA_CLASS && value !== "concurrency" && value !== "rps") {
      invalid(key, value, `class ${KPA_CLASS} scales on "concurrency" or "rps"`);
    } else if (className === HPA_CLASS && value === "") {
      invalid(key, value, `class ${HPA_CLASS} needs a metric such as "cpu" or "memory"`);
    }
  }

  // validateAlgorithm: only checked for an explicit KPA class, as upstream does.
  const algorithm = get(KEYS.algorithm);
  if (klass?.[1] === KPA_CLASS && algorithm && algorithm[1] !== "") {
    if (!["linear", "weighted-exponential", "weightedExponential"].includes(algorithm[1])) {
      invalid(algorithm[0], algorithm[1], 'expected "linear" or "weighted-exponential"');
    }
  }

  // validateInitialScale: an integer >= 0 (0 itself is up to the cluster's allow-zero-initial-scale).
  const initial = get(KEYS.initialScale);
  if (initial) {
    const [key, value] = initial;
    if (!/^[-+]?\d+$/.test(value)) invalid(key, value, "expected a whole number");
    else if (Number(value) < 0) invalid(key, value, "initial-scale must be 0 or greater");
  }
  return problems;
}

/**
 * Autoscaling annotations on the Service's own metadata: Knative refuses them there (they only work on the
 * revision template), see knative/serving pkg/apis/serving/metadata_validation.go ValidateHasNoAutoscalingAnnotation.
 */
export function misplacedAutoscalingKeys(annotations: Record<string, unknown>): string[] {
  return Object.keys(annotations).filter((key) => key.startsWith(`${GROUP}/`));
}

/**
 * spec.template.spec.containerConcurrency (pkg/apis/serving/metadata_validation.go ValidateContainerConcurrency):
 * a whole number >= 0 (0: no limit). Both its bounds come from the cluster's config-defaults
 * (allow-container-concurrency-zero, container-concurrency-max-limit, 1000 by default and raised on some
 * clusters), so only what no cluster accepts is refused here.
 */
export function containerConcurrencyProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number")
    return `is ${typeof value === "string" ? `a string ("${value}")` : `a ${typeof value}`}, not a number`;
  if (!Number.isInteger(value)) return `${value} is not a whole number`;
  if (value < 0) return `${value} is out of bounds: expected 0 <= ${value} (0 means no limit)`;
  return undefined;
}
