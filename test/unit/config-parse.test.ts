// parseSettings: defaults from the inputs table, every input validated, every problem reported at once and in
// the order of action.yml, files read only through ctx.readFile, and nothing that could reach a network.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { InputError, InputErrors } from "../../src/config/errors.js";
import { INPUTS, effectiveDefault } from "../../src/config/inputs.js";
import { parseSettings, type ParseContext } from "../../src/config/parse.js";
import { DEFAULT_START_DELAY_MS, DEFAULT_WORKER_IMAGE } from "../../src/worker-limits.js";
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION } from "../../src/results.js";

const SERVICE = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
  namespace: apps
spec:
  template:
    spec:
      containers:
        - image: ghcr.io/acme/hello:1.0.0
`;
const KUBECONFIG = `clusters:
  - name: c
    cluster: {server: "https://127.0.0.1:6443"}
contexts:
  - name: c
    context: {cluster: c, user: u}
users:
  - name: u
    user: {token: abcdefghijkl}
current-context: c
`;
const BASELINE = JSON.stringify({
  schema: RESULTS_SCHEMA,
  version: RESULTS_SCHEMA_VERSION,
  startedAt: "2026-08-14T09:00:00.000Z",
  service: { name: "hello", readySeconds: 3 },
  load: {
    requests: 1000,
    rps: 100,
    latency: { min: 1, mean: 5, p50: 4, p90: 8, p99: 12, p999: 20, max: 30 },
    errors: { total: 0, rate: 0, byStatus: {}, timeouts: 0, connectionErrors: 0 },
  },
  pods: null,
  coldStart: null,
  error: null,
});

const FILES: Record<string, string> = {
  "service.yaml": SERVICE,
  "kube/config": KUBECONFIG,
  "prev.json": BASELINE,
  "noimage.yaml": SERVICE.replace("        - image: ghcr.io/acme/hello:1.0.0\n", "        - name: app\n"),
};

function context(extra: Partial<ParseContext> = {}): ParseContext & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: (path) => {
      reads.push(path);
      if (!(path in FILES)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      return FILES[path];
    },
    ...extra,
  };
}

function errorsOf(raw: Record<string, string>, extra: Partial<ParseContext> = {}): InputError[] {
  try {
    parseSettings(raw, context(extra));
  } catch (error) {
    if (error instanceof InputErrors) return error.errors;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}

describe("parseSettings: defaults and good inputs", () => {
  it("load-threads: auto is one thread per core, or one for a target on this machine", () => {
    const threads = (raw: Record<string, string>): number | undefined =>
      parseSettings({ "service-file": "service.yaml", ...raw }, context()).load.threads;
    const perCore = Math.min(64, availableParallelism());
    expect(threads({ "load-threads": "auto" })).toBe(perCore);
    expect(threads({ gateway: "10.0.0.5:80" })).toBe(perCore);
    expect(threads({ url: "https://hello.example.com" })).toBe(perCore);
    for (const local of ["127.0.0.1:8080", "http://localhost:31080", "http://[::1]:8080", "127.1.2.3"]) {
      expect(threads({ gateway: local })).toBe(1);
    }
    expect(threads({ url: "http://127.0.0.1:8080" })).toBe(1);
    // Asked for, it is what was asked.
    expect(threads({ gateway: "127.0.0.1:8080", "load-threads": "2" })).toBe(2);
  });

  it("applies every default of the inputs table", () => {
    const ctx = context();
    expect(parseSettings({ "service-file": "service.yaml" }, ctx)).toEqual({
      serviceFile: "service.yaml",
      manifest: {
        apiVersion: "serving.knative.dev/v1",
        kind: "Service",
        metadata: { name: "hello", namespace: "apps" },
        spec: { template: { spec: { containers: [{ image: "ghcr.io/acme/hello:1.0.0" }] } } },
      },
      serviceName: "hello",
      namespace: "apps",
      image: undefined,
      kubeconfig: undefined,
      createNamespace: false,
      updateExisting: false,
      leaseWaitMs: 0,
      readyTimeoutMs: 300_000,
      podProblemWindowMs: 30_000,
      url: undefined,
      gateway: undefined,
      request: { path: "/", method: "GET", headers: {}, body: undefined, timeoutMs: 10_000 },
      load: {
        durationMs: 30_000,
        connections: 50,
        rate: undefined,
        requests: undefined,
        warmupMs: 5000,
        // load-threads: auto, one per core (no url or gateway: the load goes to the Service's own URL).
        threads: Math.min(64, availableParallelism()),
      },
      stages: undefined,
      capacitySearch: undefined,
      loadFrom: "runner",
      loadWorkers: 1,
      loadWorkerImage: DEFAULT_WORKER_IMAGE,
      loadStartDelayMs: DEFAULT_START_DELAY_MS,
      coldStart: false,
      coldStartTimeoutMs: 180_000,
      thresholds: [{ source: "errors < 1%", line: 1, metric: "errors", operator: "<", limit: 0.01 }],
      baseline: undefined,
      baselineDocument: undefined,
      maxRegression: [],
      comment: true,
      githubToken: undefined,
      teardown: "always",
      privateZone: "keep",
      resultsFile: "knative-perf-gate-results.json",
      benchmarkFile: undefined,
      abBaseline: undefined,
      confidence: 0.95,
      onInconclusive: "pass",
      failOnThreshold: true,
    });
    expect(ctx.reads).toEqual(["service.yaml"]);
  });

  it("treats an empty input like an absent one (a workflow passing an unset input through)", () => {
    const raw = Object.fromEntries(INPUTS.map((i) => [i.name, ""]));
    const settings = parseSettings({ ...raw, "service-file": "service.yaml" }, context());
    expect(settings).toEqual(parseSettings({ "service-file": "service.yaml" }, context()));
  });

  it("does not apply GitHub expressions as defaults outside the runner", () => {
    expect(effectiveDefault(INPUTS.find((i) => i.name === "github-token")!)).toBe("");
    expect(parseSettings({ "service-file": "service.yaml" }, context()).githubToken).toBeUndefined();
  });

  it("maps every input to its setting", () => {
    const settings = parseSettings(
      {
        "service-file": "noimage.yaml",
        namespace: "perf-{pr}",
        "service-name": "hello-pr-{pr}-{sha}",
        image: "ghcr.io/acme/hello:pr-12",
        kubeconfig: KUBECONFIG,
        "create-namespace": "true",
        "update-existing": "TRUE",
        "ready-timeout": "90s",
        gateway: "127.0.0.1:31080",
        path: "/api?x=1",
        method: "post",
        headers: "Authorization: Bearer t\nX-Trace: 1",
        body: ' {"a": 1}\n',
        duration: "1m",
        connections: "8",
        rate: "200/s",
        requests: "5000",
        warmup: "0s",
        "request-timeout": "1500ms",
        "load-from": "cluster",
        "load-workers": "4",
        "load-threads": "3",
        "load-worker-image": "registry.example.com/mirror/node:24",
        "load-start-delay": "1m",
        "cold-start": "True",
        "cold-start-timeout": "2m",
        thresholds: "p99 < 200ms\nrps >= 100; cold-start < 5s",
        baseline: "prev.json",
        "max-regression": "p99: 20%",
        comment: "false",
        "github-token": "ghs_abc",
        teardown: "on-success",
        "private-zone": "enable",
        "lease-wait": "2m",
        "results-file": "out/results.json",
        "fail-on-threshold": "False",
      },
      context({ pr: 12, sha: "ABCDEF1234567", runId: "99" }),
    );
    expect(settings).toMatchObject({
      serviceFile: "noimage.yaml",
      serviceName: "hello-pr-12-abcdef1",
      namespace: "perf-12",
      manifest: { metadata: { name: "hello-pr-12-abcdef1", namespace: "perf-12" } },
      image: "ghcr.io/acme/hello:pr-12",
      kubeconfig: KUBECONFIG.trim(),
      createNamespace: true,
      updateExisting: true,
      leaseWaitMs: 120_000,
      readyTimeoutMs: 90_000,
      gateway: "http://127.0.0.1:31080",
      request: {
        path: "/api?x=1",
        method: "POST",
        headers: { Authorization: "Bearer t", "X-Trace": "1" },
        body: ' {"a": 1}\n',
        timeoutMs: 1500,
      },
      load: { durationMs: 60_000, connections: 8, rate: 200, requests: 5000, warmupMs: 0, threads: 3 },
      loadFrom: "cluster",
      loadWorkers: 4,
      loadWorkerImage: "registry.example.com/mirror/node:24",
      loadStartDelayMs: 60_000,
      coldStart: true,
      coldStartTimeoutMs: 120_000,
      baseline: "prev.json",
      maxRegression: [{ metric: "p99", percent: 20 }],
      comment: false,
      githubToken: "ghs_abc",
      teardown: "on-success",
      privateZone: "enable",
      resultsFile: "out/results.json",
      failOnThreshold: false,
    });
    expect(settings.manifest.spec.template.spec.containers[0]).toEqual({
      name: "app",
      image: "ghcr.io/acme/hello:pr-12",
    });
    expect(settings.thresholds.map((r) => r.metric)).toEqual(["p99", "rps", "cold-start"]);
    expect(settings.baselineDocument?.load?.latency.p99).toBe(12);
  });

  it("defaults the namespace to the manifest's, else default", () => {
    expect(parseSettings({ "service-file": "service.yaml" }, context()).namespace).toBe("apps");
    FILES["nons.yaml"] = SERVICE.replace("  namespace: apps\n", "");
    expect(parseSettings({ "service-file": "nons.yaml" }, context()).manifest.metadata.namespace).toBe(
      "default",
    );
  });

  it("compares p99 and rps by 10% when a baseline is given without max-regression", () => {
    const settings = parseSettings({ "service-file": "service.yaml", baseline: "prev.json" }, context());
    expect(settings.maxRegression).toEqual([
      { metric: "p99", percent: 10 },
      { metric: "rps", percent: 10 },
    ]);
  });

  it("reads the CLI's kubeconfig-file and validates it", () => {
    const ctx = context();
    expect(
      parseSettings({ "service-file": "service.yaml", "kubeconfig-file": "kube/config" }, ctx).kubeconfig,
    ).toBe(KUBECONFIG);
    expect(ctx.reads).toEqual(["kube/config", "service.yaml"]);
  });

  it("accepts thresholds: none", () => {
    expect(
      parseSettings({ "service-file": "service.yaml", thresholds: "none" }, context()).thresholds,
    ).toEqual([]);
  });
});

describe("parseSettings: bad inputs name the input", () => {
  const base = { "service-file": "service.yaml" };
  const bad = (
    input: string,
    raw: Record<string, string>,
    message: RegExp,
    line?: number,
    column?: number,
  ) => ({
    input,
    raw,
    message,
    line,
    column,
    title: JSON.stringify(raw).slice(0, 60),
  });
  it.each([
    bad("service-file", { "service-file": "" }, /^service-file: is required/),
    bad("service-file", { "service-file": "nope.yaml" }, /cannot read "nope\.yaml": no such file/),
    bad(
      "service-file",
      { "service-file": "noimage.yaml" },
      /containers\[0\]\.image is required \(or set the image input\)/,
      10,
    ),
    bad("service-file", { "service-file": "prev.json" }, /kind is missing/),
    bad("namespace", { namespace: "Perf" }, /"Perf" is not a valid namespace/),
    bad("namespace", { namespace: "ns-{pr}" }, /\{pr\} is used but this run is not for a pull request/),
    bad("service-name", { "service-name": "a".repeat(58) }, /58 characters; at most 57/),
    bad("service-name", { "service-name": "hello-{sha}" }, /\{sha\} is used but the commit SHA is unknown/),
    bad("service-name", { "service-name": "hello_{run}" }, /"hello_7" is not a valid name/),
    bad("service-name", { "service-name": "-pr-{run}" }, /"-pr-7" is not a valid name/),
    bad("image", { image: "Nginx" }, /is not a valid image reference/),
    bad("kubeconfig", { kubeconfig: "not: a kubeconfig" }, /clusters is missing/, 1),
    bad("kubeconfig", { kubeconfig: "clusters: [" }, /invalid YAML/, 2, 1),
    bad(
      "kubeconfig-file",
      { kubeconfig: KUBECONFIG, "kubeconfig-file": "kube/config" },
      /kubeconfig and kubeconfig-file are both set/,
    ),
    bad("kubeconfig-file", { "kubeconfig-file": "missing" }, /cannot read "missing"/),
    bad("create-namespace", { "create-namespace": "yes" }, /"yes" is not a boolean/),
    bad("update-existing", { "update-existing": "1" }, /"1" is not a boolean/),
    bad("ready-timeout", { "ready-timeout": "5" }, /"5" has no unit/),
    bad("ready-timeout", { "ready-timeout": "2h" }, /out of range; use a duration from 1s to 1h/),
    bad("url", { url: "file:///etc/passwd" }, /scheme "file" is not supported/),
    bad("url", { url: "https://x.example.com/path" }, /put "\/path" in the path input/),
    bad("gateway", { gateway: "gw:0x50" }, /not a host:port address/),
    bad("gateway", { url: "https://x.example.com", gateway: "gw:80" }, /url and gateway are both set/),
    bad("path", { path: "no-slash" }, /does not start with \//),
    bad("path", { path: "/a\nb" }, /control character/),
    bad("method", { method: "CONNECT" }, /valid choices: GET, HEAD, POST/),
    bad("headers", { headers: "X-A: 1\nHost: evil" }, /Host cannot be set/, 2, 1),
    bad("headers", { headers: "X-A: 1\rX-B: 2" }, /control character U\+000D/, 1, 7),
    bad("body", { method: "HEAD", body: "x" }, /a HEAD request has no body/),
    bad("body", { body: "x".repeat(1024 * 1024 + 1) }, /is larger than 1024 KiB/),
    bad("duration", { duration: "0.5s" }, /out of range; use a duration from 1s to 1h/),
    bad("duration", { duration: "-30s" }, /is negative/),
    bad("connections", { connections: "0" }, /out of range; use a whole number from 1 to 10000/),
    bad("connections", { connections: "ten" }, /is not a whole number/),
    bad("rate", { rate: "-1" }, /is negative/),
    bad("rate", { rate: "100/m" }, /is not a whole number/),
    bad("requests", { requests: "1000000000" }, /out of range/),
    bad("warmup", { warmup: "forever" }, /is not a duration/),
    bad("request-timeout", { "request-timeout": "0s" }, /out of range; use a duration from 1ms to 10m/),
    bad("load-from", { "load-from": "pods" }, /"pods" is not a valid choice; valid choices: runner, cluster/),
    bad("load-from", { "load-from": "clsuter" }, /did you mean "cluster"\?/),
    bad("load-threads", { "load-threads": "0" }, /out of range; use auto or a whole number from 1 to 64/),
    bad(
      "pod-problem-window",
      { "pod-problem-window": "500ms" },
      /out of range; use a duration from 1s to 10m/,
    ),
    bad("load-threads", { "load-threads": "65" }, /out of range/),
    bad("load-threads", { "load-threads": "all" }, /"all" is not a whole number; use auto or/),
    bad("load-workers", { "load-workers": "0" }, /out of range; use a whole number from 1 to 100/),
    bad("load-workers", { "load-workers": "101" }, /out of range; use a whole number from 1 to 100/),
    bad("load-workers", { "load-workers": "2.5" }, /is not a whole number/),
    bad("load-workers", { "load-workers": "4" }, /^load-workers: 4 workers need load-from: cluster; /),
    bad(
      "load-workers",
      { "load-from": "cluster", "load-workers": "8", connections: "4" },
      /8 workers need at least 8 connections \(one each\), but connections is 4/,
    ),
    bad(
      "load-workers",
      { "load-from": "cluster", "load-workers": "4", requests: "3" },
      /4 workers cannot share a cap of 3 requests/,
    ),
    bad("load-worker-image", { "load-worker-image": "Node:24" }, /is not a valid image reference/),
    bad("load-worker-image", { "load-worker-image": "node 24" }, /is not a valid image reference/),
    bad("load-start-delay", { "load-start-delay": "0s" }, /out of range; use a duration from 1s to 10m/),
    bad("load-start-delay", { "load-start-delay": "15" }, /has no unit/),
    bad("cold-start", { "cold-start": "on" }, /is not a boolean/),
    bad("cold-start-timeout", { "cold-start-timeout": "3" }, /has no unit/),
    bad("thresholds", { thresholds: "p99 <" }, /expected a value after "<"/, 1, 6),
    bad(
      "thresholds",
      { thresholds: "errors < 1%\np98 < 1s" },
      /unknown metric "p98"; did you mean "p90"\? valid metrics: p50, p90/,
      2,
      1,
    ),
    bad(
      "thresholds",
      { thresholds: "ready-time < 1m\ncold-start < 2s" },
      /"cold-start < 2s" needs a cold-start measurement; set cold-start: true/,
      2,
    ),
    bad("baseline", { baseline: "missing.json" }, /cannot read "missing\.json"/),
    bad("baseline", { baseline: "service.yaml" }, /is not valid JSON/, 1, 1),
    bad("max-regression", { "max-regression": "5" }, /is not a percentage/, 1, 1),
    bad(
      "max-regression",
      { "max-regression": "cold-start: 10%" },
      /cold-start needs a cold-start measurement/,
    ),
    bad(
      "baseline",
      { baseline: "prev.json", "max-regression": "pods.max: 10%" },
      /"prev\.json" has no pods\.max to compare with/,
    ),
    bad("comment", { comment: "nope" }, /is not a boolean/),
    bad("teardown", { teardown: "on-sucess" }, /did you mean "on-success"\?/),
    bad("private-zone", { "private-zone": "Enable" }, /did you mean "enable"\?/),
    bad("results-file", { "results-file": "dir/" }, /is not a file path/),
    bad("fail-on-threshold", { "fail-on-threshold": "no" }, /is not a boolean/),
    bad(
      "threshold",
      { threshold: "p99 < 1s" },
      /is not an input of knative-perf-gate; did you mean "thresholds"\?/,
    ),
  ])("$input: $title", ({ input, raw, message, line, column }) => {
    const errors = errorsOf({ ...base, ...raw }, { runId: "7" });
    const error = errors.find((e) => e.input === input && message.test(e.message));
    expect(error?.message ?? errors.map((e) => e.message)).toEqual(
      expect.stringMatching(new RegExp(`^${input}: `)),
    );
    if (line !== undefined) expect(error!.line).toBe(line);
    if (column !== undefined) expect(error!.column).toBe(column);
  });

  it("reports every problem at once, in the order of action.yml", () => {
    const errors = errorsOf({
      "fail-on-threshold": "maybe",
      thresholds: "p99 <",
      duration: "30",
      "service-file": "noimage.yaml",
      headers: "bad",
      connections: "-1",
    });
    expect(errors.map((e) => e.input)).toEqual([
      "service-file",
      "headers",
      "duration",
      "connections",
      "thresholds",
      "fail-on-threshold",
    ]);
  });

  it("does not blame the service file for an override that is itself invalid", () => {
    FILES["noname.yaml"] = SERVICE.replace("  name: hello\n", "");
    expect(errorsOf({ "service-file": "noname.yaml", "service-name": "Bad" }).map((e) => e.input)).toEqual([
      "service-name",
    ]);
  });
});

describe("parseSettings makes no network call", () => {
  // parse.ts and everything it imports, transitively, within src/.
  function localImports(file: string, seen = new Set<string>()): Set<string> {
    if (seen.has(file)) return seen;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const [, spec] of text.matchAll(/^import[^;]*?from "([^"]+)";/gms)) {
      if (spec.startsWith(".")) localImports(join(dirname(file), spec.replace(/\.js$/, ".ts")), seen);
    }
    return seen;
  }

  it("imports no HTTP, socket, Kubernetes or GitHub client, directly or indirectly", () => {
    const files = [...localImports("src/config/parse.ts")];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const external = [...text.matchAll(/^import[^;]*?from "([^".][^"]*)";/gms)].map((m) => m[1]);
      expect({
        file,
        external: external.filter((m) => !["js-yaml"].includes(m) && !m.startsWith("node:")),
      }).toEqual({ file, external: [] });
      expect({
        file,
        node: external.filter((m) => /^node:(http|https|net|tls|dgram|dns|http2|child_process)$/.test(m)),
      }).toEqual({ file, node: [] });
      expect(text).not.toMatch(/\bfetch\(/);
    }
  });

  it("reads only the files its inputs name", () => {
    const ctx = context();
    parseSettings(
      { "service-file": "service.yaml", baseline: "prev.json", "kubeconfig-file": "kube/config" },
      ctx,
    );
    expect(ctx.reads.sort()).toEqual(["kube/config", "prev.json", "service.yaml"]);
  });
});
