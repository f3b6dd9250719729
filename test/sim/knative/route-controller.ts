// Route → traffic, placeholder Service and ingress (pkg/reconciler/route/route.go, traffic/*.go,
// resources/service.go, pkg/reconciler/labeler). The URL is set first; each traffic target must resolve to a
// ready revision (else RevisionMissing, Unknown while waiting, False when the configuration failed); then the
// address, the ExternalName placeholder Service `<route>`, TLS "not enabled", and the simulator's gateway is
// programmed with the route's hosts — the simulated ingress is ready as soon as it is programmed.
import type { K8sObject } from "../store.js";
import { routeConditions } from "./conditions.js";
import { ROUTING_STATE_LABEL, ROUTING_STATE_MODIFIED, revisionIsReady } from "./configuration-controller.js";
import { RES, scaled, type SimContext } from "./context.js";
import type { TrafficTarget } from "./gateway.js";
import { LABEL } from "./names.js";
import type { TrafficSpec } from "./service-controller.js";
import {
  controllerRef,
  getCondition,
  jsonEqual,
  postProcess,
  preProcess,
  rfc3339,
  writeStatus,
  type KStatus,
} from "./status.js";
import { splitKey } from "./workqueue.js";

/** Where the placeholder Service points: the ingress's in-cluster name, as with Kourier. */
export const INGRESS_SERVICE = "kourier-internal.kourier-system.svc.cluster.local";

interface StatusTraffic {
  tag?: string;
  revisionName: string;
  configurationName?: string;
  latestRevision: boolean;
  percent: number;
}

/** networking.knative.dev/visibility: "cluster-local" keeps a route off the external gateway. */
export const VISIBILITY_LABEL = "networking.knative.dev/visibility";

export function isClusterLocal(route: K8sObject): boolean {
  return route.metadata.labels?.[VISIBILITY_LABEL] === "cluster-local";
}

/** The host the external gateway serves for a route (domains.go DomainNameFromTemplate), none when local. */
export function externalHosts(ctx: SimContext, route: K8sObject): string[] {
  if (isClusterLocal(route)) return [];
  return [`${route.metadata.name}.${route.metadata.namespace}.${ctx.config.domain()}`];
}

export function routeHosts(ctx: SimContext, namespace: string, name: string): string[] {
  const hosts = [
    `${name}.${namespace}.${ctx.config.domain()}`,
    `${name}.${namespace}.svc.cluster.local`,
    `${name}.${namespace}.svc`,
    `${name}.${namespace}`,
  ];
  return [...new Set(hosts)];
}

export function reconcileRoute(ctx: SimContext, key: string): { requeueAfterMs?: number } | void {
  const { store } = ctx;
  const [ns, name] = splitKey(key);
  const route = store.get(RES.route, ns, name);
  if (!route || route.metadata.deletionTimestamp) return;
  const status = preProcess(routeConditions, route);
  if (route.metadata.generation !== status.observedGeneration) {
    routeConditions.markUnknown(
      status,
      "IngressReady",
      "IngressNotConfigured",
      "Ingress has not yet been reconciled.",
    );
  }
  // config-domain's default domain, read at each reconcile (an edit resyncs every route).
  status.url = isClusterLocal(route)
    ? `http://${name}.${ns}.svc.cluster.local`
    : `http://${name}.${ns}.${ctx.config.domain()}`;

  let requeueAfterMs: number | undefined;
  const traffic = configureTraffic(ctx, route, status);
  if (traffic) {
    status.traffic = traffic;
    routeConditions.markTrue(status, "AllTrafficAssigned");
    status.address = { url: `http://${name}.${ns}.svc.cluster.local` };
    ensurePlaceholderService(ctx, route);
    routeConditions.markTrueWithReason(
      status,
      "CertificateProvisioned",
      "TLSNotEnabled",
      "external-domain-tls is not enabled",
    );
    const byRevision = new Map<string, number>();
    for (const t of traffic)
      byRevision.set(t.revisionName, (byRevision.get(t.revisionName) ?? 0) + t.percent);
    const targets: TrafficTarget[] = [...byRevision].map(([revision, percent]) => ({ revision, percent }));
    labelRevisions(ctx, route, new Set(byRevision.keys()));
    // The ingress delay knob: a route's first programming answers only after the load balancer is ready
    // (IngressReady Unknown `Uninitialized` meanwhile, as the Ingress's LoadBalancerReady reports it and
    // route_lifecycle.go PropagateIngressStatus copies it); later traffic changes apply at once.
    const wait = ctx.gateway.ingressWait(ns, name, scaled(ctx, ctx.delays.ingressReadyMs));
    if (wait > 0) {
      routeConditions.markUnknown(
        status,
        "IngressReady",
        "Uninitialized",
        "Waiting for load balancer to be ready",
      );
      requeueAfterMs = wait + 1;
    } else {
      ctx.gateway.setRoute(ns, name, routeHosts(ctx, ns, name), targets, externalHosts(ctx, route));
      routeConditions.markTrue(status, "IngressReady");
    }
  }
  postProcess(route, status);
  writeStatus(store, RES.route, route, ordered(status));
  return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
}

