// Revision → Deployment, Services and autoscaling (pkg/reconciler/revision/revision.go,
// reconcile_resources.go, resources/deploy.go, resources/meta.go; the SKS's Services from
// pkg/reconciler/serverlessservice). Order as upstream: resolve the image digest (ContainerMissing when it
// cannot be), create or inspect the Deployment (ExitCode<N> from a crashing container, the Deployment's
// ProgressDeadlineExceeded), then take Active/ResourcesAvailable from the PodAutoscaler.
import { createHash } from "node:crypto";
import type { K8sObject } from "../store.js";
import { resolveAutoscaling } from "./autoscaler-config.js";
import type { PaStatus } from "./autoscaler.js";
import { clusterAutoscaling } from "./cluster-config.js";
import { revisionConditions } from "./conditions.js";
import { RES, type ContainerSpec, type SimContext, type TemplateSpec } from "./context.js";
import { recordEvent } from "./events.js";
import { classifyImage, parseTunables } from "./images.js";
import { ANNOTATION, LABEL, deploymentName, privateServiceName } from "./names.js";
import {
  controllerRef,
  isControlledBy,
  jsonEqual,
  postProcess,
  preProcess,
  writeStatus,
  type KStatus,
} from "./status.js";
import { clusterIP } from "./workloads.js";
import { splitKey } from "./workqueue.js";

export const QUEUE_PROXY_IMAGE =
  "gcr.io/knative-releases/knative.dev/serving/cmd/queue@sha256:1e0b7b4a6b44fbb1b3b7e5c9ab1a0d1f0ac8c3a3c0ffee0b8a3b4c5d6e7f8091";
const EXCLUDED_LABELS = [LABEL.route, "serving.knative.dev/routingState"];
const EXCLUDED_ANNOTATIONS = [
  "serving.knative.dev/lastPinned",
  "serving.knative.dev/preserve",
  "serving.knative.dev/routingStateModified",
  ANNOTATION.routes,
];

export interface RevisionDeps {
  /** The PodAutoscaler for a revision with a Deployment (created on first call), or undefined before that. */
  autoscaler(rev: K8sObject): PaStatus | undefined;
}

/** makeLabels: the revision's labels (minus routing ones) plus revision name/UID and a default `app`. */
export function podLabels(rev: K8sObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(rev.metadata.labels ?? {}))
    if (!EXCLUDED_LABELS.includes(k)) labels[k] = v;
  labels[LABEL.revision] = rev.metadata.name as string;
  labels[LABEL.revisionUID] = rev.metadata.uid as string;
  labels[LABEL.app] ??= rev.metadata.name as string;
  return labels;
}

/** Annotations that travel to the Deployment and pods: all but routing and autoscaling ones. */
export function podAnnotations(rev: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rev.metadata.annotations ?? {})) {
    if (!EXCLUDED_ANNOTATIONS.includes(k) && !k.startsWith("autoscaling.knative.dev/")) out[k] = v;
  }
  return out;
}

export function userPort(container: ContainerSpec | undefined): number {
  return container?.ports?.[0]?.containerPort ?? 8080;
}

