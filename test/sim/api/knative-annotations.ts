// Validation of autoscaling.knative.dev/* annotations, following knative/serving
// pkg/apis/autoscaling/annotation_validation.go (messages, bounds, legacy camelCase aliases).

import {
  formatGoDuration,
  generic,
  invalidKeyName,
  invalidValue,
  outOfBounds,
  parseGoDuration,
  type FieldError,
} from "./field-errors.js";

const G = "autoscaling.knative.dev";
const KPA = `kpa.${G}`;
const HPA = `hpa.${G}`;
const WINDOW_MIN = 6000;
const WINDOW_MAX = 3600000;
const MAX_INT32 = 2147483647;

/** Annotation keys with their legacy aliases, first match wins (kmap.KeyPriority). */
const KEYS = {
  class: [`${G}/class`],
  initialScale: [`${G}/initial-scale`, `${G}/initialScale`],
  maxScale: [`${G}/max-scale`, `${G}/maxScale`],
  minScale: [`${G}/min-scale`, `${G}/minScale`],
  metric: [`${G}/metric`],
  algorithm: [`${G}/metric-aggregation-algorithm`, `${G}/metricAggregationAlgorithm`],
  activationScale: [`${G}/activation-scale`],
  panicThreshold: [`${G}/panic-threshold-percentage`, `${G}/panicThresholdPercentage`],
  panicWindow: [`${G}/panic-window-percentage`, `${G}/panicWindowPercentage`],
  scaleDownDelay: [`${G}/scale-down-delay`, `${G}/scaleDownDelay`],
  retention: [`${G}/scale-to-zero-pod-retention-period`, `${G}/scaleToZeroPodRetentionPeriod`],
  target: [`${G}/target`],
  burst: [`${G}/target-burst-capacity`, `${G}/targetBurstCapacity`],
  utilization: [`${G}/target-utilization-percentage`, `${G}/targetUtilizationPercentage`],
  window: [`${G}/window`],
};

function lookup(m: Record<string, string>, keys: string[]): [string, string] | undefined {
  for (const k of keys) if (Object.hasOwn(m, k)) return [k, m[k]];
  return undefined;
}

const isFloat = (v: string) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim()) && v.trim() === v;

function intGE0(m: Record<string, string>, keys: string[], errs: FieldError[]): number {
  const kv = lookup(m, keys);
  if (!kv) return 0;
  const [k, v] = kv;
  if (!/^[-+]?\d+$/.test(v)) {
    errs.push(invalidValue(v, k));
    return 0;
  }
  const i = Number(v);
  if (i < 0 || i > MAX_INT32) {
    errs.push(outOfBounds(v, 0, MAX_INT32, k));
    return 0;
  }
  return i;
}

function floatRange(
  m: Record<string, string>,
  keys: string[],
  lo: number,
  hi: number,
  errs: FieldError[],
): void {
  const kv = lookup(m, keys);
  if (!kv) return;
  const [k, v] = kv;
  if (!isFloat(v)) errs.push(invalidValue(v, k));
  else if (Number(v) < lo || Number(v) > hi) errs.push(outOfBounds(v, lo, hi, k));
}

function durationUpTo(
  m: Record<string, string>,
  keys: string[],
  secondPrecision: boolean,
  errs: FieldError[],
): void {
  const kv = lookup(m, keys);
  if (!kv) return;
  const [k, v] = kv;
  const d = parseGoDuration(v);
  if (Number.isNaN(d)) errs.push(invalidValue(v, k));
  else if (d < 0 || d > WINDOW_MAX)
    errs.push(outOfBounds(v, formatGoDuration(0), formatGoDuration(WINDOW_MAX), k));
  else if (secondPrecision && d % 1000 !== 0)
    errs.push(generic("must be specified with at most second precision", k));
}

