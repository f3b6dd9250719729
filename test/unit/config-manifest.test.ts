// The service file: one Knative Service, checked with line numbers, adapted to the run (name, namespace, image);
// PR-isolated names through placeholders.
import { readFileSync } from "node:fs";
import { InputError, InputErrors } from "../../src/config/errors.js";
import { parseServiceManifest } from "../../src/config/manifest.js";
import { MAX_SERVICE_NAME_LENGTH, imageProblem, serviceNameProblem } from "../../src/config/names.js";
import { expandPlaceholders } from "../../src/config/placeholders.js";
import { SERVICE as MINIMAL } from "./fixtures/settings.js";

const HELLO = readFileSync("examples/helloworld-service.yaml", "utf8");

function errorsOf(text: string, overrides = {}): InputError[] {
  try {
    parseServiceManifest(text, overrides);
  } catch (error) {
    if (error instanceof InputErrors) return error.errors;
    if (error instanceof InputError) return [error];
    throw error;
  }
  throw new Error("expected the manifest to be refused");
}

describe("parseServiceManifest: good files", () => {
  it("reads the example service unchanged", () => {
    const manifest = parseServiceManifest(HELLO);
    expect(manifest.metadata).toEqual({ name: "helloworld-go" });
    expect(manifest.spec.template.metadata?.annotations).toEqual({ "autoscaling.knative.dev/target": "10" });
    expect(manifest.spec.template.spec.containers[0].image).toMatch(/helloworld-go:160e4dc8$/);
  });

  it("applies service-name, namespace and image overrides (image → first container only)", () => {
    const text = MINIMAL + "        - name: sidecar\n          image: ghcr.io/acme/proxy:2\n";
    const manifest = parseServiceManifest(text, {
      serviceName: "hello-pr-7",
      namespace: "perf",
      image: "ghcr.io/acme/hello:pr-7",
    });
    expect(manifest.metadata).toEqual({ name: "hello-pr-7", namespace: "perf" });
    expect(manifest.spec.template.spec.containers.map((c) => c.image)).toEqual([
      "ghcr.io/acme/hello:pr-7",
      "ghcr.io/acme/proxy:2",
    ]);
  });

  it("needs no image in the file when the image input is given, and no name when service-name is", () => {
    const text =
      "apiVersion: serving.knative.dev/v1\nkind: Service\nspec:\n  template:\n    spec:\n      containers:\n        - {}\n";
    const manifest = parseServiceManifest(text, { serviceName: "hello", image: "nginx" });
    expect(manifest.metadata.name).toBe("hello");
    expect(manifest.spec.template.spec.containers[0].image).toBe("nginx");
  });

  it("does not modify the object it parsed twice (overrides apply to a copy)", () => {
    const first = parseServiceManifest(MINIMAL, { serviceName: "one" });
    const second = parseServiceManifest(MINIMAL);
    expect([first.metadata.name, second.metadata.name]).toEqual(["one", "hello"]);
  });

  it("drops what the API server set on an exported object (status, resourceVersion, creator annotations)", () => {
    const exported =
      MINIMAL.replace(
        "  name: hello\n",
        '  name: hello\n  resourceVersion: "123"\n  uid: 1b4\n  generation: 3\n  creationTimestamp: 2024-01-01T00:00:00Z\n' +
          "  annotations:\n    serving.knative.dev/creator: someone\n    team: perf\n",
      ) + "status:\n  url: http://hello.default.example.com\n";
    const manifest = parseServiceManifest(exported) as unknown as Record<string, unknown>;
    expect(manifest.status).toBeUndefined();
    expect(manifest.metadata).toEqual({ name: "hello", annotations: { team: "perf" } });
  });

  it("keeps unquoted dates as the strings written (YAML 1.2 core schema) and supports merge keys", () => {
    const text = `x-defaults: &defaults
  image: ghcr.io/acme/hello:1
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
  annotations:
    released: 2024-01-01
spec:
  template:
    spec:
      containers:
        - <<: *defaults
          env:
            - {name: SINCE, value: 2024-01-01}
`;
    const manifest = parseServiceManifest(text);
    expect(manifest.metadata.annotations).toEqual({ released: "2024-01-01" });
    expect(manifest.spec.template.spec.containers[0]).toEqual({
      image: "ghcr.io/acme/hello:1",
      env: [{ name: "SINCE", value: "2024-01-01" }],
    });
  });

  it("accepts a leading --- and a trailing empty document", () => {
    expect(parseServiceManifest(`---\n${MINIMAL}---\n`).metadata.name).toBe("hello");
  });

  it("accepts flow style and JSON", () => {
    const json = JSON.stringify({
      apiVersion: "serving.knative.dev/v1",
      kind: "Service",
      metadata: { name: "hello" },
      spec: { template: { spec: { containers: [{ image: "nginx:1.27" }] } } },
    });
    expect(parseServiceManifest(json).metadata.name).toBe("hello");
  });
});

