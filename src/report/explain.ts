// Why the service ran the number of pods it did. People expect "50 connections / target 10 = 5 pods" and see 2.
// Knative's autoscaler (KPA) scales on the concurrency *inside* the pods (what queue-proxy holds), aiming each
// pod at target × utilization (10 × 70 % = 7), while most of a client's in-flight requests are on the wire
// (network, gateway, activator) where the autoscaler never sees them. Little's law links the two views:
// concurrency = arrival rate × time spent, on the client (rps × latency) and in the pod (rps × service time).
// Each number says where it came from (annotation, containerConcurrency, the cluster's config-autoscaler or
// config-defaults, or upstream's default), since a tuned cluster aims pods elsewhere than upstream does. A
// revision the KPA does not scale on concurrency gets a note instead: the HPA class (Kubernetes' HPA on CPU),
// the rps metric (a per-pod request rate), another class (nothing to explain).
import type { AutoscalingValueSource, ConfigMapStatus, PodSummary, ResultsDocument } from "../results.js";
import { ms, num, rps } from "./format.js";

export interface PodExplanation {
  /** autoscaling.knative.dev/target (or containerConcurrency, or 100). */
  target: number;
  utilizationPercent: number;
  /** What each pod is aimed at: target × utilization (Knative floors it at 0.01). */
  perPodTarget: number;
  minScale: number;
  maxScale: number;
  connections: number;
  /** The intuitive reading: ceil(connections / target). */
  naivePods: number;
  /** The load figures the explanation uses; null when the run had no load. */
  load: { rps: number; meanLatencyMs: number; inFlight: number; ceilingPods: number } | null;
  /** The serving pods the reasoning starts from: when the load ended, or the maximum if none were left. */
  observed: { pods: number; when: "final" | "max" };
  /** In-pod concurrency consistent with the observed pods; `high` is Infinity when max-scale capped them. */
  inPod: { low: number; high: number } | null;
  /** Time per request in a pod that this concurrency implies (in-pod concurrency / rps), ms. */
  inPodMs: { low: number; high: number } | null;
  /** At least this share of the client's in-flight requests were outside the pods. */
  onWireShare: number | null;
  /** The observed count sits on a scale bound, so it says little about the load. */
  bound: "min-scale" | "max-scale" | null;
  /** More pods than even every in-flight request would need. */
  aboveCeiling: boolean;
  reservePods: number;
  /** Who scales the revision on what: the KPA on concurrency (the reasoning above), or a note instead. */
  scaler: "kpa" | "kpa-rps" | "hpa" | "other";
  /** The HPA's metric (cpu, memory or a custom one) and its min replicas (never below 1). */
  hpa: { metric: string; minPods: number } | null;
  /** Where target, utilization, min-scale and max-scale came from; null in documents without sources. */
  sources: Pick<
    NonNullable<Autoscaling["sources"]>,
    "target" | "utilizationPercent" | "minScale" | "maxScale"
  > | null;
  /** config-autoscaler's enable-scale-to-zero, when the cluster turned it off (cluster), else null. */
  scaleToZeroOff: AutoscalingValueSource | null;
  /** ConfigMaps the run tried and failed to read: their values are upstream's defaults, assumed. */
  unreadConfig: Array<{ name: "config-autoscaler" | "config-defaults"; status: ConfigMapStatus }>;
}

type Autoscaling = PodSummary["autoscaling"];

const KPA_CLASS = "kpa.autoscaling.knative.dev";
const HPA_CLASS = "hpa.autoscaling.knative.dev";

function scalerOf(autoscaling: Autoscaling): PodExplanation["scaler"] {
  const klass = autoscaling.class ?? KPA_CLASS;
  if (klass === HPA_CLASS) return "hpa";
  if (klass !== KPA_CLASS) return "other";
  return autoscaling.metric === "rps" ? "kpa-rps" : "kpa";
}

/** Knative's per-pod target: total × utilization, never below 0.01 (pkg/reconciler/autoscaling/resources). */
export function perPodTarget(target: number, utilizationPercent: number): number {
  return Math.max(0.01, (target * utilizationPercent) / 100);
}

/** Pods the KPA wants for an in-pod concurrency: ceil(concurrency / per-pod target), within min/max scale. */
export function expectedPods(
  concurrency: number,
  autoscaling: { target: number; utilizationPercent: number; minScale: number; maxScale: number },
): number {
  const wanted = Math.ceil(
    concurrency / perPodTarget(autoscaling.target, autoscaling.utilizationPercent) - 1e-9,
  );
  const atLeast = Math.max(wanted, autoscaling.minScale);
  return autoscaling.maxScale > 0 ? Math.min(atLeast, autoscaling.maxScale) : atLeast;
}