/** BuildTrafficConfiguration: resolves every target, or marks the first bad one and returns undefined. */
function configureTraffic(ctx: SimContext, route: K8sObject, status: KStatus): StatusTraffic[] | undefined {
  const { store } = ctx;
  const ns = route.metadata.namespace as string;
  const out: StatusTraffic[] = [];
  for (const t of ((route.spec ?? {}) as { traffic?: TrafficSpec[] }).traffic ?? []) {
    const percent = t.percent ?? 0;
    if (t.configurationName) {
      const config = store.get(RES.configuration, ns, t.configurationName);
      if (!config) {
        routeConditions.markFalse(
          status,
          "AllTrafficAssigned",
          "ConfigurationMissing",
          `Configuration "${t.configurationName}" referenced in traffic not found.`,
        );
        return undefined;
      }
      const latestReady = (config.status as KStatus | undefined)?.latestReadyRevisionName as
        string | undefined;
      if (!latestReady) {
        if (getCondition(config, "Ready")?.status === "False") {
          routeConditions.markFalse(
            status,
            "AllTrafficAssigned",
            "RevisionMissing",
            `Configuration "${config.metadata.name}" does not have any ready Revision.`,
          );
        } else {
          routeConditions.markUnknown(
            status,
            "AllTrafficAssigned",
            "RevisionMissing",
            `Configuration "${config.metadata.name}" is waiting for a Revision to become ready.`,
          );
        }
        return undefined;
      }
      out.push(target(t, latestReady, true, percent));
    } else if (t.revisionName) {
      const rev = store.get(RES.revision, ns, t.revisionName);
      if (!rev) {
        routeConditions.markFalse(
          status,
          "AllTrafficAssigned",
          "RevisionMissing",
          `Revision "${t.revisionName}" referenced in traffic not found.`,
        );
        return undefined;
      }
      if (!revisionIsReady(rev)) {
        if (getCondition(rev, "Ready")?.status === "False") {
          routeConditions.markFalse(
            status,
            "AllTrafficAssigned",
            "RevisionMissing",
            `Revision "${t.revisionName}" failed to become ready.`,
          );
        } else {
          routeConditions.markUnknown(
            status,
            "AllTrafficAssigned",
            "RevisionMissing",
            `Revision "${t.revisionName}" is not yet ready.`,
          );
        }
        return undefined;
      }
      out.push(target(t, t.revisionName, false, percent));
    }
  }
  return out;
}

function target(t: TrafficSpec, revisionName: string, latest: boolean, percent: number): StatusTraffic {
  const out: StatusTraffic = { revisionName, latestRevision: latest, percent };
  if (t.tag) out.tag = t.tag;
  return out;
}

function ensurePlaceholderService(ctx: SimContext, route: K8sObject): void {
  const ns = route.metadata.namespace as string;
  const name = route.metadata.name as string;
  const desired: K8sObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace: ns,
      labels: {
        [LABEL.route]: name,
        ...(route.metadata.labels?.[LABEL.service]
          ? { [LABEL.service]: route.metadata.labels[LABEL.service] }
          : {}),
      },
      ownerReferences: [controllerRef(route)],
    },
    spec: {
      type: "ExternalName",
      externalName: INGRESS_SERVICE,
      sessionAffinity: "None",
      ports: [{ name: "http2", protocol: "TCP", port: 80, targetPort: 80 }],
    },
  };
  const existing = ctx.store.get(RES.service, ns, name);
  if (!existing) ctx.store.create(RES.service, desired);
  else if (!jsonEqual(existing.spec, desired.spec))
    ctx.store.update(RES.service, { ...existing, spec: desired.spec });
}

/** The labeler: revisions this route sends traffic to are "active", the configuration's others "reserve". */
function labelRevisions(ctx: SimContext, route: K8sObject, active: Set<string>): void {
  const { store } = ctx;
  const ns = route.metadata.namespace as string;
  const configs = new Set(
    (((route.spec ?? {}) as { traffic?: TrafficSpec[] }).traffic ?? [])
      .map((t) => t.configurationName)
      .filter(Boolean),
  );
  for (const rev of store.list(RES.revision, ns).items) {
    const name = rev.metadata.name as string;
    const mine = active.has(name) || configs.has(rev.metadata.labels?.[LABEL.configuration]);
    if (!mine) continue;
    const state = active.has(name) ? "active" : "reserve";
    const labels = { ...(rev.metadata.labels ?? {}) };
    if (labels[ROUTING_STATE_LABEL] === state) continue;
    labels[ROUTING_STATE_LABEL] = state;
    if (state === "active") labels[LABEL.route] = route.metadata.name as string;
    else delete labels[LABEL.route];
    const annotations = {
      ...(rev.metadata.annotations ?? {}),
      [ROUTING_STATE_MODIFIED]: rfc3339(new Date()),
    };
    store.update(RES.revision, { ...rev, metadata: { ...rev.metadata, labels, annotations } });
  }
}

function ordered(s: KStatus): KStatus {
  const { observedGeneration, conditions, url, address, traffic, ...rest } = s;
  const out: KStatus = { observedGeneration, conditions, url, address, traffic, ...rest };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}
