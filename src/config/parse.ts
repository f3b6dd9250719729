// raw inputs (from the action or the CLI) → Settings. Every input is validated and every problem reported at
// once; the files inputs name are read here, through ctx.readFile. No network call happens here, so bad input
// never reaches a cluster.
import { ErrorCollector, InputError } from "./errors.js";
import { readInputFile, type ReadFile } from "./files.js";
import { INPUTS, effectiveDefault, findInput, type InputName, type InputSpec } from "./inputs.js";
import { validateKubeconfig } from "./kubeconfig.js";
import { parseServiceManifest } from "./manifest.js";
import { parseMaxRegression } from "./max-regression.js";
import { imageProblem, namespaceProblem, serviceNameProblem } from "./names.js";
import { expandPlaceholders, type RunIdentity } from "./placeholders.js";
import { readBaseline } from "./baseline.js";
import { didYouMean } from "./suggest.js";
import { parseThresholds } from "./thresholds.js";
import {
  controlCharacterAt,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseGateway,
  parseHeaders,
  parseInteger,
  parseMethod,
  parsePath,
  parseTargetUrl,
} from "./values.js";
import { MAX_WORKERS, workersProblem } from "../load/cluster/limits.js";
import { metricValue } from "../verdict/evaluate.js";
import type { LoadFrom, PrivateZone, Settings, Teardown } from "./settings.js";

export interface ParseContext extends RunIdentity {
  /** Reads a file named by an input (service-file, baseline, kubeconfig-file), relative to the working directory. */
  readFile: ReadFile;
}

/** The accepted range of each numeric input; the README and --help quote them through the descriptions. */
export const LIMITS = {
  readyTimeout: { minMs: 1000, maxMs: 3_600_000 },
  duration: { minMs: 1000, maxMs: 3_600_000 },
  warmup: { minMs: 0, maxMs: 600_000 },
  requestTimeout: { minMs: 1, maxMs: 600_000 },
  coldStartTimeout: { minMs: 1000, maxMs: 3_600_000 },
  connections: { min: 1, max: 10_000 },
  rate: { min: 1, max: 1_000_000 },
  requests: { min: 1, max: 100_000_000 },
  loadWorkers: { min: 1, max: MAX_WORKERS },
  loadStartDelay: { minMs: 1000, maxMs: 600_000 },
  bodyBytes: 1024 * 1024,
} as const;

export const TEARDOWN_CHOICES: readonly Teardown[] = ["always", "on-success", "never"];
export const PRIVATE_ZONE_CHOICES: readonly PrivateZone[] = ["keep", "enable", "disable"];
export const LOAD_FROM_CHOICES: readonly LoadFrom[] = ["runner", "cluster"];

