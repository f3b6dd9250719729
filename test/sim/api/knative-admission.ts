// What Knative's webhooks do to serving.knative.dev objects written through the API: defaulting
// (pkg/apis/serving/v1/*_defaults.go) and validation (*_validation.go, k8s_validation.go). A denial is what the
// apiserver makes of the webhook's answer: 400 BadRequest, `admission webhook "validation.webhook.serving.
// knative.dev" denied the request: validation failed: <FieldError text>`; we add per-field causes.

import { StatusError } from "./errors.js";
import {
  disallowedFields,
  fieldCauses,
  formatFieldErrors,
  generic,
  invalidValue,
  missingField,
  missingOneOf,
  multipleOneOf,
  outOfBounds,
  parseGoDuration,
  via,
  type FieldError,
} from "./field-errors.js";
import { validateAutoscalingAnnotations, validateNoAutoscalingAnnotations } from "./knative-annotations.js";
import { nameErrors } from "./names.js";
import type { ResourceId } from "./resources.js";
import type { K8sObject } from "../store.js";
import { configMapError } from "../knative/cluster-config.js";

type Obj = Record<string, unknown>;

const WEBHOOK = "validation.webhook.serving.knative.dev";
const CONFIG_WEBHOOK = "config.webhook.serving.knative.dev";
const DEFAULT_TIMEOUT_SECONDS = 300;
const MAX_TIMEOUT_SECONDS = 600;
const MAX_CONTAINER_CONCURRENCY = 1000;
const RESERVED_PORTS = new Set([8012, 8013, 8022, 9090, 9091, 8008]);
const RESERVED_ENV = new Set(["PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"]);
const VALID_PORT_NAMES = new Set(["h2c", "http1", ""]);
const CREATOR = "serving.knative.dev/creator";
const UPDATER = "serving.knative.dev/lastModifier";

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function obj(v: unknown): Obj {
  return isObject(v) ? v : {};
}

function goList(msgs: string[]): string {
  return `[${msgs.join(" ")}]`;
}

export function isKnativeResource(res: ResourceId): boolean {
  return res.startsWith("serving.knative.dev/");
}

// ---------- defaulting ----------

/** config-defaults' values the webhook fills in (pkg/apis/config/defaults.go); upstream's when absent. */
export interface RevisionDefaults {
  revisionTimeoutSeconds: number;
  containerConcurrency: number;
}

const STOCK_DEFAULTS: RevisionDefaults = {
  revisionTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
  containerConcurrency: 0,
};

function defaultRevisionSpec(spec: Obj, defaults: RevisionDefaults): void {
  if (spec.timeoutSeconds === undefined || spec.timeoutSeconds === null || spec.timeoutSeconds === 0) {
    spec.timeoutSeconds = defaults.revisionTimeoutSeconds;
  }
  if (spec.containerConcurrency === undefined || spec.containerConcurrency === null)
    spec.containerConcurrency = defaults.containerConcurrency;
  const containers = Array.isArray(spec.containers) ? (spec.containers as Obj[]) : [];
  const names = new Set(containers.map((c) => c?.name).filter(Boolean));
  let suffix = 0;
  for (const c of containers) {
    if (!isObject(c)) continue;
    if (!c.name) {
      let name = "user-container";
      if (containers.length > 1 || names.has(name)) {
        do name = `user-container-${suffix++}`;
        while (names.has(name));
      }
      c.name = name;
    }
    c.resources = c.resources ?? {};
    if (containers.length === 1 || (Array.isArray(c.ports) && c.ports.length > 0)) {
      const probe = obj(c.readinessProbe);
      if (!probe.tcpSocket && !probe.httpGet && !probe.exec && !probe.grpc) probe.tcpSocket = { port: 0 };
      c.readinessProbe = probe;
    }
    if (isObject(c.readinessProbe)) {
      const p = c.readinessProbe;
      if (!p.successThreshold) p.successThreshold = 1;
      if (p.periodSeconds) {
        p.failureThreshold = p.failureThreshold || 3;
        p.timeoutSeconds = p.timeoutSeconds || 1;
      }
    }
  }
  if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = false;
}

