// Knative's own checks on a Service, made before the cluster sees it: the autoscaling annotations and
// containerConcurrency as knative/serving's webhook validates them (pkg/apis/autoscaling/annotation_validation.go),
// reported with the manifest's line like every other manifest check. Values the webhook accepts pass.
import { InputErrors, type InputError } from "../../src/config/errors.js";
import {
  autoscalingAnnotationProblems,
  containerConcurrencyProblem,
  parseGoDuration,
} from "../../src/config/knative-annotations.js";
import { parseServiceManifest } from "../../src/config/manifest.js";

const A = "autoscaling.knative.dev";

/** A manifest whose template annotations (line 9 onwards) and revision spec carry `annotations` and `spec`. */
function manifest(annotations: Record<string, string>, spec = ""): string {
  const lines = Object.entries(annotations).map(([k, v]) => `        ${k}: ${JSON.stringify(v)}\n`);
  return (
    "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\nspec:\n  template:\n" +
    `    metadata:\n      annotations:\n${lines.join("")}    spec:\n${spec}      containers:\n` +
    "        - image: ghcr.io/acme/hello:1.0.0\n"
  );
}

function errorsOf(text: string): InputError[] {
  try {
    parseServiceManifest(text);
  } catch (error) {
    if (error instanceof InputErrors) return error.errors;
    throw error;
  }
  throw new Error("expected the manifest to be refused");
}

const problems = (annotations: Record<string, string>) =>
  autoscalingAnnotationProblems(annotations).map((p) => `${p.key}: ${p.problem}`);

