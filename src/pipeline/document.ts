// The results document of a run, assembled here: its empty form from the settings, then the facts each phase
// returns (Ready, pods). The verdict and the report read it; a later run reads it back as its baseline.
import type { KnativeServiceManifest, Settings } from "../config/settings.js";
import { autoscalingOf } from "../kube/autoscaling.js";
import type { KnativeClusterConfig } from "../kube/knative-config.js";
import type { PodTracker } from "../kube/pods.js";
import {
  RESULTS_SCHEMA,
  RESULTS_SCHEMA_VERSION,
  type BaselineRun,
  type PodSummary,
  type ResultsDocument,
} from "../results.js";
import { candidateOf, type DeployedSubject, type Subject } from "./subject.js";
import { TOOL } from "../tool.js";

export function emptyDocument(
  settings: Settings,
  startedAt: Date,
  github: ResultsDocument["context"],
): ResultsDocument {
  return {
    schema: RESULTS_SCHEMA,
    version: RESULTS_SCHEMA_VERSION,
    tool: TOOL,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    passed: false,
    settings: {
      serviceFile: settings.serviceFile,
      connections: settings.load.connections,
      durationSeconds: settings.load.durationMs / 1000,
      rate: settings.load.rate ?? null,
      requests: settings.load.requests ?? null,
      warmupSeconds: settings.load.warmupMs / 1000,
      method: settings.request.method,
      path: settings.request.path,
      coldStart: settings.coldStart,
      thresholds: settings.thresholds.map((r) => r.source),
      maxRegression: settings.maxRegression.map((r) => `${r.metric}: ${r.percent}%`),
      privateZone: settings.privateZone,
      teardown: settings.teardown,
      loadFrom: settings.loadFrom,
      loadWorkers: settings.loadWorkers,
      ...(settings.stages ? { stages: settings.stages.map((s) => s.source) } : {}),
    },
    context: github,
    service: serviceBeforeReady(candidateOf(settings)),
    load: null,
    pods: null,
    coldStart: null,
    thresholds: [],
    regression: null,
    error: null,
  };
}

/** The document's service section once the subject is Ready. */
export function serviceFacts(
  base: ResultsDocument["service"],
  subject: DeployedSubject,
): ResultsDocument["service"] {
  const { ready } = subject;
  return {
    ...base,
    url: ready.url,
    revision: ready.revision,
    generation: ready.generation,
    readySeconds: ready.readyMs / 1000,
    created: subject.created,
  };
}

export function podSummary(
  tracker: Pick<PodTracker, "timeline">,
  manifest: KnativeServiceManifest,
  knative?: KnativeClusterConfig,
): PodSummary {
  const timeline = tracker.timeline();
  const last = timeline[timeline.length - 1];
  return {
    max: {
      serving: Math.max(0, ...timeline.map((s) => s.serving)),
      reserve: Math.max(0, ...timeline.map((s) => s.reserve)),
    },
    final: { serving: last?.serving ?? 0, reserve: last?.reserve ?? 0 },
    timeline,
    autoscaling: autoscalingOf(manifest, knative),
  };
}

/** An A/B run's baseline side once it is Ready; its load, pods and cold start are filled in as they come. */
export function baselineRun(subject: DeployedSubject): BaselineRun {
  return {
    service: serviceFacts(serviceBeforeReady(subject), subject),
    load: null,
    pods: null,
    coldStart: null,
  };
}

/** A subject's facts before it is Ready: its names, and its image (the manifest's, with any override applied). */
function serviceBeforeReady(subject: Subject): ResultsDocument["service"] {
  return {
    name: subject.name,
    namespace: subject.namespace,
    url: "",
    revision: "",
    generation: 0,
    readySeconds: 0,
    created: false,
    image: String(subject.manifest.spec.template.spec.containers[0]?.image ?? ""),
  };
}
