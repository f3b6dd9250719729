// Why the service ran the number of pods it did. People expect "50 connections / target 10 = 5 pods" and see 2.
// Knative's autoscaler (KPA) scales on the concurrency *inside* the pods (what queue-proxy holds), aiming each
// pod at target × utilization (10 × 70 % = 7), while most of a client's in-flight requests are on the wire
// (network, gateway, activator) where the autoscaler never sees them. Little's law links the two views:
// concurrency = arrival rate × time spent, on the client (rps × latency) and in the pod (rps × service time).
import type { ResultsDocument } from "../results.js";
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
      ceilingPods: expectedPods(inFlight, pods.autoscaling),
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
  if (load && inPod) {
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
    aboveCeiling: load !== null && bound === null && n > load.ceilingPods,
    reservePods: pods.max.reserve,
  };
}

const fig = (value: number) => num(value, value < 10 ? 1 : 0);

/** The explanation as Markdown (numbers only: nothing here comes from the user or the cluster). */
export function describePods(e: PodExplanation): string[] {
  const lines = [
    `Knative's autoscaler (KPA) scales on the concurrency **inside** each pod — the requests its queue-proxy is ` +
      `holding — not on the load generator's connections. Each pod is aimed at target ${num(e.target, 2)} × ` +
      `${num(e.utilizationPercent, 1)} % utilization = **${num(e.perPodTarget, 2)}** concurrent requests, so ` +
      `expected pods ≈ ⌈in-pod concurrency ÷ ${num(e.perPodTarget, 2)}⌉` +
      (e.minScale > 0 || e.maxScale > 0
        ? ` (kept within min-scale ${e.minScale} and max-scale ${e.maxScale > 0 ? e.maxScale : "unlimited"}).`
        : "."),
    "",
  ];
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
  return [...lines, ...bullets.map((b) => `- ${b}`)];
}