export function explainPods(doc: ResultsDocument): PodExplanation | null {
  const pods = doc.pods;
  if (!pods) return null;
  const { target, utilizationPercent, minScale, maxScale } = pods.autoscaling;
  const scaler = scalerOf(pods.autoscaling);
  const perPod = perPodTarget(target, utilizationPercent);
  const connections = doc.settings.connections;
  const observed =
    pods.final.serving > 0
      ? { pods: pods.final.serving, when: "final" as const }
      : { pods: pods.max.serving, when: "max" as const };

  let load: PodExplanation["load"] = null;
  if (doc.load && doc.load.rps > 0 && doc.load.latency.mean > 0) {
    const inFlight = (doc.load.rps * doc.load.latency.mean) / 1000;
    load = {
      rps: doc.load.rps,
      meanLatencyMs: doc.load.latency.mean,
      inFlight,
      // With the rps metric the KPA divides the request rate, not a concurrency, by the per-pod target.
      ceilingPods: expectedPods(scaler === "kpa-rps" ? doc.load.rps : inFlight, pods.autoscaling),
    };
  }

  const n = observed.pods;
  const bound =
    n > 0 && maxScale > 0 && n >= maxScale ? "max-scale" : n > 0 && n <= minScale ? "min-scale" : null;
  let inPod: PodExplanation["inPod"] = null;
  if (n > 0) {
    inPod = {
      low: bound === "min-scale" ? 0 : (n - 1) * perPod,
      high: bound === "max-scale" ? Infinity : n * perPod,
    };
  }

  let inPodMs: PodExplanation["inPodMs"] = null;
  let onWireShare: number | null = null;
  if (load && inPod && scaler === "kpa") {
    inPodMs = { low: (inPod.low / load.rps) * 1000, high: (inPod.high / load.rps) * 1000 };
    if (inPod.high < load.inFlight) onWireShare = 1 - inPod.high / load.inFlight;
  }

  return {
    target,
    utilizationPercent,
    perPodTarget: perPod,
    minScale,
    maxScale,
    connections,
    naivePods: Math.ceil(connections / Math.max(target, 0.01)),
    load,
    observed,
    inPod,
    inPodMs,
    onWireShare,
    bound,
    aboveCeiling: scaler === "kpa" && load !== null && bound === null && n > load.ceilingPods,
    reservePods: pods.max.reserve,
    scaler,
    hpa:
      scaler === "hpa" ? { metric: pods.autoscaling.metric ?? "cpu", minPods: Math.max(1, minScale) } : null,
    sources: pods.autoscaling.sources ?? null,
    scaleToZeroOff:
      pods.autoscaling.scaleToZero === false && pods.autoscaling.sources
        ? pods.autoscaling.sources.scaleToZero
        : null,
    unreadConfig: (["config-autoscaler", "config-defaults"] as const)
      .map((name) => ({ name, status: pods.autoscaling.clusterConfig?.[name] ?? "not-read" }))
      .filter((c) => c.status !== "read" && c.status !== "not-read"),
  };
}

// Only fixed words come out of here: keys are matched against the ones kube/autoscaling.ts writes, so a
// results file read back cannot put its own text into the Markdown.
const CLUSTER_KEYS: Record<string, string> = {
  "config-defaults/container-concurrency": "containerConcurrency, cluster default in config-defaults",
};
const ANNOTATIONS = new Set([
  "autoscaling.knative.dev/target",
  "autoscaling.knative.dev/target-utilization-percentage",
  "autoscaling.knative.dev/min-scale",
  "autoscaling.knative.dev/minScale",
  "autoscaling.knative.dev/max-scale",
  "autoscaling.knative.dev/maxScale",
]);
const STATUS_WORDS: Record<ConfigMapStatus, string> = {
  read: "read",
  forbidden: "forbidden: no RBAC grant to get it",
  "not-found": "not found",
  failed: "the API server did not answer it",
  "not-read": "not read",
};

/** "annotation", "cluster default, config-autoscaler", "upstream default" … for one value. */
export function sourceLabel(
  source: AutoscalingValueSource,
  unread: PodExplanation["unreadConfig"],
  setting: "target" | "other" = "other",
): string {
  switch (source.from) {
    case "annotation":
      return source.key && ANNOTATIONS.has(source.key) ? `annotation ${source.key}` : "annotation";
    case "spec":
      return "containerConcurrency";
    case "cluster": {
      const key = source.key ?? "";
      if (CLUSTER_KEYS[key]) return CLUSTER_KEYS[key];
      return key.startsWith("config-autoscaler/") ? "cluster default, config-autoscaler" : "cluster default";
    }
    default: {
      // The target's default also rests on config-defaults (containerConcurrency 0 there).
      const assumed = unread.some((c) => c.name === "config-autoscaler" || setting === "target");
      return assumed ? "upstream default, assumed" : "upstream default";
    }
  }
}

