// Configuration → Revisions (pkg/reconciler/configuration/configuration.go, resources/revision.go): one Revision
// per configuration generation, named `<config>-%05d`; latestCreatedRevisionName follows it, the Configuration
// is Ready once that revision is, RevisionFailed when it fails, and latestReadyRevisionName is the newest ready
// revision between the previous latest ready one and the current generation.
import type { K8sObject } from "../store.js";
import { configurationConditions } from "./conditions.js";
import { RES, type RevisionTemplate, type SimContext, type TemplateSpec } from "./context.js";
import { recordEvent } from "./events.js";
import { ANNOTATION, LABEL, revisionName } from "./names.js";
import { controllerRef, getCondition, postProcess, preProcess, writeStatus, type KStatus } from "./status.js";
import { splitKey } from "./workqueue.js";

export const ROUTING_STATE_LABEL = "serving.knative.dev/routingState";
export const ROUTING_STATE_MODIFIED = "serving.knative.dev/routingStateModified";

/** The webhook's defaults for a revision spec (pkg/apis/serving/v1/revision_defaults.go). */
export function defaultRevisionSpec(spec: TemplateSpec = {}): TemplateSpec {
  const out: TemplateSpec = structuredClone(spec);
  out.containerConcurrency ??= 0;
  out.timeoutSeconds ??= 300;
  out.enableServiceLinks ??= false;
  out.containers = (out.containers ?? [{}]).map((c, i) => ({
    ...c,
    name: c.name || (i === 0 ? "user-container" : `user-container-${i}`),
    resources: c.resources ?? {},
    readinessProbe: c.readinessProbe ?? { successThreshold: 1, tcpSocket: { port: 0 } },
  }));
  return out;
}

export function makeRevision(config: K8sObject, now = new Date()): K8sObject {
  const template = ((config.spec ?? {}) as { template?: RevisionTemplate }).template ?? {};
  const generation = config.metadata.generation ?? 1;
  const name = template.metadata?.name || revisionName(config.metadata.name as string, generation);
  const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}) };
  labels[LABEL.configuration] = config.metadata.name as string;
  const svc = config.metadata.labels?.[LABEL.service];
  if (svc) labels[LABEL.service] = svc;
  labels[LABEL.configurationGeneration] = String(generation);
  labels[LABEL.configurationUID] = config.metadata.uid as string;
  const svcUID = config.metadata.labels?.[LABEL.serviceUID];
  if (svcUID) labels[LABEL.serviceUID] = svcUID;
  const annotations: Record<string, string> = { ...(template.metadata?.annotations ?? {}) };
  const routes = config.metadata.annotations?.[ANNOTATION.routes];
  labels[ROUTING_STATE_LABEL] = routes ? "active" : "pending";
  annotations[ROUTING_STATE_MODIFIED] = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  if (routes) annotations[ANNOTATION.routes] = routes;
  const updater = config.metadata.annotations?.[ANNOTATION.lastModifier];
  if (updater) annotations[ANNOTATION.creator] = updater;
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Revision",
    metadata: {
      name,
      namespace: config.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [controllerRef(config)],
    },
    spec: defaultRevisionSpec(template.spec),
  };
}

export function revisionIsReady(rev: K8sObject): boolean {
  const s = (rev.status ?? {}) as KStatus;
  return s.observedGeneration === rev.metadata.generation && getCondition(rev, "Ready")?.status === "True";
}

export function reconcileConfiguration(ctx: SimContext, key: string): void {
  const { store } = ctx;
  const [ns, name] = splitKey(key);
  const config = store.get(RES.configuration, ns, name);
  if (!config || config.metadata.deletionTimestamp) return;
  const status = preProcess(configurationConditions, config);
  const generation = config.metadata.generation ?? 1;
  const revisions = store.list(RES.revision, ns, { labelSelector: `${LABEL.configuration}=${name}` }).items;
  let lcr = revisions.find((r) => r.metadata.labels?.[LABEL.configurationGeneration] === String(generation));
  if (!lcr) {
    const desired = makeRevision(config);
    try {
      lcr = store.create(RES.revision, desired);
      recordEvent(
        store,
        "configuration-controller",
        config,
        "Normal",
        "Created",
        `Created Revision "${lcr.metadata.name}"`,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      configurationConditions.markFalse(
        status,
        "Ready",
        "RevisionFailed",
        `Revision creation failed with message: ${message}.`,
      );
      postProcess(config, status);
      writeStatus(store, RES.configuration, config, status);
      return;
    }
  }
  const revName = lcr.metadata.name as string;
  status.latestCreatedRevisionName = revName;
  if (status.latestReadyRevisionName !== revName)
    configurationConditions.markUnknown(status, "Ready", "", "");

  const rc = getCondition(lcr, "Ready");
  if (rc?.status === "True" && !status.latestReadyRevisionName) {
    recordEvent(
      store,
      "configuration-controller",
      config,
      "Normal",
      "ConfigurationReady",
      "Configuration becomes ready",
    );
  } else if (rc?.status === "False") {
    configurationConditions.markFalse(
      status,
      "Ready",
      "RevisionFailed",
      `Revision "${revName}" failed with message: ${rc.message ?? ""}.`,
    );
  }

  // findAndSetLatestReadyRevision: newest ready revision from the previous latest ready one up to now.
  const previous = status.latestReadyRevisionName as string | undefined;
  const start = Number(
    revisions.find((r) => r.metadata.name === previous)?.metadata.labels?.[LABEL.configurationGeneration] ??
      0,
  );
  const candidates = [...revisions.filter((r) => r.metadata.name !== revName), lcr]
    .filter((r) => {
      const g = Number(r.metadata.labels?.[LABEL.configurationGeneration]);
      return g >= start && g <= generation;
    })
    .sort(
      (a, b) =>
        Number(b.metadata.labels?.[LABEL.configurationGeneration]) -
        Number(a.metadata.labels?.[LABEL.configurationGeneration]),
    );
  const ready = candidates.find(revisionIsReady);
  if (ready) {
    status.latestReadyRevisionName = ready.metadata.name;
    if (status.latestReadyRevisionName === status.latestCreatedRevisionName) {
      configurationConditions.markTrue(status, "Ready");
    }
    if (previous !== ready.metadata.name) {
      recordEvent(
        store,
        "configuration-controller",
        config,
        "Normal",
        "LatestReadyUpdate",
        `LatestReadyRevisionName updated to "${ready.metadata.name}"`,
      );
    }
  }
  postProcess(config, status);
  writeStatus(store, RES.configuration, config, ordered(status));
}

/** Status fields in upstream's order, so `-o yaml` reads like a real cluster's. */
function ordered(s: KStatus): KStatus {
  const { observedGeneration, conditions, latestReadyRevisionName, latestCreatedRevisionName, ...rest } = s;
  const out: KStatus = {
    observedGeneration,
    conditions,
    latestReadyRevisionName,
    latestCreatedRevisionName,
    ...rest,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}