describe("Knative's annotation checks, before the cluster", () => {
  it('refuses autoscaling.knative.dev/target: "-3" naming the annotation and its line', () => {
    const errors = errorsOf(manifest({ "autoscaling.knative.dev/target": "-3" }));
    expect(errors.map((e) => [e.input, e.line, e.problem])).toEqual([
      [
        "service-file",
        9,
        'spec.template.metadata.annotations["autoscaling.knative.dev/target"]: target -3 should be at least 0.01',
      ],
    ]);
  });

  it("reports every bad annotation at once, each at its own line", () => {
    const errors = errorsOf(
      manifest({
        [`${A}/window`]: "2s",
        [`${A}/target-utilization-percentage`]: "120",
        [`${A}/min-scale`]: "x",
      }),
    );
    expect(errors.map((e) => e.line).sort((a, b) => a! - b!)).toEqual([9, 10, 11]);
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /window"\]: "2s" is out of bounds: expected 6s <= 2s <= 1h0m0s/,
    );
  });

  it.each([
    [{ [`${A}/target`]: "0" }, "target 0 should be at least 0.01"],
    [{ [`${A}/target`]: "ten" }, 'invalid value "ten"'],
    [{ [`${A}/target-utilization-percentage`]: "0" }, "expected 1 <= 0 <= 100"],
    [{ [`${A}/targetUtilizationPercentage`]: "101" }, "expected 1 <= 101 <= 100"],
    [{ [`${A}/window`]: "5s" }, "expected 6s <= 5s <= 1h0m0s"],
    [{ [`${A}/window`]: "2h" }, "expected 6s <= 2h <= 1h0m0s"],
    [{ [`${A}/window`]: "60500ms" }, "at most second precision"],
    [{ [`${A}/window`]: "60" }, 'invalid value "60"'],
    [{ [`${A}/panic-window-percentage`]: "0.5" }, "expected 1 <= 0.5 <= 100"],
    [{ [`${A}/panic-threshold-percentage`]: "100" }, "expected 110 <= 100 <= 1000"],
    [{ [`${A}/min-scale`]: "-1" }, "expected 0 <= -1 <= 2147483647"],
    [{ [`${A}/max-scale`]: "1.5" }, 'invalid value "1.5"'],
    [{ [`${A}/min-scale`]: "5", [`${A}/max-scale`]: "2" }, "max-scale=2 is less than min-scale=5"],
    [{ [`${A}/initial-scale`]: "-2" }, "initial-scale must be 0 or greater"],
    [{ [`${A}/scale-down-delay`]: "-1s" }, "expected 0s <= -1s <= 1h0m0s"],
    [{ [`${A}/scale-down-delay`]: "1500ms" }, "at most second precision"],
    [{ [`${A}/scale-to-zero-pod-retention-period`]: "2h" }, "expected 0s <= 2h <= 1h0m0s"],
    [{ [`${A}/class`]: "kpb.autoscaling.knative.dev" }, 'invalid value "kpb.autoscaling.knative.dev"'],
    [{ [`${A}/metric`]: "cpu" }, 'class kpa.autoscaling.knative.dev scales on "concurrency" or "rps"'],
    [{ [`${A}/class`]: "hpa.autoscaling.knative.dev", [`${A}/metric`]: "" }, "needs a metric"],
    [{ [`${A}/target-burst-capacity`]: "-2" }, "or -1 (unlimited)"],
    [{ [`${A}/activation-scale`]: "1" }, "activation-scale=1 must be greater than 1"],
    [
      { [`${A}/class`]: "kpa.autoscaling.knative.dev", [`${A}/metric-aggregation-algorithm`]: "median" },
      'invalid value "median"',
    ],
  ])("refuses %j", (annotations, message) => {
    const found = problems(annotations);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it.each([
    [{ [`${A}/target`]: "0.01" }],
    [{ [`${A}/target`]: "100", [`${A}/target-utilization-percentage`]: "70" }],
    [
      {
        [`${A}/window`]: "6s",
        [`${A}/scale-down-delay`]: "0s",
        [`${A}/scale-to-zero-pod-retention-period`]: "1m5s",
      },
    ],
    [{ [`${A}/min-scale`]: "2", [`${A}/max-scale`]: "0", [`${A}/initial-scale`]: "0" }],
    [{ [`${A}/minScale`]: "1", [`${A}/maxScale`]: "3" }],
    [{ [`${A}/class`]: "hpa.autoscaling.knative.dev", [`${A}/metric`]: "cpu" }],
    [{ [`${A}/class`]: "example.com/custom", [`${A}/metric`]: "anything" }],
    [{ [`${A}/metric`]: "rps", [`${A}/target-burst-capacity`]: "-1" }],
    [{ [`${A}/panic-window-percentage`]: "10", [`${A}/panic-threshold-percentage`]: "200" }],
    [{ "example.com/other": "-3" }],
  ])("accepts %j as Knative does", (annotations) => {
    expect(problems(annotations)).toEqual([]);
    expect(() => parseServiceManifest(manifest(annotations))).not.toThrow();
  });

  it("refuses autoscaling annotations on the Service's own metadata, where Knative refuses them", () => {
    const text =
      "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\n  annotations:\n" +
      `    ${A}/min-scale: "1"\nspec:\n  template:\n    spec:\n      containers:\n        - image: nginx\n`;
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.line, e.problem])).toEqual([
      [
        6,
        'metadata.annotations["autoscaling.knative.dev/min-scale"]: autoscaling annotations must be put under spec.template.metadata.annotations to work',
      ],
    ]);
  });

  it("checks containerConcurrency: a whole number >= 0 (the upper bound is the cluster's)", () => {
    expect(containerConcurrencyProblem(undefined)).toBeUndefined();
    expect(containerConcurrencyProblem(0)).toBeUndefined();
    expect(containerConcurrencyProblem(5000)).toBeUndefined();
    expect(containerConcurrencyProblem(2.5)).toMatch(/not a whole number/);
    expect(containerConcurrencyProblem("10")).toMatch(/not a number/);
    const errors = errorsOf(
      manifest({}, "      containerConcurrency: -1\n").replace("      annotations:\n", ""),
    );
    expect(errors.map((e) => [e.line, e.problem])).toEqual([
      [9, "spec.template.spec.containerConcurrency -1 is out of bounds: expected 0 <= -1 (0 means no limit)"],
    ]);
  });

  it("reads durations as Go's time.ParseDuration does", () => {
    expect(parseGoDuration("1m30s")).toBe(90_000);
    expect(parseGoDuration("0")).toBe(0);
    expect(parseGoDuration("1.5h")).toBe(5_400_000);
    expect(parseGoDuration("-2s")).toBe(-2000);
    expect(parseGoDuration("60")).toBeUndefined();
    expect(parseGoDuration("1 m")).toBeUndefined();
  });
});
