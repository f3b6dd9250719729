// Tracks the pods of one Knative Service with a watch and samples them once a second: ready serving pods,
// ASK reserve pods, terminating and pending pods. The timeline is what the report charts and explains.
import type { V1Pod } from "@kubernetes/client-node";
import type { PodSample } from "../results.js";
import type { Cluster } from "./cluster.js";
import { LABEL_SERVICE } from "./knative.js";
import { resilientWatch, type WatchStats } from "./watch.js";
import { until, type Source, type Step, type Wake, type WatchEvent } from "./watch-until.js";

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

/** The tracker's view changed (a list, an event, or the watch was refused). */
export interface PodsChanged {
  type: "CHANGED";
  counts: PodCounts;
  /** Why the pods cannot be watched, if the API server refused. */
  refused?: string;
}

/** PodTracker.waitFor's decision: true once the counts satisfy `predicate`, false when they cannot be known. */
export function countsStep(
  predicate: (counts: PodCounts) => boolean,
  event: PodsChanged | Wake,
): Step<undefined, boolean> {
  if (event.type === "WAKE") return { state: undefined };
  if (event.refused !== undefined) return { state: undefined, done: false };
  return predicate(event.counts) ? { state: undefined, done: true } : { state: undefined };
}

export interface PodTracker {
  /** Counts now, from the watch's view. */
  counts(): PodCounts;
  /** Per-second samples since start. */
  timeline(): PodSample[];
  /** Epoch ms when the tracker started: the timeline's t = 0. */
  startedAt: number;
  /** Every change of the ready serving pod count, with the epoch ms it was seen (the first list included). */
  servingHistory(): Array<{ at: number; serving: number }>;
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
  /**
   * This tracker's list and watch as a source for another decision over the pods (the Ready wait's pod
   * problems), so that a run lists and watches its pods once: a subscriber gets the current set at once when
   * the first list has arrived, then every event and every re-list.
   */
  events: Source<WatchEvent<V1Pod>>;
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
  const subscribers = new Set<(event: WatchEvent<V1Pod>) => void>();
  const publish = (event: WatchEvent<V1Pod>) => subscribers.forEach((deliver) => deliver(event));
  let listed = false;
  let refused: string | undefined;
  const history: Array<{ at: number; serving: number }> = [];
  const changed = () => {
    const serving = countPods(pods.values()).serving;
    if (history[history.length - 1]?.serving !== serving) history.push({ at: Date.now(), serving });
    waiters.forEach((check) => check());
  };

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
        listed = true;
        changed();
        publish({ type: "SYNC", items, now: Date.now() });
      },
      onEvent: (type, pod) => {
        if (type === "DELETED") pods.delete(pod.metadata?.uid ?? pod.metadata?.name ?? "");
        else remember(pod);
        changed();
        publish({ type, object: pod, now: Date.now() });
      },
      onRetry: options.log,
      onRefused: (message) => {
        refused = message;
        options.log?.(
          `cannot watch the pods of ${service}: ${message}; pod counts are unknown, and a pod that cannot ` +
            "start shows only at ready-timeout",
        );
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
    startedAt: started,
    servingHistory: () => history.slice(),
    synced: watch.synced,
    stats: watch.stats,
    waitFor(predicate, timeoutMs, signal) {
      return until<PodsChanged, undefined, boolean>(
        (deliver) => {
          const check = () => deliver({ type: "CHANGED", counts: countPods(pods.values()), refused });
          waiters.add(check);
          // Not before the first list: an empty map would satisfy "no serving pods" at once.
          void watch.synced.then(check);
          return { stop: () => waiters.delete(check) };
        },
        {
          initial: undefined,
          step: (state, event) => countsStep(predicate, event),
          timeoutMs,
          onTimeout: () => ({ done: false }),
          signal,
          onAbort: () => ({ done: false }),
        },
      );
    },
    failure: () => refused,
    events: (deliver) => {
      if (listed) deliver({ type: "SYNC", items: [...pods.values()], now: Date.now() });
      subscribers.add(deliver);
      return { stop: () => subscribers.delete(deliver) };
    },
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
