// The service file: exactly one serving.knative.dev/v1 Service, checked with line numbers, then adapted to this
// run (name, namespace, image). Other kinds in the file are refused rather than ignored: the gate applies only
// the Service, and silently dropping a ConfigMap it needs would measure a broken app.
import { ErrorCollector, InputError } from "./errors.js";
import type { FileInput } from "./files.js";
import {
  autoscalingAnnotationProblems,
  containerConcurrencyProblem,
  misplacedAutoscalingKeys,
} from "./knative-annotations.js";
import { imageProblem, namespaceProblem, serviceNameProblem } from "./names.js";
import { loadYamlWithLines, type LoadedYaml } from "./yaml-lines.js";
import type { KnativeServiceManifest } from "./settings.js";

export const KNATIVE_API_VERSION = "serving.knative.dev/v1";
const INPUT = "service-file";
/** A Kubernetes object is at most ~1.5 MiB in etcd; a larger file is a mistake (a binary, a log). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** How the service-file input is read (at most MAX_MANIFEST_BYTES + 1 bytes of it). */
export const SERVICE_FILE: FileInput = {
  input: INPUT,
  maxBytes: MAX_MANIFEST_BYTES,
  tooLargeHint: "it should hold one Knative Service manifest",
};

/** Values from other inputs that replace the file's, already validated by their own inputs. */
export interface ManifestOverrides {
  serviceName?: string;
  namespace?: string;
  image?: string;
}

/** Fields the API server sets; a manifest exported with `kubectl get -o yaml` carries them and they must go. */
const SERVER_METADATA = [
  "resourceVersion",
  "uid",
  "creationTimestamp",
  "generation",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
];
/** Set by Knative's webhook on create; on update it refuses a changed creator. */
const SERVER_ANNOTATIONS = ["serving.knative.dev/creator", "serving.knative.dev/lastModifier"];

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj =>
  value !== null && typeof value === "object" && !Array.isArray(value);

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}

function describeDocument(value: unknown): string {
  if (!isObject(value)) return describeValue(value);
  const kind = typeof value.kind === "string" ? value.kind : "(no kind)";
  const apiVersion = typeof value.apiVersion === "string" ? value.apiVersion : "(no apiVersion)";
  const name =
    isObject(value.metadata) && typeof value.metadata.name === "string" ? ` "${value.metadata.name}"` : "";
  return `${apiVersion} ${kind}${name}`;
}

/**
 * Parse and check the service file, then apply the overrides. Throws InputError(s) naming `service-file` with
 * the line of the problem; every problem in the Service is reported at once.
 */
export function parseServiceManifest(
  text: string,
  overrides: ManifestOverrides = {},
): KnativeServiceManifest {
  if (Buffer.byteLength(text, "utf8") > MAX_MANIFEST_BYTES) {
    throw new InputError(INPUT, `the file is larger than ${MAX_MANIFEST_BYTES / 1024} KiB`, {
      hint: "it should hold one Knative Service manifest",
    });
  }
  const loaded = loadYamlWithLines(text, INPUT);
  const documents = loaded.documents.filter((d) => d.value !== null && d.value !== undefined);
  if (documents.length === 0) {
    throw new InputError(INPUT, "the file has no YAML documents", {
      hint: `it should hold one Service with apiVersion: ${KNATIVE_API_VERSION}`,
    });
  }
  if (documents.length > 1) {
    const found = documents.map((d) => `${describeDocument(d.value)} (line ${d.line})`).join(", ");
    throw new InputError(
      INPUT,
      `expected exactly one ${KNATIVE_API_VERSION} Service, found ${documents.length} documents: ${found}`,
      {
        line: documents[1].line,
        hint: "keep one Service per file; apply other resources in an earlier step",
      },
    );
  }
  const [document] = documents;
  if (!isObject(document.value)) {
    throw new InputError(INPUT, `the document is ${describeValue(document.value)}, not a Kubernetes object`, {
      line: document.line,
      hint: `it should be a Service with apiVersion: ${KNATIVE_API_VERSION}`,
    });
  }
  checkKind(document.value, loaded);
  validateService(document.value, loaded, overrides);
  return adapt(document.value, overrides);
}

