// Service → Configuration + Route (pkg/reconciler/service/service.go, resources/configuration.go, route.go):
// creates both children with the Service as controlling owner, keeps them in line with the Service's spec,
// and propagates their status: ConfigurationsReady from the Configuration, RoutesReady from the Route (URL,
// address, traffic), and TrafficNotMigrated while the Route still serves an older revision.
import type { K8sObject } from "../store.js";
import { serviceConditions } from "./conditions.js";
import { RES, type RevisionTemplate, type SimContext } from "./context.js";
import { recordEvent } from "./events.js";
import { ANNOTATION, LABEL } from "./names.js";
import {
  controllerRef,
  isControlledBy,
  jsonEqual,
  postProcess,
  preProcess,
  writeStatus,
  type KStatus,
} from "./status.js";
import { splitKey } from "./workqueue.js";

export interface TrafficSpec {
  configurationName?: string;
  revisionName?: string;
  latestRevision?: boolean;
  percent?: number;
  tag?: string;
}

interface ServiceSpec {
  template?: RevisionTemplate;
  traffic?: TrafficSpec[];
}

const ROLLOUT_DURATION = ["serving.knative.dev/rollout-duration", "serving.knative.dev/rolloutDuration"];

export function makeConfiguration(ksvc: K8sObject, existing?: K8sObject): K8sObject {
  const name = ksvc.metadata.name as string;
  const annotations = { ...(ksvc.metadata.annotations ?? {}) };
  for (const k of [ANNOTATION.lastApplied, ...ROLLOUT_DURATION]) delete annotations[k];
  const routes = new Set(
    (existing?.metadata.annotations?.[ANNOTATION.routes] ?? "").split(",").filter(Boolean),
  );
  routes.add(name);
  annotations[ANNOTATION.routes] = [...routes].sort().join(",");
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Configuration",
    metadata: {
      name,
      namespace: ksvc.metadata.namespace,
      ownerReferences: [controllerRef(ksvc)],
      labels: {
        ...(ksvc.metadata.labels ?? {}),
        [LABEL.service]: name,
        [LABEL.serviceUID]: ksvc.metadata.uid as string,
      },
      annotations,
    },
    spec: { template: (ksvc.spec as ServiceSpec | undefined)?.template ?? {} },
  };
}

export function makeRoute(ksvc: K8sObject): K8sObject {
  const name = ksvc.metadata.name as string;
  const annotations = { ...(ksvc.metadata.annotations ?? {}) };
  delete annotations[ANNOTATION.lastApplied];
  // The webhook defaults an empty traffic block to all traffic on the latest revision.
  const given = (ksvc.spec as ServiceSpec | undefined)?.traffic;
  const traffic: TrafficSpec[] = (given?.length ? given : [{ latestRevision: true, percent: 100 }]).map(
    (t) => (t.revisionName ? { ...t } : { ...t, configurationName: name }),
  );
  return {
    apiVersion: "serving.knative.dev/v1",
    kind: "Route",
    metadata: {
      name,
      namespace: ksvc.metadata.namespace,
      ownerReferences: [controllerRef(ksvc)],
      labels: { ...(ksvc.metadata.labels ?? {}), [LABEL.service]: name },
      annotations,
    },
    spec: { traffic },
  };
}

export function reconcileService(ctx: SimContext, key: string): void {
  const { store } = ctx;
  const [ns, name] = splitKey(key);
  const ksvc = store.get(RES.ksvc, ns, name);
  if (!ksvc || ksvc.metadata.deletionTimestamp) return;
  const status = preProcess(serviceConditions, ksvc);
  const config = child(ctx, ksvc, status, RES.configuration, makeConfiguration, "Configuration");
  if (config) {
    const cs = (config.status ?? {}) as KStatus;
    if (config.metadata.generation !== cs.observedGeneration) {
      serviceConditions.markUnknown(
        status,
        "ConfigurationsReady",
        "OutOfDate",
        "The Configuration is still working to reflect the latest desired specification.",
      );
    } else {
      propagateConfiguration(status, cs);
    }
    const route = child(ctx, ksvc, status, RES.route, makeRoute, "Route");
    if (route) {
      const rs = (route.status ?? {}) as KStatus;
      if (route.metadata.generation !== rs.observedGeneration) {
        serviceConditions.markUnknown(
          status,
          "RoutesReady",
          "OutOfDate",
          "The Route is still working to reflect the latest desired specification.",
        );
      } else {
        propagateRoute(status, rs);
      }
      checkRoutesNotReady(status, config, route);
    }
  }
  postProcess(ksvc, status);
  writeStatus(store, RES.ksvc, ksvc, status);
}