/** Errors in the autoscaling annotations of a revision template (paths are the annotation keys). */
export function validateAutoscalingAnnotations(m: Record<string, string>): FieldError[] {
  const errs: FieldError[] = [];
  const cls = lookup(m, KEYS.class);
  if (cls && cls[1].endsWith(".knative.dev") && cls[1] !== KPA && cls[1] !== HPA)
    errs.push(invalidValue(cls[1], cls[0]));

  const min = intGE0(m, KEYS.minScale, errs);
  const max = intGE0(m, KEYS.maxScale, errs);
  if (max !== 0 && max < min) {
    errs.push(generic(`max-scale=${max} is less than min-scale=${min}`, KEYS.maxScale[0], KEYS.minScale[0]));
  }
  const act = lookup(m, KEYS.activationScale);
  if (act) {
    const [k, v] = act;
    const n = /^[-+]?\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isNaN(n)) errs.push(invalidValue(v, k));
    else if (min > n) errs.push(generic(`min-scale=${min} is greater than activation-scale=${n}`, k));
    else if (max !== 0 && max < n)
      errs.push(generic(`max-scale=${max} is less than activation-scale=${n}`, k));
    else if (n < 2) errs.push(generic(`activation-scale=${n} must be greater than 1`, k));
  }

  floatRange(m, KEYS.panicWindow, 1, 100, errs);
  floatRange(m, KEYS.panicThreshold, 110, 1000, errs);
  const target = lookup(m, KEYS.target);
  if (target) {
    const [k, v] = target;
    if (!isFloat(v)) errs.push(invalidValue(v, k));
    else if (Number(v) < 0.01) errs.push(generic(`target ${v} should be at least 0.01`, k));
  }
  floatRange(m, KEYS.utilization, 1, 100, errs);
  const burst = lookup(m, KEYS.burst);
  if (burst && (!isFloat(burst[1]) || (Number(burst[1]) < 0 && Number(burst[1]) !== -1))) {
    errs.push(invalidValue(burst[1], burst[0]));
  }

  const window = lookup(m, KEYS.window);
  if (window) {
    const d = parseGoDuration(window[1]);
    if (Number.isNaN(d)) errs.push(invalidValue(window[1], KEYS.window[0]));
    else if (d < WINDOW_MIN || d > WINDOW_MAX) {
      errs.push(
        outOfBounds(window[1], formatGoDuration(WINDOW_MIN), formatGoDuration(WINDOW_MAX), KEYS.window[0]),
      );
    } else if (d % 1000 !== 0)
      errs.push(generic("must be specified with at most second precision", KEYS.window[0]));
  }
  durationUpTo(m, KEYS.retention, false, errs);
  durationUpTo(m, KEYS.scaleDownDelay, true, errs);

  const metric = lookup(m, KEYS.metric);
  if (metric) {
    const klass = cls?.[1] ?? KPA;
    const ok =
      klass === KPA ? ["concurrency", "rps"].includes(metric[1]) : klass === HPA ? metric[1] !== "" : true;
    if (!ok) errs.push(invalidValue(metric[1], KEYS.metric[0]));
  }
  const algo = lookup(m, KEYS.algorithm);
  if (
    cls?.[1] === KPA &&
    algo &&
    algo[1] !== "" &&
    !["linear", "weighted-exponential", "weightedExponential"].includes(algo[1])
  ) {
    errs.push(invalidValue(algo[1], algo[0]));
  }

  const initial = lookup(m, KEYS.initialScale);
  if (initial) {
    const [k, v] = initial;
    if (!/^[-+]?\d+$/.test(v)) errs.push(invalidValue(v, k));
    else if (Number(v) < 0) errs.push(invalidValue(v, `${k} must be greater than 0`));
    else if (Number(v) === 0) errs.push(invalidValue(v, `${k}=0 not allowed by cluster`));
  }
  return errs;
}

/** Autoscaling annotations on a Service or Configuration itself are refused: they belong on the template. */
export function validateNoAutoscalingAnnotations(m: Record<string, string>): FieldError[] {
  return Object.keys(m)
    .filter((k) => k.startsWith(G))
    .map((k) =>
      invalidKeyName(
        k,
        "",
        'autoscaling annotations must be put under "spec.template.metadata.annotations" to work',
      ),
    );
}