function defaultTemplate(spec: Obj, prevTemplate: Obj | undefined, defaults: RevisionDefaults): void {
  const template = obj(spec.template);
  const name = obj(template.metadata).name;
  if (prevTemplate && name && name === obj(prevTemplate.metadata).name) return;
  template.spec = obj(template.spec);
  defaultRevisionSpec(template.spec as Obj, defaults);
  spec.template = template;
}

function defaultTraffic(spec: Obj, hasDefaultConfiguration: boolean): void {
  if ((!Array.isArray(spec.traffic) || spec.traffic.length === 0) && hasDefaultConfiguration) {
    spec.traffic = [{ latestRevision: true, percent: 100 }];
  }
  if (!Array.isArray(spec.traffic)) return;
  for (const t of spec.traffic as Obj[]) {
    if (!isObject(t)) continue;
    if (t.latestRevision === undefined) t.latestRevision = !t.revisionName;
    if (t.percent === undefined) t.percent = 0;
  }
}

function setUserInfo(o: K8sObject, old: K8sObject | undefined, user: string): void {
  const ann = { ...(o.metadata.annotations ?? {}) };
  if (old) {
    if (JSON.stringify(old.spec) === JSON.stringify(o.spec)) return;
    ann[UPDATER] = user;
  } else {
    ann[CREATOR] = user;
    ann[UPDATER] = user;
  }
  o.metadata.annotations = ann;
}

/** Knative's defaulting webhook, in place. */
export function defaultKnative(
  res: ResourceId,
  o: K8sObject,
  old: K8sObject | undefined,
  user: string,
  defaults: RevisionDefaults = STOCK_DEFAULTS,
): void {
  const spec = obj(o.spec);
  o.spec = spec;
  const oldSpec = old ? obj(old.spec) : undefined;
  switch (res) {
    case "serving.knative.dev/services":
      defaultTemplate(spec, oldSpec && obj(oldSpec.template), defaults);
      defaultTraffic(spec, true);
      setUserInfo(o, old, user);
      break;
    case "serving.knative.dev/configurations":
      defaultTemplate(spec, oldSpec && obj(oldSpec.template), defaults);
      if (!o.metadata.ownerReferences) setUserInfo(o, old, user);
      break;
    case "serving.knative.dev/routes":
      defaultTraffic(spec, false);
      if (!o.metadata.ownerReferences) setUserInfo(o, old, user);
      break;
    case "serving.knative.dev/revisions":
      if (!old) defaultRevisionSpec(spec, defaults);
      break;
  }
}

// ---------- validation ----------

function validateObjectMeta(meta: K8sObject["metadata"]): FieldError[] {
  if (meta.generateName) {
    const msgs = nameErrors(`${meta.generateName}a`, "dns1035Label");
    if (msgs.length > 0) return [generic(`not a DNS 1035 label prefix: ${goList(msgs)}`, "generateName")];
  }
  if (meta.name) {
    const msgs = nameErrors(meta.name, "dns1035Label");
    if (msgs.length > 0) return [generic(`not a DNS 1035 label: ${goList(msgs)}`, "name")];
  }
  if (!meta.name && !meta.generateName) return [generic("name or generateName is required", "name")];
  return [];
}

const IMAGE_REF =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