/** The pod template of a revision: the user container plus the queue-proxy sidecar (resources/deploy.go). */
export function podSpec(rev: K8sObject): Record<string, unknown> {
  const spec = (rev.spec ?? {}) as TemplateSpec;
  const user = spec.containers?.[0] ?? {};
  const port = userPort(user);
  const labels = rev.metadata.labels ?? {};
  const env = [
    ...(user.env ?? []),
    { name: "PORT", value: String(port) },
    { name: "K_REVISION", value: rev.metadata.name as string },
    { name: "K_CONFIGURATION", value: labels[LABEL.configuration] ?? "" },
    { name: "K_SERVICE", value: labels[LABEL.service] ?? "" },
  ];
  const userContainer: ContainerSpec = {
    ...user,
    name: user.name || "user-container",
    ports: [{ name: "user-port", containerPort: port, protocol: "TCP" }],
    env,
    terminationMessagePolicy: "FallbackToLogsOnError",
    terminationMessagePath: "/dev/termination-log",
    imagePullPolicy: "IfNotPresent",
  };
  const queueProxy: ContainerSpec = {
    name: "queue-proxy",
    image: QUEUE_PROXY_IMAGE,
    ports: [
      { name: "http-queueadm", containerPort: 8022, protocol: "TCP" },
      { name: "http-autometric", containerPort: 9090, protocol: "TCP" },
      { name: "http-usermetric", containerPort: 9091, protocol: "TCP" },
      { name: "queue-port", containerPort: 8012, protocol: "TCP" },
      { name: "https-port", containerPort: 8112, protocol: "TCP" },
    ],
    env: [
      { name: "SERVING_NAMESPACE", value: rev.metadata.namespace as string },
      { name: "SERVING_SERVICE", value: labels[LABEL.service] ?? "" },
      { name: "SERVING_CONFIGURATION", value: labels[LABEL.configuration] ?? "" },
      { name: "SERVING_REVISION", value: rev.metadata.name as string },
      { name: "CONTAINER_CONCURRENCY", value: String(spec.containerConcurrency ?? 0) },
      { name: "REVISION_TIMEOUT_SECONDS", value: String(spec.timeoutSeconds ?? 300) },
      ...(spec.responseStartTimeoutSeconds
        ? [
            {
              name: "REVISION_RESPONSE_START_TIMEOUT_SECONDS",
              value: String(spec.responseStartTimeoutSeconds),
            },
          ]
        : []),
      { name: "QUEUE_SERVING_PORT", value: "8012" },
      { name: "USER_PORT", value: String(port) },
    ],
    readinessProbe: {
      httpGet: { port: 8012, httpHeaders: [{ name: "K-Network-Probe", value: "queue" }] },
      periodSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
      timeoutSeconds: 1,
    },
    resources: { requests: { cpu: "25m" } },
  };
  return {
    containers: [userContainer, queueProxy],
    enableServiceLinks: false,
    terminationGracePeriodSeconds: spec.timeoutSeconds ?? 300,
    restartPolicy: "Always",
    dnsPolicy: "ClusterFirst",
    schedulerName: "default-scheduler",
  };
}

export function makeDeployment(ctx: SimContext, rev: K8sObject): K8sObject {
  const spec = (rev.spec ?? {}) as TemplateSpec;
  const as = resolveAutoscaling(
    rev.metadata.annotations,
    spec.containerConcurrency ?? 0,
    clusterAutoscaling(ctx.config),
  );
  const labels = podLabels(rev);
  const annotations = podAnnotations(rev);
  const containerName = spec.containers?.[0]?.name || "user-container";
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: deploymentName(rev.metadata.name as string),
      namespace: rev.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [controllerRef(rev)],
    },
    spec: {
      replicas: as.initialScale,
      selector: { matchLabels: { [LABEL.revisionUID]: rev.metadata.uid as string } },
      progressDeadlineSeconds: Math.round(as.progressDeadlineMs / 1000),
      revisionHistoryLimit: 0,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
      template: {
        metadata: { labels, annotations: { ...annotations, [ANNOTATION.defaultContainer]: containerName } },
        spec: podSpec(rev),
      },
    },
  };
}

function makeRevisionService(rev: K8sObject, kind: "Public" | "Private"): K8sObject {
  const rname = rev.metadata.name as string;
  const name = kind === "Public" ? rname : privateServiceName(rname);
  const ns = rev.metadata.namespace as string;
  const ports =
    kind === "Public"
      ? [
          { name: "http", protocol: "TCP", port: 80, targetPort: 8012 },
          { name: "https", protocol: "TCP", port: 443, targetPort: 8112 },
        ]
      : [
          { name: "http", protocol: "TCP", port: 80, targetPort: 8012 },
          { name: "https", protocol: "TCP", port: 443, targetPort: 8112 },
          { name: "http-autometric", protocol: "TCP", port: 9090, targetPort: "http-autometric" },
          { name: "http-usermetric", protocol: "TCP", port: 9091, targetPort: "http-usermetric" },
          { name: "http-queueadm", protocol: "TCP", port: 8022, targetPort: 8022 },
          { name: "http-istio-mtls", protocol: "TCP", port: 8013, targetPort: 8013 },
        ];
  const ip = clusterIP(ns, name);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace: ns,
      labels: { ...podLabels(rev), [LABEL.serviceType]: kind },
      ownerReferences: [controllerRef(rev)],
    },
    spec: {
      type: "ClusterIP",
      clusterIP: ip,
      clusterIPs: [ip],
      ports,
      ...(kind === "Private" ? { selector: { [LABEL.revisionUID]: rev.metadata.uid as string } } : {}),
      sessionAffinity: "None",
    },
  };
}

