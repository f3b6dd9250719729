// Tracks the pods of one Knative Service with a watch and samples them once a second: ready serving pods,
// ASK reserve pods, terminating and pending pods. The timeline is what the report charts and explains.
import type { V1Pod } from "@kubernetes/client-node";
import type { PodSample } from "../results.js";
import type { Cluster } from "./cluster.js";
import { LABEL_SERVICE } from "./knative.js";
import { resilientWatch, type WatchStats } from "./watch.js";

export interface PodCounts {
  serving: number;
  reserve: number;
  terminating: number;
  pending: number;
}

/** ASK's reserve instances are named `<rev>-deployment-reserve-<hash>-<id>`. */
export function isReservePod(pod: V1Pod): boolean {
  return /-deployment-reserve-/.test(pod.metadata?.name ?? "");
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export function countPods(pods: Iterable<V1Pod>): PodCounts {
  const counts: PodCounts = { serving: 0, reserve: 0, terminating: 0, pending: 0 };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) counts.terminating++;
    else if (!isPodReady(pod)) counts.pending++;
    else if (isReservePod(pod)) counts.reserve++;
    else counts.serving++;
  }
  return counts;
}

export interface PodTracker {
  /** Counts now, from the watch's view. */
  counts(): PodCounts;
  /** Per-second samples since start. */
  timeline(): PodSample[];
  /** Resolves when the first list has arrived. */
  synced: Promise<void>;
  /** Resolves true once the counts satisfy `predicate`, false after `timeoutMs` or on abort. */
  waitFor(
    predicate: (counts: PodCounts) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean>;
  /** Milliseconds (epoch) when a ready serving pod was first seen after `since`, if any. */
  firstServingReadyAfter(since: number): number | undefined;
  stats: WatchStats;
  /** Why the pods cannot be watched (the API server refused: RBAC), if so; the counts are then unknown, not 0. */
  failure(): string | undefined;
  stop(): void;
}

export function trackPods(
  cluster: Cluster,
  namespace: string,
  service: string,
  options: { intervalMs?: number; log?: (line: string) => void } = {},
): PodTracker {
  const pods = new Map<string, V1Pod>();
  const samples: PodSample[] = [];
  const started = Date.now();
  /** Epoch ms at which each pod was first seen serving and ready. */
  const readySince = new Map<string, number>();

  const waiters = new Set<() => void>();
  let refused: string | undefined;
  const changed = () => waiters.forEach((check) => check());

  const remember = (pod: V1Pod) => {
    const key = pod.metadata?.uid ?? pod.metadata?.name ?? "";
    pods.set(key, pod);
    if (!readySince.has(key) && isPodReady(pod) && !isReservePod(pod) && !pod.metadata?.deletionTimestamp) {
      // Observation time, not lastTransitionTime: the API's timestamps have whole-second resolution.
      readySince.set(key, Date.now());
    }
  };

  const watch = resilientWatch<V1Pod>(
    cluster,
    { apiVersion: "v1", kind: "Pod", plural: "pods", namespace },
    { labelSelector: `${LABEL_SERVICE}=${service}` },
    {
      onSync: (items) => {
        pods.clear();
        items.forEach(remember);
        changed();
      },
      onEvent: (type, pod) => {
        if (type === "DELETED") pods.delete(pod.metadata?.uid ?? pod.metadata?.name ?? "");
        else remember(pod);
        changed();
      },
      onRetry: options.log,
      onRefused: (message) => {
        refused = message;
        options.log?.(`cannot watch the pods of ${service}: ${message}; pod counts are unknown`);
        changed();
      },
    },
  );

  const sample = () => {
    const c = countPods(pods.values());
    samples.push({ t: Math.round((Date.now() - started) / 1000), ...c });
  };
  const timer = setInterval(sample, options.intervalMs ?? 1000);
  void watch.synced.then(sample);

  return {
    counts: () => countPods(pods.values()),
    timeline: () => samples.slice(),
    synced: watch.synced,
    stats: watch.stats,
    waitFor(predicate, timeoutMs, signal) {
      return new Promise<boolean>((resolve) => {
        const done = (result: boolean) => {
          waiters.delete(check);
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve(result);
        };
        const check = () => {
          if (refused !== undefined) done(false);
          else if (predicate(countPods(pods.values()))) done(true);
        };
        const onAbort = () => done(false);
        const timer = setTimeout(() => done(false), timeoutMs);
        if (signal?.aborted) return done(false);
        signal?.addEventListener("abort", onAbort);
        waiters.add(check);
        void watch.synced.then(check);
      });
    },
    failure: () => refused,
    firstServingReadyAfter(since) {
      const times = [...readySince.values()].filter((t) => t >= since);
      return times.length ? Math.min(...times) : undefined;
    },
    stop() {
      clearInterval(timer);
      sample();
      watch.stop();
    },
  };
}