function validatePorts(ports: unknown): FieldError[] {
  if (!Array.isArray(ports) || ports.length === 0) return [];
  const p = obj(ports[0]);
  const errs: FieldError[] = [];
  const port = Number(p.containerPort ?? 0);
  if (RESERVED_PORTS.has(port)) {
    errs.push(
      invalidValue(
        `${port} is a reserved port`,
        "containerPort",
        `${port} is a reserved port, please use a different value`,
      ),
    );
  }
  if (port < 0 || port > 65535) errs.push(outOfBounds(port, 0, 65535, "containerPort"));
  if (p.protocol !== undefined && p.protocol !== "" && p.protocol !== "TCP")
    errs.push(invalidValue(p.protocol, "protocol"));
  const name = (p.name as string | undefined) ?? "";
  if (!VALID_PORT_NAMES.has(name)) {
    errs.push({
      message: `Port name ${name} is not allowed`,
      paths: [""],
      details: "Name must be empty, or one of: 'h2c', 'http1'",
    });
  }
  return errs;
}

function validateContainer(c: unknown, user: boolean): FieldError[] {
  if (!isObject(c) || Object.keys(c).length === 0) return [missingField("")];
  const errs: FieldError[] = [];
  if (c.name === "queue-proxy") errs.push(generic(`"queue-proxy" is a reserved container name`, "name"));
  (Array.isArray(c.env) ? c.env : []).forEach((e: unknown, i: number) => {
    const name = obj(e).name as string | undefined;
    if (!name) errs.push(missingField(`env[${i}].name`));
    else if (RESERVED_ENV.has(name) && (user || name !== "PORT")) {
      errs.push(generic(`"${name}" is a reserved environment variable`, `env[${i}].name`));
    }
  });
  const image = c.image as string | undefined;
  if (!image) errs.push(missingField("image"));
  else if (!IMAGE_REF.test(image)) {
    errs.push({
      message: "Failed to parse image reference",
      paths: ["image"],
      details: `image: "${image}", error: could not parse reference: ${image}`,
    });
  }
  errs.push(...via("ports", validatePorts(c.ports)));
  const tmp = c.terminationMessagePolicy;
  if (tmp !== undefined && tmp !== "" && tmp !== "File" && tmp !== "FallbackToLogsOnError") {
    errs.push(invalidValue(tmp, "terminationMessagePolicy"));
  }
  return errs;
}

function validatePodSpec(ps: Obj): FieldError[] {
  const containers = Array.isArray(ps.containers) ? ps.containers : [];
  const errs: FieldError[] = [];
  let portCount = 0;
  for (const c of containers)
    portCount += Array.isArray(obj(c).ports) ? (obj(c).ports as unknown[]).length : 0;
  if (portCount === 0 && containers.length > 1) errs.push(missingField("containers[*].ports"));
  if (portCount > 1) {
    errs.push({
      message: "more than one container port is set",
      paths: ["containers[*].ports"],
      details: "Only a single port is allowed across all containers",
    });
  }
  if (containers.length === 0) errs.push(missingField("containers"));
  else if (containers.length === 1)
    errs.push(...via("containers[0]", validateContainer(containers[0], true)));
  else {
    containers.forEach((c, i) => {
      const isUser = Array.isArray(obj(c).ports) && (obj(c).ports as unknown[]).length > 0;
      errs.push(...via(`containers[${i}]`, validateContainer(c, isUser)));
    });
  }
  if (typeof ps.serviceAccountName === "string" && ps.serviceAccountName) {
    for (const m of nameErrors(ps.serviceAccountName, "dns1123Subdomain")) {
      errs.push(invalidValue(ps.serviceAccountName, "serviceAccountName", m));
    }
  }
  return errs;
}

function validateRevisionSpec(spec: Obj): FieldError[] {
  const errs = validatePodSpec(spec);
  const t = spec.timeoutSeconds;
  if (typeof t === "number" && t !== 0 && (t < 0 || t > MAX_TIMEOUT_SECONDS)) {
    errs.push(outOfBounds(t, 0, MAX_TIMEOUT_SECONDS, "timeoutSeconds"));
  }
  const cc = spec.containerConcurrency;
  if (typeof cc === "number" && (cc < 0 || cc > MAX_CONTAINER_CONCURRENCY)) {
    errs.push(outOfBounds(cc, 0, MAX_CONTAINER_CONCURRENCY, "containerConcurrency"));
  }
  return errs;
}