function checkKind(doc: Obj, loaded: LoadedYaml): void {
  const { apiVersion, kind } = doc;
  if (kind !== "Service") {
    throw new InputError(
      INPUT,
      kind === undefined ? "kind is missing" : `kind is ${JSON.stringify(kind)}, not Service`,
      {
        line: loaded.lineOf(doc, "kind"),
        hint: `the file must hold a Knative Service (apiVersion: ${KNATIVE_API_VERSION}, kind: Service)`,
      },
    );
  }
  if (apiVersion === KNATIVE_API_VERSION) return;
  const line = loaded.lineOf(doc, "apiVersion");
  if (apiVersion === "v1") {
    throw new InputError(INPUT, "apiVersion v1 is a Kubernetes core Service, not a Knative Service", {
      line,
      hint: `use apiVersion: ${KNATIVE_API_VERSION}`,
    });
  }
  if (typeof apiVersion === "string" && apiVersion.startsWith("serving.knative.dev/")) {
    throw new InputError(INPUT, `apiVersion ${apiVersion} is no longer served by Knative`, {
      line,
      hint: `use apiVersion: ${KNATIVE_API_VERSION}`,
    });
  }
  throw new InputError(
    INPUT,
    `apiVersion is ${apiVersion === undefined ? "missing" : JSON.stringify(apiVersion)}`,
    {
      line: apiVersion === undefined ? loaded.lineOf(doc) : line,
      hint: `use apiVersion: ${KNATIVE_API_VERSION}`,
    },
  );
}

function validateService(doc: Obj, loaded: LoadedYaml, overrides: ManifestOverrides): void {
  const errors = new ErrorCollector();
  const fail = (problem: string, line: number | undefined, hint?: string) =>
    errors.add(new InputError(INPUT, problem, { line, hint }));

  const metadata = doc.metadata;
  let name: string | undefined;
  if (!isObject(metadata)) {
    if (!overrides.serviceName)
      fail(
        "metadata.name is required",
        loaded.lineOf(doc, "metadata"),
        "set it, or set the service-name input",
      );
  } else {
    if (metadata.name !== undefined && typeof metadata.name !== "string") {
      fail(`metadata.name is ${describeValue(metadata.name)}, not a string`, loaded.lineOf(metadata, "name"));
    } else if (typeof metadata.name === "string" && !overrides.serviceName) {
      name = metadata.name;
      const problem = serviceNameProblem(name);
      if (problem)
        fail(
          `metadata.name: ${problem}`,
          loaded.lineOf(metadata, "name"),
          "fix it, or set the service-name input",
        );
    } else if (metadata.name === undefined && !overrides.serviceName) {
      const hint =
        metadata.generateName !== undefined
          ? "generateName is not supported: the gate must know the name to wait for it; set metadata.name or the service-name input"
          : "set it, or set the service-name input";
      fail("metadata.name is required", loaded.lineOf(metadata), hint);
    }
    if (metadata.namespace !== undefined && !overrides.namespace) {
      const problem =
        typeof metadata.namespace === "string" ? namespaceProblem(metadata.namespace) : "not a string";
      if (problem)
        fail(
          `metadata.namespace: ${problem}`,
          loaded.lineOf(metadata, "namespace"),
          "fix it, or set the namespace input",
        );
    }
  }
  const finalName = overrides.serviceName ?? name;

  const spec = doc.spec;
  const template = isObject(spec) ? spec.template : undefined;
  const podSpec = isObject(template) ? template.spec : undefined;
  if (!isObject(spec)) {
    fail(
      `spec is ${describeValue(spec)}; it must be a mapping with spec.template`,
      loaded.lineOf(doc, "spec") ?? loaded.lineOf(doc),
    );
  } else if (!isObject(template)) {
    fail("spec.template is required", loaded.lineOf(spec, "template"));
  } else if (!isObject(podSpec)) {
    fail("spec.template.spec is required", loaded.lineOf(template, "spec"));
  } else {
    validateContainers(podSpec, loaded, overrides, fail);
    const revisionName = isObject(template.metadata) ? template.metadata.name : undefined;
    if (
      revisionName !== undefined &&
      finalName !== undefined &&
      !String(revisionName).startsWith(`${finalName}-`)
    ) {
      fail(
        `spec.template.metadata.name "${String(revisionName)}" must start with "${finalName}-"`,
        loaded.lineOf(template.metadata, "name"),
        "Knative requires revision names to start with the Service name; remove it to let Knative name revisions",
      );
    }
    validateTraffic(spec, loaded, fail);
    validateStringMap(template.metadata, "spec.template.metadata", loaded, fail);
    validateKnativeFields(template, podSpec, loaded, fail);
  }
  validateStringMap(metadata, "metadata", loaded, fail);
  validateServiceAnnotations(metadata, loaded, fail);
  errors.throwIfAny();
}