/** Gets, creates or clobbers a child the Service controls; undefined (and NotOwned) when someone else owns it. */
function child(
  ctx: SimContext,
  ksvc: K8sObject,
  status: KStatus,
  res: string,
  make: (ksvc: K8sObject, existing?: K8sObject) => K8sObject,
  kind: "Configuration" | "Route",
): K8sObject | undefined {
  const { store } = ctx;
  const ns = ksvc.metadata.namespace as string;
  const name = ksvc.metadata.name as string;
  const existing = store.get(res, ns, name);
  if (!existing) {
    const created = store.create(res, make(ksvc));
    recordEvent(store, "service-controller", ksvc, "Normal", "Created", `Created ${kind} "${name}"`);
    return created;
  }
  if (!isControlledBy(existing, ksvc)) {
    const condition = kind === "Configuration" ? "ConfigurationsReady" : "RoutesReady";
    serviceConditions.markFalse(
      status,
      condition,
      "NotOwned",
      `There is an existing ${kind} "${name}" that we do not own.`,
    );
    return undefined;
  }
  const desired = make(ksvc, existing);
  if (
    jsonEqual(desired.spec, existing.spec) &&
    jsonEqual(desired.metadata.labels, existing.metadata.labels) &&
    jsonEqual(desired.metadata.annotations, existing.metadata.annotations)
  ) {
    return existing;
  }
  return store.update(res, {
    ...existing,
    spec: desired.spec,
    metadata: {
      ...existing.metadata,
      labels: desired.metadata.labels,
      annotations: desired.metadata.annotations,
    },
  });
}

function propagateConfiguration(status: KStatus, cs: KStatus): void {
  for (const f of ["latestReadyRevisionName", "latestCreatedRevisionName"]) {
    if (cs[f] !== undefined) status[f] = cs[f];
    else delete status[f];
  }
  const cc = cs.conditions?.find((c) => c.type === "Ready");
  if (!cc) return;
  if (cc.status === "True") serviceConditions.markTrue(status, "ConfigurationsReady");
  else if (cc.status === "False") {
    serviceConditions.markFalse(status, "ConfigurationsReady", cc.reason ?? "", cc.message ?? "");
  } else serviceConditions.markUnknown(status, "ConfigurationsReady", cc.reason ?? "", cc.message ?? "");
}

function propagateRoute(status: KStatus, rs: KStatus): void {
  for (const f of ["url", "address", "traffic"]) {
    if (rs[f] !== undefined) status[f] = structuredClone(rs[f]);
    else delete status[f];
  }
  const rc = rs.conditions?.find((c) => c.type === "Ready");
  if (!rc) return;
  if (rc.status === "True") serviceConditions.markTrue(status, "RoutesReady");
  else if (rc.status === "False")
    serviceConditions.markFalse(status, "RoutesReady", rc.reason ?? "", rc.message ?? "");
  else serviceConditions.markUnknown(status, "RoutesReady", rc.reason ?? "", rc.message ?? "");
}

/** The Route is Ready but still sends traffic to an older revision than the Configuration's latest ready. */
function checkRoutesNotReady(status: KStatus, config: K8sObject, route: K8sObject): void {
  if (serviceConditions.get(status, "RoutesReady")?.status !== "True") return;
  const want = ((route.spec as { traffic?: TrafficSpec[] }).traffic ?? []).map((t) => {
    const { latestRevision: _l, ...rest } = t;
    return rest.configurationName === config.metadata.name
      ? {
          ...rest,
          configurationName: undefined,
          revisionName: (config.status as KStatus | undefined)?.latestReadyRevisionName,
        }
      : rest;
  });
  const got = (((route.status ?? {}) as KStatus).traffic as TrafficSpec[] | undefined)?.map((t) => {
    const { latestRevision: _l, ...rest } = t as TrafficSpec & { url?: string };
    delete (rest as { url?: string }).url;
    return rest;
  });
  if (!got || got.length !== want.length || !jsonEqual(got, want)) {
    serviceConditions.markUnknown(
      status,
      "RoutesReady",
      "TrafficNotMigrated",
      "Traffic is not yet migrated to the latest revision.",
    );
  }
}