function validateTemplate(template: Obj, parent: K8sObject["metadata"]): FieldError[] {
  const meta = obj(template.metadata);
  const annotations = obj(meta.annotations) as Record<string, string>;
  const errs = [
    ...via("spec", validateRevisionSpec(obj(template.spec))),
    ...via("metadata.annotations", validateAutoscalingAnnotations(annotations)),
  ];
  const deadline = annotations["serving.knative.dev/progress-deadline"];
  if (deadline) {
    const d = parseGoDuration(deadline);
    const k = "metadata.annotations.serving.knative.dev/progress-deadline";
    if (Number.isNaN(d)) errs.push(invalidValue(deadline, k));
    else if (d % 1000 !== 0)
      errs.push(generic(`progress-deadline=${deadline} is not at second precision`, k));
    else if (d < 0) errs.push(generic(`progress-deadline=${deadline} must be positive`, k));
  }
  const name = meta.name as string | undefined;
  if (name) {
    const msgs = nameErrors(name, "dns1035Label");
    const prefix = `${parent.name}-`;
    if (msgs.length > 0) errs.push(invalidValue(`not a DNS 1035 label: ${goList(msgs)}`, "metadata.name"));
    else if (!parent.name && parent.generateName) errs.push(disallowedFields("metadata.name"));
    else if (!name.startsWith(prefix))
      errs.push(invalidValue(`"${name}" must have prefix "${prefix}"`, "metadata.name"));
  }
  return errs;
}

function validateTraffic(traffic: unknown, inService: boolean): FieldError[] {
  const list = Array.isArray(traffic) ? (traffic as unknown[]) : [];
  const errs: FieldError[] = [];
  const tags = new Map<string, number>();
  let sum = 0;
  list.forEach((raw, i) => {
    const t = obj(raw);
    const at = (f: string) => `[${i}].${f}`;
    const revisionName = (t.revisionName as string) ?? "";
    const configurationName = (t.configurationName as string) ?? "";
    if (typeof t.latestRevision === "boolean" && (revisionName !== "") === t.latestRevision) {
      errs.push(
        generic(
          `may not set revisionName "${revisionName}" when latestRevision is ${t.latestRevision}`,
          at("latestRevision"),
        ),
      );
    }
    if (inService && configurationName) errs.push(disallowedFields(at("configurationName")));
    else if (revisionName && configurationName)
      errs.push(multipleOneOf(at("revisionName"), at("configurationName")));
    else if (!inService && !revisionName && !configurationName) {
      errs.push(missingOneOf(at("revisionName"), at("configurationName")));
    }
    if (typeof t.percent === "number") {
      sum += t.percent;
      if (t.percent < 0 || t.percent > 100) errs.push(outOfBounds(t.percent, 0, 100, at("percent")));
    }
    if (t.url) errs.push(disallowedFields(at("url")));
    const tag = t.tag as string | undefined;
    if (!tag) return;
    const msgs = nameErrors(tag, "dns1035Label");
    if (msgs.length > 0) errs.push(invalidValue(`not a DNS 1035 label: ${goList(msgs)}`, at("tag")));
    const prev = tags.get(tag);
    if (prev !== undefined)
      errs.push(generic(`Multiple definitions for "${tag}"`, `[${i}].tag`, `[${prev}].tag`));
    else tags.set(tag, i);
  });
  if (sum !== 100) errs.push(generic(`Traffic targets sum to ${sum}, want 100`, ""));
  return via("traffic", errs);
}