type Fail = (problem: string, line: number | undefined, hint?: string) => void;

function validateContainers(
  podSpec: Obj,
  loaded: LoadedYaml,
  overrides: ManifestOverrides,
  fail: Fail,
): void {
  const containers = podSpec.containers;
  const path = "spec.template.spec.containers";
  if (!Array.isArray(containers) || containers.length === 0) {
    fail(
      `${path} must list at least one container`,
      loaded.lineOf(podSpec, "containers"),
      "e.g. containers: [{image: ...}]",
    );
    return;
  }
  containers.forEach((container, index) => {
    const at = `${path}[${index}]`;
    if (!isObject(container)) {
      fail(`${at} is ${describeValue(container)}, not a mapping`, loaded.lineOf(containers, index));
      return;
    }
    validateEnv(container, at, loaded, fail);
    const overridden = index === 0 && overrides.image !== undefined;
    if (container.image === undefined || container.image === null || container.image === "") {
      if (!overridden) {
        fail(
          `${at}.image is required${index === 0 ? " (or set the image input)" : ""}`,
          loaded.lineOf(containers, index),
        );
      }
    } else if (typeof container.image !== "string") {
      fail(
        `${at}.image is ${describeValue(container.image)}, not a string`,
        loaded.lineOf(container, "image"),
      );
    } else if (!overridden) {
      const problem = imageProblem(container.image);
      if (problem) fail(`${at}.image: ${problem}`, loaded.lineOf(container, "image"));
    }
  });
}

/**
 * Label, annotation and env values must be strings; YAML reads `autoscaling.knative.dev/target: 10` as a
 * number, which the API server refuses with a decoding error far from the line that caused it.
 */
function validateStringMap(metadata: unknown, path: string, loaded: LoadedYaml, fail: Fail): void {
  if (!isObject(metadata)) return;
  for (const field of ["labels", "annotations"]) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) {
      fail(`${path}.${field} is ${describeValue(map)}, not a mapping`, loaded.lineOf(metadata, field));
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== "string") {
        fail(
          `${path}.${field}["${key}"] is ${describeValue(value)}, not a string`,
          loaded.lineOf(map, key),
          `quote it: "${String(value)}"`,
        );
      }
    }
  }
}

function validateEnv(container: Obj, at: string, loaded: LoadedYaml, fail: Fail): void {
  if (!Array.isArray(container.env)) return;
  container.env.forEach((variable, index) => {
    if (
      isObject(variable) &&
      variable.value !== undefined &&
      variable.value !== null &&
      typeof variable.value !== "string"
    ) {
      fail(
        `${at}.env[${index}].value is ${describeValue(variable.value)}, not a string`,
        loaded.lineOf(variable, "value"),
        `quote it: "${String(variable.value)}"`,
      );
    }
  });
}