describe("parseServiceManifest: mistakes, with lines", () => {
  it.each([
    [
      "bad YAML",
      MINIMAL.replace("kind: Service", "kind: Service\n  x: 1"),
      3,
      /invalid YAML: bad indentation/,
    ],
    [
      "no image",
      MINIMAL.replace(
        "        - image: ghcr.io/acme/hello:1.0.0\n",
        "        - name: app\n          ports: []\n",
      ),
      9,
      /spec\.template\.spec\.containers\[0\]\.image is required \(or set the image input\)/,
    ],
    [
      "container not a mapping",
      MINIMAL.replace("- image: ghcr.io/acme/hello:1.0.0", "- ghcr.io/acme/hello:1.0.0"),
      9,
      /containers\[0\] is a string/,
    ],
    [
      "containers not a list",
      MINIMAL.replace(
        "      containers:\n        - image: ghcr.io/acme/hello:1.0.0\n",
        "      containers: nginx\n",
      ),
      8,
      /must list at least one container/,
    ],
    [
      "image not a string",
      MINIMAL.replace("ghcr.io/acme/hello:1.0.0", "[a, b]"),
      9,
      /image is a list, not a string/,
    ],
    [
      "bad image",
      MINIMAL.replace("ghcr.io/acme/hello:1.0.0", "ghcr.io/acme/hello:bad tag"),
      9,
      /is not a valid image reference/,
    ],
    [
      "name with dots",
      MINIMAL.replace("name: hello", "name: hello.world"),
      4,
      /"hello.world" is not a valid name/,
    ],
    ["name ends with -", MINIMAL.replace("name: hello", "name: hello-"), 4, /is not a valid name/],
    [
      "metadata a string",
      MINIMAL.replace("metadata:\n  name: hello\n", "metadata: hello\n"),
      3,
      /metadata\.name is required/,
    ],
    [
      "spec a list",
      "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  - x\n",
      5,
      /spec is a list/,
    ],
    [
      "template without spec",
      "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  template:\n    metadata: {}\n",
      7,
      /spec\.template\.spec is required/,
    ],
    ["kind Route", MINIMAL.replace("kind: Service", "kind: Route"), 2, /kind is "Route", not Service/],
    [
      "apiVersion v1beta1",
      MINIMAL.replace("serving.knative.dev/v1", "serving.knative.dev/v1beta1"),
      1,
      /v1beta1 is no longer served/,
    ],
    [
      "apiVersion of another group",
      MINIMAL.replace("serving.knative.dev/v1", "apps/v1"),
      1,
      /apiVersion is "apps\/v1"/,
    ],
    [
      "annotation number",
      MINIMAL.replace("  name: hello\n", "  name: hello\n  annotations:\n    x: 1.5\n"),
      6,
      /metadata\.annotations\["x"\] is a number \(1.5\), not a string; quote it: "1.5"/,
    ],
    [
      "labels a list",
      MINIMAL.replace("  name: hello\n", "  name: hello\n  labels: [a]\n"),
      5,
      /metadata\.labels is a list, not a mapping/,
    ],
    [
      "env value boolean",
      MINIMAL + "          env:\n            - name: DEBUG\n              value: true\n",
      12,
      /env\[0\]\.value is a boolean \(true\)/,
    ],
  ])("%s", (_name, text, line, message) => {
    const errors = errorsOf(text);
    expect(errors.some((e) => e.line === line && message.test(e.message))).toBe(true);
    for (const error of errors) expect(error.message).toMatch(/^service-file: /);
  });

  it("reports every problem of the Service at once", () => {
    const text = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: Bad_Name
  labels:
    tier: 3
spec:
  template:
    spec:
      containers:
        - name: app
        - name: sidecar
`;
    expect(errorsOf(text).map((e) => e.line)).toEqual([4, 11, 12, 6]);
  });

  it("lists every document of a multi-document file with its line", () => {
    const text = `${MINIMAL}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n---\n- 1\n`;
    const [error] = errorsOf(text);
    expect(error.message).toBe(
      "service-file: line 11: expected exactly one serving.knative.dev/v1 Service, found 3 documents: " +
        'serving.knative.dev/v1 Service "hello" (line 1), v1 Secret "creds" (line 11), a list (line 16); ' +
        "keep one Service per file; apply other resources in an earlier step",
    );
  });

  it("does not blame the file for a name or image the overrides replace", () => {
    const text = MINIMAL.replace("name: hello", "name: Not_Valid").replace(
      "ghcr.io/acme/hello:1.0.0",
      "not valid",
    );
    expect(parseServiceManifest(text, { serviceName: "hello", image: "nginx" }).metadata.name).toBe("hello");
  });

  it("checks a BYO revision name against the final (overridden) service name", () => {
    const text = MINIMAL.replace(
      "    spec:\n      containers",
      "    metadata:\n      name: hello-v2\n    spec:\n      containers",
    );
    expect(parseServiceManifest(text).spec.template.metadata).toEqual({ name: "hello-v2" });
    expect(errorsOf(text, { serviceName: "hello-pr-3" })[0].message).toMatch(
      /line 8: .*"hello-v2" must start with "hello-pr-3-"/,
    );
  });

  it("allows traffic that follows the latest revision", () => {
    const text = MINIMAL + "  traffic:\n    - latestRevision: true\n      percent: 100\n";
    expect(parseServiceManifest(text).spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  it("refuses a file over 1 MiB before parsing it", () => {
    expect(errorsOf(MINIMAL + `# ${"x".repeat(1024 * 1024)}\n`)[0].message).toMatch(/larger than 1024 KiB/);
  });
});

