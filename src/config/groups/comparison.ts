// A/B and the comparison's statistics: baseline-image and baseline-service-file make the run an A/B (a
// baseline Service deployed beside the candidate, in its namespace, named baseline-service-name or
// <service-name>-baseline), confidence sets the intervals' level, on-inconclusive what an unclear metric does.
import { InputError, InputErrors, inputErrorsOf } from "../errors.js";
import { readInputFile } from "../files.js";
import { INVALID, isValid, type Draft, type InputReader, type ParseContext } from "../input-reader.js";
import { SERVICE_FILE, parseServiceManifest } from "../manifest.js";
import { imageProblem, serviceNameProblem } from "../names.js";
import { expandPlaceholders } from "../placeholders.js";
import type { BaselineService, ComparisonSettings, ServiceSettings } from "../settings.js";
import { parseEnum, parsePercent } from "../values.js";

const MIN_CONFIDENCE = 80;
const MAX_CONFIDENCE = 99.9;

export function parseComparisonGroup(
  inputs: InputReader,
  ctx: ParseContext,
  candidate: Draft<ServiceSettings>,
): Draft<ComparisonSettings> {
  return {
    abBaseline: parseBaseline(inputs, ctx, candidate),
    confidence: inputs.check(() => {
      const percent = parsePercent("confidence", inputs.value("confidence"));
      if (percent < MIN_CONFIDENCE || percent > MAX_CONFIDENCE) {
        throw new InputError("confidence", `${percent}% is out of range`, {
          hint: `use ${MIN_CONFIDENCE}% to ${MAX_CONFIDENCE}% (95% is usual)`,
        });
      }
      return percent / 100;
    }),
    onInconclusive: inputs.check(() =>
      parseEnum("on-inconclusive", inputs.value("on-inconclusive"), ["pass", "fail"] as const),
    ),
  };
}

function parseBaseline(
  inputs: InputReader,
  ctx: ParseContext,
  candidate: Draft<ServiceSettings>,
): BaselineService | undefined | typeof INVALID {
  const image = inputs.optional("baseline-image", (text) => {
    const problem = imageProblem(text);
    if (problem)
      throw new InputError("baseline-image", problem, { hint: "e.g. registry.example.com/app:base" });
    return text;
  });
  const file = inputs.value("baseline-service-file");
  const named = inputs.value("baseline-service-name");
  if (image === undefined && file === "") {
    if (named !== "") {
      inputs.errors.add(
        new InputError("baseline-service-name", "names a baseline, but no baseline is deployed", {
          hint: "set baseline-image or baseline-service-file to run an A/B, or remove baseline-service-name",
        }),
      );
    }
    return undefined;
  }
  if (!isValid(image) || !isValid(candidate.serviceName) || !isValid(candidate.namespace)) return INVALID;
  const serviceName = inputs.check(() => {
    const name =
      named === ""
        ? `${String(candidate.serviceName)}-baseline`
        : expandPlaceholders("baseline-service-name", named, ctx);
    const problem = serviceNameProblem(name);
    if (problem) {
      throw new InputError(
        named === "" ? "service-name" : "baseline-service-name",
        named === "" ? `with -baseline appended for the A/B baseline: ${problem}` : problem,
        {
          hint: named === "" ? "shorten service-name, or set baseline-service-name" : undefined,
        },
      );
    }
    if (name === candidate.serviceName) {
      throw new InputError("baseline-service-name", `is the candidate's name (${name})`, {
        hint: "the baseline is a second Service beside the candidate: give it its own name",
      });
    }
    return name;
  });
  if (!isValid(serviceName)) return INVALID;
  const serviceFile = file === "" ? inputs.value("service-file") : file;
  // The candidate's image override is the candidate's: a baseline from its own file keeps that file's image.
  const manifest = inputs.check(() => {
    const parse = () =>
      parseServiceManifest(readInputFile(SERVICE_FILE, serviceFile, ctx.readFile), {
        serviceName,
        namespace: candidate.namespace as string,
        image: image ?? (file === "" ? inputs.value("image") || undefined : undefined),
      });
    if (file === "") return parse();
    try {
      return parse();
    } catch (error) {
      // The manifest checks speak of service-file; here the file is baseline-service-file's.
      const found = inputErrorsOf(error);
      if (found.length === 0) throw error;
      throw new InputErrors(
        found.map(
          (e) =>
            new InputError(e.input === "service-file" ? "baseline-service-file" : e.input, e.problem, {
              line: e.line,
              column: e.column,
              hint: e.hint,
            }),
        ),
      );
    }
  });
  if (!isValid(manifest)) return INVALID;
  return { serviceFile, manifest, serviceName, image };
}