export function reconcileRevision(ctx: SimContext, deps: RevisionDeps, key: string): void {
  const { store } = ctx;
  const [ns, name] = splitKey(key);
  const rev = store.get(RES.revision, ns, name);
  if (!rev || rev.metadata.deletionTimestamp) return;
  const readyBefore =
    (rev.status as KStatus | undefined)?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const status = preProcess(revisionConditions, rev);
  const spec = (rev.spec ?? {}) as TemplateSpec;
  const container = spec.containers?.[0] ?? {};
  const image = container.image ?? "";
  const behaviour = classifyImage(image, rev.metadata.annotations);

  if (behaviour.pullError) {
    revisionConditions.markFalse(
      status,
      "ContainerHealthy",
      "ContainerMissing",
      `Unable to fetch image "${image}": failed to resolve image to digest: ${behaviour.pullError}`,
    );
    finish(ctx, rev, status, readyBefore);
    return;
  }
  const repo = image.split("@")[0].replace(/:[^/:]+$/, "");
  status.containerStatuses = [
    {
      name: container.name || "user-container",
      imageDigest: `${repo}@sha256:${createHash("sha256").update(image).digest("hex")}`,
    },
  ];

  reconcileDeployment(ctx, rev, status);
  for (const kind of ["Public", "Private"] as const) ensureService(ctx, makeRevisionService(rev, kind));
  const pa = deps.autoscaler(rev);
  propagateAutoscalerStatus(status, pa);
  finish(ctx, rev, status, readyBefore);
}

function finish(ctx: SimContext, rev: K8sObject, status: KStatus, readyBefore: boolean): void {
  postProcess(rev, status);
  const written = writeStatus(ctx.store, RES.revision, rev, status);
  const readyAfter = revisionConditions.isTrue(status);
  if (!readyBefore && readyAfter) {
    recordEvent(
      ctx.store,
      "revision-controller",
      written,
      "Normal",
      "RevisionReady",
      "Revision becomes ready upon all resources being ready",
    );
  }
}

function reconcileDeployment(ctx: SimContext, rev: K8sObject, status: KStatus): void {
  const { store } = ctx;
  const ns = rev.metadata.namespace as string;
  const dname = deploymentName(rev.metadata.name as string);
  const deployment = store.get(RES.deployment, ns, dname);
  if (!deployment) {
    revisionConditions.markUnknown(status, "ResourcesAvailable", "Deploying", "");
    revisionConditions.markUnknown(status, "ContainerHealthy", "Deploying", "");
    store.create(RES.deployment, makeDeployment(ctx, rev));
    const { invalid } = parseTunables(rev.metadata.annotations);
    if (invalid.length > 0) {
      recordEvent(
        store,
        "knative-sim",
        rev,
        "Warning",
        "InvalidSimAnnotation",
        `${invalid.join("; ")}; using the defaults`,
      );
    }
    return;
  }
  if (!isControlledBy(deployment, rev)) {
    revisionConditions.markFalse(
      status,
      "ResourcesAvailable",
      "NotOwned",
      `There is an existing Deployment "${dname}" that we do not own.`,
    );
    return;
  }
  const ds = (deployment.status ?? {}) as DeploymentStatus;
  propagateDeploymentStatus(status, ds);
  const replicas = (deployment.spec as { replicas?: number }).replicas ?? 1;
  if (replicas > 0 && (ds.availableReplicas ?? 0) === 0) {
    const pods = store.list(RES.pod, ns, { labelSelector: `${LABEL.revisionUID}=${rev.metadata.uid}` }).items;
    const pod = pods[0];
    // A pod the scheduler cannot place has no container statuses yet: its PodScheduled condition says why.
    if (pod && !ctx.config.deployment().podIsAlwaysSchedulable) {
      const sched = ((pod.status ?? {}) as PodStatusLike).conditions?.find(
        (c) => c.type === "PodScheduled" && c.status === "False",
      );
      if (sched)
        revisionConditions.markFalse(status, "ResourcesAvailable", sched.reason ?? "", sched.message ?? "");
    }
    for (const cs of ((pod?.status ?? {}) as PodStatusLike).containerStatuses ?? []) {
      if (cs.name === "queue-proxy") continue;
      const t = cs.lastState?.terminated;
      if (t) {
        const message = t.exitCode === 0 && !t.message ? "container exited with no error" : (t.message ?? "");
        revisionConditions.markFalse(
          status,
          "ContainerHealthy",
          `ExitCode${t.exitCode}`,
          `Container failed with: ${message}`,
        );
        break;
      }
      const w = cs.state?.waiting;
      if (w && deploymentTimedOut(ds)) {
        revisionConditions.markFalse(status, "ResourcesAvailable", w.reason ?? "", w.message ?? "");
        break;
      }
    }
  }
  if ((ds.readyReplicas ?? 0) > 0) revisionConditions.markTrue(status, "ContainerHealthy");
}