describe("names and images", () => {
  it(`allows ${MAX_SERVICE_NAME_LENGTH} characters so that <name>-00001 is a 63-character DNS label`, () => {
    expect(MAX_SERVICE_NAME_LENGTH).toBe(57);
    expect(serviceNameProblem("a".repeat(57))).toBeUndefined();
    expect(`${"a".repeat(57)}-00001`).toHaveLength(63);
    expect(serviceNameProblem("a".repeat(58))).toMatch(/58 characters; at most 57/);
  });

  it.each(["hello", "a", "hello-pr-12", "x1"])("name %s is valid", (name) =>
    expect(serviceNameProblem(name)).toBeUndefined(),
  );
  it.each(["", "1abc", "-a", "a-", "a_b", "A", "a.b", "ä"])("name %j is not", (name) =>
    expect(serviceNameProblem(name)).toBeDefined(),
  );

  it.each([
    "nginx",
    "nginx:1.27",
    "library/nginx",
    "ghcr.io/acme/hello:1.0.0",
    "localhost:5000/hello",
    "registry.cn-hangzhou.aliyuncs.com/knative-sample/helloworld-go:160e4dc8",
    `gcr.io/knative-samples/helloworld-go@sha256:${"a".repeat(64)}`,
    `ghcr.io/acme/app:v1@sha256:${"0".repeat(64)}`,
  ])("image %s is valid", (image) => expect(imageProblem(image)).toBeUndefined());
  it.each([
    "",
    "nginx latest",
    "Acme/App",
    "ghcr.io/acme/app:",
    "ghcr.io/acme/app@sha256:xyz",
    "app:tag:tag",
    "ko://github.com/acme/app",
  ])("image %j is not", (image) => expect(imageProblem(image)).toBeDefined());
});

describe("expandPlaceholders", () => {
  const identity = { pr: 42, sha: "5F84C1E4BD12A637", runId: "9876543210" };
  it.each([
    ["hello-pr-{pr}", "hello-pr-42"],
    ["hello-{sha}", "hello-5f84c1e"],
    ["hello-{run}", "hello-9876543210"],
    ["h-{pr}-{sha}-{pr}", "h-42-5f84c1e-42"],
    ["plain", "plain"],
  ])("%s → %s", (template, name) =>
    expect(expandPlaceholders("service-name", template, identity)).toBe(name),
  );

  it.each([
    [
      "hello-{pr}",
      {},
      /service-name: \{pr\} is used but this run is not for a pull request; use \{sha\} or \{run\}/,
    ],
    ["hello-{sha}", { sha: "xyz" }, /\{sha\} is used but the commit SHA is unknown/],
    ["hello-{run}", {}, /\{run\} is used but the workflow run id is unknown/],
    [
      "hello-{branch}",
      identity,
      /unknown placeholder \{branch\}; valid placeholders: \{pr\}, \{sha\}, \{run\}/,
    ],
    ["hello-{}", identity, /unknown placeholder \{\}/],
  ])("%s with %j is refused", (template, ctx, message) => {
    expect(() => expandPlaceholders("service-name", template, ctx)).toThrow(message);
  });
});