const fig = (value: number) => num(value, value < 10 ? 1 : 0);

/** The explanation as Markdown (numbers only: nothing here comes from the user or the cluster). */
export function describePods(e: PodExplanation): string[] {
  if (e.scaler === "hpa") return [...describeHpa(e), ...configNotes(e)];
  if (e.scaler === "other") {
    return [
      "This revision uses an autoscaler class other than Knative's KPA and HPA (annotation " +
        "autoscaling.knative.dev/class or the cluster's pod-autoscaler-class), so there is no explanation of its " +
        "pod count here.",
    ];
  }
  const label = (key: "target" | "utilizationPercent" | "minScale" | "maxScale") =>
    e.sources
      ? ` (${sourceLabel(e.sources[key], e.unreadConfig, key === "target" ? "target" : "other")})`
      : "";
  const scaleBounds =
    e.minScale > 0 || e.maxScale > 0
      ? ` (kept within min-scale ${e.minScale}${label("minScale")} and max-scale ` +
        `${e.maxScale > 0 ? e.maxScale : "unlimited"}${label("maxScale")}).`
      : ".";
  const lines =
    e.scaler === "kpa-rps"
      ? [
          `Knative's autoscaler (KPA) scales this revision on **requests per second** (metric rps), not on ` +
            `concurrency. Each pod is aimed at target ${num(e.target, 2)}${label("target")} × ` +
            `${num(e.utilizationPercent, 1)} % utilization${label("utilizationPercent")} = ` +
            `**${num(e.perPodTarget, 2)}** requests per second, so expected pods ≈ ⌈rps ÷ ` +
            `${num(e.perPodTarget, 2)}⌉` +
            scaleBounds,
          "",
        ]
      : [
          `Knative's autoscaler (KPA) scales on the concurrency **inside** each pod — the requests its queue-proxy is ` +
            `holding — not on the load generator's connections. Each pod is aimed at target ${num(e.target, 2)}` +
            `${label("target")} × ${num(e.utilizationPercent, 1)} % utilization${label("utilizationPercent")} = ` +
            `**${num(e.perPodTarget, 2)}** concurrent requests, so expected pods ≈ ⌈in-pod concurrency ÷ ` +
            `${num(e.perPodTarget, 2)}⌉` +
            scaleBounds,
          "",
        ];
  if (e.scaler === "kpa-rps") return [...lines, ...describeRps(e), ...configNotes(e)];
  const bullets: string[] = [];
  if (e.load) {
    bullets.push(
      `**Client side:** ${num(e.connections)} connections. By Little's law, ${rps(e.load.rps)} × ` +
        `${ms(e.load.meanLatencyMs)} mean latency ≈ **${fig(e.load.inFlight)}** requests in flight. If all of ` +
        `them were inside pods, that would be ⌈${fig(e.load.inFlight)} ÷ ${num(e.perPodTarget, 2)}⌉ = ` +
        `${e.load.ceilingPods} pods. (Reading connections as pod concurrency, ${num(e.connections)} ÷ ` +
        `${num(e.target, 2)} = ${e.naivePods}, also forgets the ${num(e.utilizationPercent, 1)} % utilization.)`,
    );
  }
  const n = e.observed.pods;
  const when =
    e.observed.when === "final" ? "when the load ended" : "at most (none were left when the load ended)";
  if (n === 0) {
    bullets.push(
      "**Observed:** no serving pod was ready during the run, so there is nothing to explain yet.",
    );
  } else if (e.bound === "min-scale") {
    bullets.push(
      `**Observed:** ${n} serving pod${n === 1 ? "" : "s"} ${when}, which is the revision's min-scale: it keeps ` +
        `at least ${e.minScale} whatever the load, so in-pod concurrency was at most ${fig(e.inPod!.high)}.`,
    );
  } else if (e.bound === "max-scale") {
    bullets.push(
      `**Observed:** ${n} serving pod${n === 1 ? "" : "s"} ${when}, which is the revision's max-scale: the ` +
        `autoscaler may have wanted more (in-pod concurrency above ${fig(e.inPod!.low)}), but max-scale caps it.`,
    );
  } else {
    let observedLine =
      `**Observed:** **${n}** serving pod${n === 1 ? "" : "s"} ${when}, so the autoscaler saw about ` +
      `${fig(e.inPod!.low)}–${fig(e.inPod!.high)} concurrent requests in the pods ` +
      `(⌈c ÷ ${num(e.perPodTarget, 2)}⌉ = ${n}).`;
    if (e.load && e.inPodMs) {
      observedLine +=
        ` In-pod concurrency ≈ rps × time in the pod, so each request spent about ` +
        `${ms(e.inPodMs.low)}–${ms(e.inPodMs.high)} in a pod of its ${ms(e.load.meanLatencyMs)} end to end`;
      observedLine +=
        e.onWireShare !== null
          ? `: at least **${Math.floor(e.onWireShare * 100)} %** of the in-flight requests were on the wire (network, ` +
            `gateway, activator), where the autoscaler does not count them.`
          : ".";
    }
    bullets.push(observedLine);
  }
  if (e.aboveCeiling) {
    bullets.push(
      `${n} pods is more than even all ${fig(e.load!.inFlight)} in-flight requests would need: pods left from a ` +
        `burst (the panic window reacts to 6 s of load and does not scale down while panicking) or scale-down ` +
        `still catching up with the 60 s stable window.`,
    );
  }
  if (e.reservePods > 0) {
    bullets.push(
      `Reserve pods (ASK reserve instances, up to ${e.reservePods} here) hold the revision while it is idle so ` +
        `traffic has somewhere to land; they are released once serving pods are ready and are not counted above.`,
    );
  }
  if (e.scaleToZeroOff) bullets.push(scaleToZeroLine(e));
  return [...lines, ...bullets.map((b) => `- ${b}`), ...configNotes(e)];
}

