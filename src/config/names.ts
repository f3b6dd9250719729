// Kubernetes names and container image references, checked before anything reaches the API server.
import { InputError, type ErrorPlace } from "./errors.js";

/** Knative names revisions `<service>-00001`; that name must itself be a 63-character DNS label. */
export const REVISION_SUFFIX_LENGTH = "-00001".length;
export const MAX_SERVICE_NAME_LENGTH = 63 - REVISION_SUFFIX_LENGTH;

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const DOMAIN_PART = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)";
const DOMAIN = `${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const TAG = ":[\\w][\\w.-]{0,127}";
const DIGEST = "@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
/** The grammar of distribution/reference: [domain/]path[:tag][@digest], lowercase path components. */
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?:${TAG})?(?:${DIGEST})?$`,
);

/** Problem with a Service name, or undefined when it is valid. */
export function serviceNameProblem(name: string): string | undefined {
  if (name === "") return "the name is empty";
  if (name.length > MAX_SERVICE_NAME_LENGTH) {
    return `"${name}" is ${name.length} characters; at most ${MAX_SERVICE_NAME_LENGTH}, so that revision names (<name>-00001) fit in 63`;
  }
  if (!DNS_1035_LABEL.test(name)) {
    return `"${name}" is not a valid name: use lowercase letters, digits and -, start with a letter, end with a letter or digit`;
  }
  return undefined;
}

export function namespaceProblem(namespace: string): string | undefined {
  if (namespace === "") return "the namespace is empty";
  if (namespace.length > 63) return `"${namespace}" is ${namespace.length} characters; at most 63`;
  if (!DNS_1123_LABEL.test(namespace)) {
    return `"${namespace}" is not a valid namespace: use lowercase letters, digits and -, start and end with a letter or digit`;
  }
  return undefined;
}

export function imageProblem(image: string): string | undefined {
  if (image.trim() === "") return "the image is empty";
  if (image.length > 512 || !IMAGE_REFERENCE.test(image)) {
    return `"${image.slice(0, 80)}" is not a valid image reference (registry/repository:tag or ...@sha256:digest, lowercase repository)`;
  }
  return undefined;
}

export function checkName(problem: string | undefined, input: string, place: ErrorPlace = {}): void {
  if (problem) throw new InputError(input, problem, place);
}