interface DeploymentStatus {
  readyReplicas?: number;
  availableReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

interface PodStatusLike {
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  containerStatuses?: {
    name: string;
    state?: { waiting?: { reason?: string; message?: string } };
    lastState?: { terminated?: { exitCode: number; message?: string } };
  }[];
}

function deploymentTimedOut(ds: DeploymentStatus): boolean {
  return (
    ds.conditions?.some((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded") ?? false
  );
}

/** TransformDeploymentStatus + PropagateDeploymentStatus (pkg/apis/serving/k8s_lifecycle.go). */
function propagateDeploymentStatus(status: KStatus, ds: DeploymentStatus): void {
  let state: { status: string; reason: string; message: string } = {
    status: "Unknown",
    reason: "Deploying",
    message: "",
  };
  const progressing = ds.conditions?.find((c) => c.type === "Progressing");
  const failure = ds.conditions?.find((c) => c.type === "ReplicaFailure");
  if (progressing?.status === "True") state = { status: "True", reason: "", message: "" };
  else if (progressing?.status === "False")
    state = { status: "False", reason: progressing.reason ?? "", message: progressing.message ?? "" };
  else if (progressing)
    state = { status: "Unknown", reason: progressing.reason ?? "", message: progressing.message ?? "" };
  if (failure?.status === "True" && state.status !== "False") {
    state = { status: "False", reason: failure.reason ?? "", message: failure.message ?? "" };
  }
  if (state.status === "True") revisionConditions.markTrue(status, "ResourcesAvailable");
  else if (state.status === "False")
    revisionConditions.markFalse(status, "ResourcesAvailable", state.reason, state.message);
  else revisionConditions.markUnknown(status, "ResourcesAvailable", state.reason, state.message);
}

/** PropagateAutoscalerStatus (pkg/apis/serving/v1/revision_lifecycle.go). */
function propagateAutoscalerStatus(status: KStatus, pa: PaStatus | undefined): void {
  const c = revisionConditions;
  const resUnavailable =
    c.get(status, "ResourcesAvailable")?.status === "False" ||
    c.get(status, "ContainerHealthy")?.status === "False";
  delete status.actualReplicas;
  delete status.desiredReplicas;
  if (!pa) {
    c.markUnknown(status, "Active", "Deploying", "");
    if (!resUnavailable) c.markUnknown(status, "ResourcesAvailable", "Deploying", "");
    return;
  }
  if (pa.actualScale >= 0) status.actualReplicas = pa.actualScale;
  if (pa.desiredScale >= 0) status.desiredReplicas = pa.desiredScale;
  if (pa.scaleTargetInitialized && !resUnavailable) {
    c.markTrue(status, "ResourcesAvailable");
    c.markTrue(status, "ContainerHealthy");
  }
  if (
    c.get(status, "ResourcesAvailable")?.status === "True" &&
    (!pa.serviceName || !pa.scaleTargetInitialized)
  ) {
    c.markUnknown(status, "ResourcesAvailable", "Deploying", "");
  }
  if (pa.ready.status === "Unknown") c.markUnknown(status, "Active", pa.ready.reason, pa.ready.message);
  else if (pa.ready.status === "False") {
    if (!pa.scaleTargetInitialized && !resUnavailable && pa.serviceName) {
      c.markFalse(
        status,
        "ResourcesAvailable",
        "ProgressDeadlineExceeded",
        "Initial scale was never achieved",
      );
    }
    c.markFalse(status, "Active", pa.ready.reason, pa.ready.message);
  } else c.markTrue(status, "Active");
}

function ensureService(ctx: SimContext, desired: K8sObject): void {
  const ns = desired.metadata.namespace as string;
  const existing = ctx.store.get(RES.service, ns, desired.metadata.name as string);
  if (!existing) ctx.store.create(RES.service, desired);
  else if (!jsonEqual(existing.spec, desired.spec))
    ctx.store.update(RES.service, { ...existing, spec: desired.spec });
}
