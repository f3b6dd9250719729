// The Service under test: service-file, read and checked, with the service-name, namespace and image inputs
// applied over it (placeholders expanded first, then the rules Kubernetes applies to names).
import { InputError } from "../errors.js";
import { readInputFile } from "../files.js";
import {
  INVALID,
  isValid,
  type Checked,
  type Draft,
  type InputReader,
  type ParseContext,
} from "../input-reader.js";
import type { InputName } from "../inputs.js";
import { SERVICE_FILE, parseServiceManifest } from "../manifest.js";
import { imageProblem, namespaceProblem, serviceNameProblem } from "../names.js";
import { expandPlaceholders } from "../placeholders.js";
import type { KnativeServiceManifest, ServiceSettings } from "../settings.js";

export function parseServiceGroup(inputs: InputReader, ctx: ParseContext): Draft<ServiceSettings> {
  const image = inputs.optional("image", (text) => {
    const problem = imageProblem(text);
    if (problem) throw new InputError("image", problem, { hint: "e.g. registry.example.com/team/app:1.2.3" });
    return text;
  });
  const serviceName = inputs.optional("service-name", (text) => {
    const name = expandPlaceholders("service-name", text, ctx);
    const problem = serviceNameProblem(name);
    if (problem) throw new InputError("service-name", problem);
    return name;
  });
  const namespace = inputs.optional("namespace", (text) => {
    const expanded = expandPlaceholders("namespace", text, ctx);
    const problem = namespaceProblem(expanded);
    if (problem) throw new InputError("namespace", problem);
    return expanded;
  });

  const serviceFile = inputs.value("service-file");
  let manifest: Checked<KnativeServiceManifest> = INVALID;
  if (serviceFile === "") {
    inputs.errors.add(
      new InputError("service-file", "is required", {
        hint: "set it to the path of a Knative Service manifest, e.g. service.yaml",
      }),
    );
  } else {
    // An override that failed its own check still counts as given, so the file is not blamed for it too.
    const given = (checked: Checked<string | undefined>, name: InputName) =>
      isValid(checked) ? checked : inputs.value(name);
    manifest = inputs.check(() =>
      parseServiceManifest(readInputFile(SERVICE_FILE, serviceFile, ctx.readFile), {
        serviceName: given(serviceName, "service-name"),
        namespace: given(namespace, "namespace"),
        image: given(image, "image"),
      }),
    );
  }
  if (!isValid(manifest)) return { serviceFile, manifest, serviceName: INVALID, namespace: INVALID, image };
  // The manifest carries the final name and namespace (the overrides are applied to it); "default" as kubectl.
  manifest.metadata.namespace ||= "default";
  return {
    serviceFile,
    manifest,
    serviceName: isValid(serviceName) ? manifest.metadata.name : INVALID,
    namespace: isValid(namespace) ? manifest.metadata.namespace : INVALID,
    image,
  };
}