/** Knative's webhook checks on the revision template (knative-annotations.ts), with the manifest's lines. */
function validateKnativeFields(template: Obj, podSpec: Obj, loaded: LoadedYaml, fail: Fail): void {
  const hint = "Knative's webhook would refuse it when the Service is created";
  const annotations = isObject(template.metadata) ? template.metadata.annotations : undefined;
  if (isObject(annotations)) {
    for (const { key, problem } of autoscalingAnnotationProblems(annotations)) {
      fail(`spec.template.metadata.annotations["${key}"]: ${problem}`, loaded.lineOf(annotations, key), hint);
    }
  }
  const concurrency = containerConcurrencyProblem(podSpec.containerConcurrency);
  if (concurrency) {
    fail(
      `spec.template.spec.containerConcurrency ${concurrency}`,
      loaded.lineOf(podSpec, "containerConcurrency"),
      hint,
    );
  }
}

/** Autoscaling annotations on the Service itself do nothing, and Knative refuses them there. */
function validateServiceAnnotations(metadata: unknown, loaded: LoadedYaml, fail: Fail): void {
  const annotations = isObject(metadata) ? metadata.annotations : undefined;
  if (!isObject(annotations)) return;
  for (const key of misplacedAutoscalingKeys(annotations)) {
    fail(
      `metadata.annotations["${key}"]: autoscaling annotations must be put under spec.template.metadata.annotations to work`,
      loaded.lineOf(annotations, key),
      "move it to spec.template.metadata.annotations",
    );
  }
}

/** A traffic target pinned to a named revision would send the load to that revision, not the one deployed. */
function validateTraffic(spec: Obj, loaded: LoadedYaml, fail: Fail): void {
  if (!Array.isArray(spec.traffic)) return;
  spec.traffic.forEach((target, index) => {
    if (isObject(target) && target.revisionName !== undefined) {
      fail(
        `spec.traffic[${index}].revisionName pins traffic to revision "${String(target.revisionName)}"`,
        loaded.lineOf(target, "revisionName"),
        "the gate measures the revision it deploys; use latestRevision: true or remove spec.traffic",
      );
    }
  });
}

/** A validated Service without its metadata (that may be absent when the service-name input names it). */
type ServiceShape = Obj & Omit<KnativeServiceManifest, "metadata"> & { metadata?: unknown; status?: unknown };

/** What validateService has checked, as a type: the fields adapt() reads and writes are there. */
function isServiceShape(doc: Obj): doc is ServiceShape {
  const spec = doc.spec;
  const template = isObject(spec) ? spec.template : undefined;
  const podSpec = isObject(template) ? template.spec : undefined;
  return (
    doc.apiVersion === KNATIVE_API_VERSION &&
    doc.kind === "Service" &&
    isObject(podSpec) &&
    Array.isArray(podSpec.containers) &&
    podSpec.containers.every(isObject)
  );
}

function adapt(doc: Obj, overrides: ManifestOverrides): KnativeServiceManifest {
  const manifest = structuredClone(doc);
  if (!isServiceShape(manifest))
    throw new Error("internal error: adapt() got a manifest that was not validated");
  delete manifest.status;
  const metadata = (
    isObject(manifest.metadata) ? manifest.metadata : {}
  ) as KnativeServiceManifest["metadata"];
  for (const field of SERVER_METADATA) delete (metadata as Obj)[field];
  if (metadata.annotations) {
    for (const key of SERVER_ANNOTATIONS) delete metadata.annotations[key];
  }
  if (overrides.serviceName) metadata.name = overrides.serviceName;
  if (overrides.namespace) metadata.namespace = overrides.namespace;
  if (overrides.image) manifest.spec.template.spec.containers[0].image = overrides.image;
  // Spread keeps the file's key order; metadata stays where it was (or comes last when the file had none).
  return { ...manifest, metadata };
}
