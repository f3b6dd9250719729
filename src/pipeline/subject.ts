// A Service under test and what the run learns about it: its names, then its Ready facts and pod tracker. A plain
// run has one subject; the phases take a subject rather than the settings so that an A/B run can put two through
// deploy, Ready and load side by side.
import type { KnativeServiceManifest, Settings } from "../config/settings.js";
import type { AutoscalerTracker } from "../kube/pod-autoscaler.js";
import type { PodTracker } from "../kube/pods.js";
import type { ReadyService } from "../kube/ready.js";

/** "candidate": the change under test; "baseline": what it is compared with in an A/B run. */
export type Side = "candidate" | "baseline";

export interface Subject {
  side: Side;
  namespace: string;
  name: string;
  manifest: KnativeServiceManifest;
}

export interface DeployedSubject extends Subject {
  ready: ReadyService;
  pods: PodTracker;
  /** The revisions' PodAutoscalers: the autoscaler's decisions (optional; absent in tests that fake a subject). */
  autoscaler?: AutoscalerTracker;
  /** This run created the Service (so teardown may delete it). */
  created: boolean;
}

export function candidateOf(settings: Settings): Subject {
  return {
    side: "candidate",
    namespace: settings.namespace,
    name: settings.serviceName,
    manifest: settings.manifest,
  };
}

/** The subjects of a run: the candidate, and in an A/B run the baseline beside it (same namespace). */
export function subjectsOf(settings: Settings): Subject[] {
  const subjects = [candidateOf(settings)];
  const baseline = settings.abBaseline;
  if (baseline) {
    subjects.push({
      side: "baseline",
      namespace: settings.namespace,
      name: baseline.serviceName,
      manifest: baseline.manifest,
    });
  }
  return subjects;
}