export function parseSettings(raw: Record<string, string | undefined>, ctx: ParseContext): Settings {
  const errors = new ErrorCollector();
  const known: string[] = INPUTS.map((i) => i.name);
  for (const name of Object.keys(raw)) {
    if (!findInput(name)) {
      errors.add(
        new InputError(name, "is not an input of knative-perf-gate", {
          hint: `${didYouMean(name, known)}valid inputs: ${known.join(", ")}`,
        }),
      );
    }
  }

  /** The input's value with its default applied: absent and empty both mean "not set". */
  const value = (name: InputName): string => {
    const spec = findInput(name) as InputSpec;
    const given = raw[name] ?? "";
    const text = spec.keepWhitespace ? given : given.trim();
    return text === "" ? effectiveDefault(spec) : text;
  };
  const check = <T>(validate: () => T): T | undefined => errors.attempt(validate);
  const bool = (name: InputName) => check(() => parseBoolean(name, value(name)));
  const optional = <T>(name: InputName, parse: (text: string) => T): T | undefined =>
    value(name) === "" ? undefined : check(() => parse(value(name)));

  const createNamespace = bool("create-namespace");
  const updateExisting = bool("update-existing");
  const coldStart = bool("cold-start");
  const comment = bool("comment");
  const failOnThreshold = bool("fail-on-threshold");

  const readyTimeoutMs = check(() =>
    parseDuration("ready-timeout", value("ready-timeout"), LIMITS.readyTimeout),
  );
  const durationMs = check(() => parseDuration("duration", value("duration"), LIMITS.duration));
  const warmupMs = check(() => parseDuration("warmup", value("warmup"), LIMITS.warmup));
  const timeoutMs = check(() =>
    parseDuration("request-timeout", value("request-timeout"), LIMITS.requestTimeout),
  );
  const coldStartTimeoutMs = check(() =>
    parseDuration("cold-start-timeout", value("cold-start-timeout"), LIMITS.coldStartTimeout),
  );
  const connections = check(() => parseInteger("connections", value("connections"), LIMITS.connections));
  const rate = optional("rate", (text) => parseInteger("rate", text.replace(/\s*\/s$/, ""), LIMITS.rate));
  const requests = optional("requests", (text) => parseInteger("requests", text, LIMITS.requests));

  const loadFrom = check(() => parseEnum("load-from", value("load-from"), LOAD_FROM_CHOICES));
  const loadWorkers = check(() => parseInteger("load-workers", value("load-workers"), LIMITS.loadWorkers));
  const loadStartDelayMs = check(() =>
    parseDuration("load-start-delay", value("load-start-delay"), LIMITS.loadStartDelay),
  );
  const loadWorkerImage = check(() => {
    const problem = imageProblem(value("load-worker-image"));
    if (problem) {
      throw new InputError("load-worker-image", problem, {
        hint: "any image with node on its PATH, e.g. node:24-alpine or registry.example.com/mirror/node:24",
      });
    }
    return value("load-worker-image");
  });
  if (loadFrom === "runner" && loadWorkers !== undefined && loadWorkers > 1) {
    errors.add(
      new InputError("load-workers", `${loadWorkers} workers need load-from: cluster`, {
        hint: "the runner is one client; set load-from: cluster, or remove load-workers",
      }),
    );
  }
  if (loadFrom === "cluster" && loadWorkers !== undefined && connections !== undefined) {
    const problem = workersProblem(loadWorkers, { connections, requests });
    if (problem) errors.add(new InputError("load-workers", problem));
  }

  const url = optional("url", (text) => parseTargetUrl("url", text));
  const gateway = optional("gateway", (text) => parseGateway("gateway", text));
  if (value("url") !== "" && value("gateway") !== "") {
    errors.add(
      new InputError("gateway", "url and gateway are both set", {
        hint: "set one: url sends straight to that origin; gateway sends to an address with the Service's Host header",
      }),
    );
  }
  const path = check(() => parsePath("path", value("path")));
  const method = check(() => parseMethod("method", value("method")));
  const headers = check(() => parseHeaders("headers", value("headers")));
  const body = value("body") === "" ? undefined : value("body");
  if (body !== undefined && Buffer.byteLength(body, "utf8") > LIMITS.bodyBytes) {
    errors.add(
      new InputError("body", `is larger than ${LIMITS.bodyBytes / 1024} KiB`, {
        hint: "use a smaller request body",
      }),
    );
  }
  if (body !== undefined && method === "HEAD") {
    errors.add(
      new InputError("body", "a HEAD request has no body", { hint: "use another method or remove the body" }),
    );
  }

  const thresholds = check(() => parseThresholds(value("thresholds")));
  if (thresholds && coldStart === false) {
    const rule = thresholds.find((r) => r.metric === "cold-start");
    if (rule) {
      errors.add(
        new InputError("thresholds", `"${rule.source}" needs a cold-start measurement`, {
          line: rule.line,
          hint: "set cold-start: true, or remove the rule",
        }),
      );
    }
  }

  const teardown = check(() => parseEnum("teardown", value("teardown"), TEARDOWN_CHOICES));
  const privateZone = check(() => parseEnum("private-zone", value("private-zone"), PRIVATE_ZONE_CHOICES));
  const resultsFile = value("results-file");
  if (resultsFile === "" || controlCharacterAt(resultsFile) >= 0 || resultsFile.endsWith("/")) {
    errors.add(
      new InputError("results-file", `"${resultsFile}" is not a file path`, {
        hint: "e.g. knative-perf-gate-results.json",
      }),
    );
  }

  const benchmarkFile = value("benchmark-file") || undefined;
  if (benchmarkFile && (controlCharacterAt(benchmarkFile) >= 0 || benchmarkFile.endsWith("/"))) {
    errors.add(
      new InputError("benchmark-file", `"${benchmarkFile}" is not a file path`, { hint: "e.g. perf.json" }),
    );
  }

  const kubeconfig = check(() => readKubeconfig(value("kubeconfig"), value("kubeconfig-file"), ctx.readFile));

  // Names: placeholders first, then the same rules Kubernetes applies.
  const image = optional("image", (text) => {
    const problem = imageProblem(text);
    if (problem) throw new InputError("image", problem, { hint: "e.g. registry.example.com/team/app:1.2.3" });
    return text;
  });
  const serviceName = optional("service-name", (text) => {
    const name = expandPlaceholders("service-name", text, ctx);
    const problem = serviceNameProblem(name);
    if (problem) throw new InputError("service-name", problem);
    return name;
  });
  const namespace = optional("namespace", (text) => {
    const expanded = expandPlaceholders("namespace", text, ctx);
    const problem = namespaceProblem(expanded);
    if (problem) throw new InputError("namespace", problem);
    return expanded;
  });

  const serviceFile = value("service-file");
  let manifest: Settings["manifest"] | undefined;
  if (serviceFile === "") {
    errors.add(
      new InputError("service-file", "is required", {
        hint: "set it to the path of a Knative Service manifest, e.g. service.yaml",
      }),
    );
  } else {
    // An override that failed its own check still counts as given, so the file is not blamed for it too.
    manifest = check(() =>
      parseServiceManifest(readInputFile("service-file", serviceFile, ctx.readFile), {
        serviceName: serviceName ?? (value("service-name") || undefined),
        namespace: namespace ?? (value("namespace") || undefined),
        image: image ?? (value("image") || undefined),
      }),
    );
  }

  const baselinePath = value("baseline");
  const baselineDocument =
    baselinePath === "" ? undefined : check(() => readBaseline(baselinePath, ctx.readFile));
  const maxRegression = check(() => parseMaxRegression(value("max-regression"), baselinePath !== ""));
  if (maxRegression && coldStart === false && maxRegression.some((r) => r.metric === "cold-start")) {
    errors.add(
      new InputError("max-regression", "cold-start needs a cold-start measurement", {
        hint: "set cold-start: true",
      }),
    );
  }
  if (baselineDocument && maxRegression) {
    const missing = maxRegression
      .filter((r) => metricValue(baselineDocument, r.metric) === null)
      .map((r) => r.metric);
    if (missing.length > 0) {
      errors.add(
        new InputError("baseline", `"${baselinePath}" has no ${missing.join(", ")} to compare with`, {
          hint: baselineDocument.error
            ? `that run failed (${baselineDocument.error}); use the results of a run that finished`
            : `remove ${missing.join(", ")} from max-regression or record a new baseline`,
        }),
      );
    }
  }

  // Report in the order of the inputs table (action.yml's order), whatever order the checks ran in.
  const order = (input: string) => {
    const index = known.indexOf(input);
    return index < 0 ? -1 : index;
  };
  errors.errors.sort((a, b) => order(a.input) - order(b.input));
  errors.throwIfAny();
  // Every value below was validated above (throwIfAny would have thrown otherwise).
  const finalManifest = manifest!;
  const finalNamespace = finalManifest.metadata.namespace || "default";
  finalManifest.metadata.namespace = finalNamespace;
  const githubToken = value("github-token");
  return {
    serviceFile,
    manifest: finalManifest,
    serviceName: finalManifest.metadata.name,
    namespace: finalNamespace,
    image,
    kubeconfig,
    createNamespace: createNamespace!,
    updateExisting: updateExisting!,
    readyTimeoutMs: readyTimeoutMs!,
    url,
    gateway,
    request: { path: path!, method: method!, headers: headers!, body, timeoutMs: timeoutMs! },
    load: { durationMs: durationMs!, connections: connections!, rate, requests, warmupMs: warmupMs! },
    loadFrom: loadFrom!,
    loadWorkers: loadWorkers!,
    loadWorkerImage: loadWorkerImage!,
    loadStartDelayMs: loadStartDelayMs!,
    coldStart: coldStart!,
    coldStartTimeoutMs: coldStartTimeoutMs!,
    thresholds: thresholds!,
    baseline: baselinePath || undefined,
    baselineDocument,
    maxRegression: maxRegression!,
    comment: comment!,
    githubToken: githubToken || undefined,
    teardown: teardown!,
    privateZone: privateZone!,
    resultsFile,
    benchmarkFile,
    failOnThreshold: failOnThreshold!,
  };
}

/** The kubeconfig content, from the input or (CLI) a file; validated either way. undefined: client defaults. */
function readKubeconfig(content: string, file: string, readFile: ReadFile): string | undefined {
  if (content !== "" && file !== "") {
    throw new InputError("kubeconfig-file", "kubeconfig and kubeconfig-file are both set", {
      hint: "give one of them",
    });
  }
  if (file !== "") {
    const text = readInputFile("kubeconfig-file", file, readFile);
    validateKubeconfig(text, "kubeconfig-file");
    return text;
  }
  if (content === "") return undefined;
  validateKubeconfig(content, "kubeconfig");
  return content;
}