function scaleToZeroLine(e: PodExplanation): string {
  return (
    `Scale to zero is off (${sourceLabel(e.scaleToZeroOff!, e.unreadConfig)}): the revision keeps at least ` +
    `one pod when idle.`
  );
}

function observedPods(e: PodExplanation): string {
  const n = e.observed.pods;
  const when =
    e.observed.when === "final" ? "when the load ended" : "at most (none were left when the load ended)";
  return `**Observed:** ${n} serving pod${n === 1 ? "" : "s"} ${when}.`;
}

function describeRps(e: PodExplanation): string[] {
  const bullets: string[] = [];
  if (e.load) {
    bullets.push(
      `**Client side:** ${rps(e.load.rps)} → ⌈${num(e.load.rps, 1)} ÷ ${num(e.perPodTarget, 2)}⌉ = ` +
        `${e.load.ceilingPods} pods expected (${num(e.connections)} connections do not enter into it).`,
    );
  }
  bullets.push(observedPods(e));
  if (e.scaleToZeroOff) bullets.push(scaleToZeroLine(e));
  return bullets.map((b) => `- ${b}`);
}

/** The HPA class: Kubernetes' HorizontalPodAutoscaler scales it (serving pkg/reconciler/autoscaling/hpa). */
function describeHpa(e: PodExplanation): string[] {
  const hpa = e.hpa!;
  const label = (key: "target" | "minScale" | "maxScale") =>
    e.sources ? ` (${sourceLabel(e.sources[key], e.unreadConfig)})` : "";
  const targetText =
    hpa.metric === "cpu"
      ? `${num(e.target, 1)} % average CPU utilization of the pods' CPU request${
          e.sources?.target.from === "default"
            ? " (Kubernetes' default: no target annotation)"
            : label("target")
        }`
      : hpa.metric === "memory"
        ? `${num(e.target, 1)} MiB of memory per pod${label("target")}`
        : `a custom per-pod metric (target ${num(e.target, 2)}${label("target")})`;
  const max = e.maxScale > 0 ? `${e.maxScale}${label("maxScale")}` : "unlimited";
  return [
    `**HPA class:** this revision is scaled by a Kubernetes HorizontalPodAutoscaler ` +
      `(autoscaling.knative.dev/class: hpa.autoscaling.knative.dev), not by Knative's KPA, aiming at ` +
      `${targetText}, between ${hpa.minPods} and ${max} pods. The KPA's reasoning — in-pod concurrency against ` +
      `a per-pod target — does not apply: the HPA never scales to zero, keeps no activator in the path, and ` +
      `acts on ${hpa.metric === "cpu" ? "CPU" : "its metric"} every 15 s (its sync period), so a short load can end ` +
      `before it reacts.`,
    "",
    `- ${observedPods(e)}`,
  ];
}

/** One line per ConfigMap that could not be read, so that "assumed" is explained once. */
function configNotes(e: PodExplanation): string[] {
  if (!e.unreadConfig.length) return [];
  const which = e.unreadConfig.map((c) => `knative-serving/${c.name} (${STATUS_WORDS[c.status]})`).join(", ");
  return [
    "",
    `Note: values marked "assumed" are Knative's upstream defaults: ${which} could not be read, and the ` +
      `cluster may be tuned otherwise. The optional knative-config part of examples/rbac.yaml lets the gate ` +
      `read them.`,
  ];
}