function validateTemplateNameChange(o: K8sObject, old: K8sObject): FieldError[] {
  const t = obj(obj(o.spec).template);
  const ot = obj(obj(old.spec).template);
  const name = obj(t.metadata).name;
  if (!name || name !== obj(ot.metadata).name) return [];
  if (JSON.stringify(t) === JSON.stringify(ot)) return [];
  return [
    {
      message: "Saw the following changes without a name change (-old +new)",
      paths: ["spec.template.metadata.name"],
      details: `{*v1.RevisionTemplateSpec}:\n\t-: ${JSON.stringify(ot.spec)}\n\t+: ${JSON.stringify(t.spec)}\n`,
    },
  ];
}

function validateCreator(o: K8sObject, old: K8sObject): FieldError[] {
  const before = old.metadata.annotations?.[CREATOR];
  const after = o.metadata.annotations?.[CREATOR];
  if (before === after) return [];
  return [
    {
      message: "annotation value is immutable",
      paths: [`metadata.annotations.${CREATOR}`],
    },
  ];
}

/** Validation errors of a serving.knative.dev object, as knative.dev/pkg FieldErrors. */
export function knativeErrors(res: ResourceId, o: K8sObject, old: K8sObject | undefined): FieldError[] {
  const meta = o.metadata;
  const annotations = (meta.annotations ?? {}) as Record<string, string>;
  const spec = obj(o.spec);
  const errs: FieldError[] = [];
  switch (res) {
    case "serving.knative.dev/services":
    case "serving.knative.dev/configurations": {
      errs.push(
        ...via("metadata", [
          ...validateObjectMeta(meta),
          ...via("annotations", validateNoAutoscalingAnnotations(annotations)),
        ]),
      );
      errs.push(...via("spec.template", validateTemplate(obj(spec.template), meta)));
      if (res === "serving.knative.dev/services")
        errs.push(...via("spec", validateTraffic(spec.traffic, true)));
      if (old) {
        errs.push(...validateTemplateNameChange(o, old));
        if (res === "serving.knative.dev/services" || !meta.ownerReferences)
          errs.push(...validateCreator(o, old));
      }
      break;
    }
    case "serving.knative.dev/routes":
      errs.push(...via("metadata", validateObjectMeta(meta)));
      errs.push(...via("spec", validateTraffic(spec.traffic, false)));
      break;
    case "serving.knative.dev/revisions":
      errs.push(
        ...via("metadata", [
          ...validateObjectMeta(meta),
          ...via("annotations", validateAutoscalingAnnotations(annotations)),
        ]),
      );
      if (old) {
        if (JSON.stringify(old.spec) !== JSON.stringify(o.spec)) {
          errs.push({
            message: "Immutable fields changed (-old +new)",
            paths: ["spec"],
            details: `-: ${JSON.stringify(old.spec)}\n+: ${JSON.stringify(o.spec)}`,
          });
        }
      } else errs.push(...via("spec", validateRevisionSpec(spec)));
      break;
  }
  return errs;
}

/**
 * Runs Knative's webhooks on a create or update of the main resource: defaults `o` in place, then throws the
 * apiserver's rendering of a denial if validation fails. Status updates skip both, as upstream does.
 */
export function admitKnative(
  res: ResourceId,
  o: K8sObject,
  old: K8sObject | undefined,
  user: string,
  defaults: RevisionDefaults = STOCK_DEFAULTS,
): void {
  if (res === "/configmaps") {
    // The config webhook (config.webhook.serving.knative.dev) rejects what the config watcher could not parse.
    const err = configMapError(o);
    if (err)
      throw StatusError.badRequest(
        `admission webhook "${CONFIG_WEBHOOK}" denied the request: validation failed: ${err}`,
      );
    return;
  }
  if (!isKnativeResource(res)) return;
  defaultKnative(res, o, old, user, defaults);
  const errs = knativeErrors(res, o, old);
  if (errs.length === 0) return;
  throw StatusError.badRequest(
    `admission webhook "${WEBHOOK}" denied the request: validation failed: ${formatFieldErrors(errs)}`,
    fieldCauses(errs),
  );
}
