// Every input's name, default and description in one table. action.yml, the CLI's flags and --help, and the
// README's table all follow it; test/unit/action-yml.test.ts fails when they drift apart.

export interface InputSpec {
  name: string;
  description: string;
  /** The default exactly as in action.yml; undefined when the input has none. */
  default?: string;
  required?: boolean;
  /** A true/false input: the CLI takes `--name`, `--no-name` and `--name=false`. */
  boolean?: boolean;
  /** Masked with core.setSecret as soon as it is read. */
  secret?: boolean;
  /** Several lines; a CLI flag given more than once adds lines. */
  multiline?: boolean;
  /** Read without trimming (the request body is sent exactly as written). */
  keepWhitespace?: boolean;
  /** Only a CLI flag, not an action input. */
  cliOnly?: boolean;
}

const INPUT_TABLE = [
  {
    name: "service-file",
    required: true,
    description:
      "Path of the Knative Service manifest to deploy: one YAML document, a serving.knative.dev/v1 Service.",
  },
  {
    name: "namespace",
    description:
      "Namespace to deploy into. Defaults to the manifest's metadata.namespace, else default. Takes the placeholders {pr}, {sha} and {run}.",
  },
  {
    name: "service-name",
    description:
      "Service name, replacing the manifest's metadata.name (the default). {pr} (pull request number), {sha} (7-character commit SHA) and {run} (workflow run id) give each PR its own Service, e.g. hello-pr-{pr}.",
  },
  {
    name: "image",
    description:
      "Container image for the first container, replacing the manifest's (e.g. the image built earlier in the job).",
  },
  {
    name: "kubeconfig",
    secret: true,
    description:
      "Kubeconfig content (not a path), e.g. from a secret; masked in logs. Empty: KUBECONFIG, ~/.kube/config or in-cluster credentials.",
  },
  {
    name: "create-namespace",
    boolean: true,
    default: "false",
    description: "Create the namespace when it does not exist.",
  },
  {
    name: "update-existing",
    boolean: true,
    default: "false",
    description:
      "Allow updating a Service of the same name that exists and was not created by this gate (it is never deleted). false: such a Service stops the run.",
  },
  {
    name: "lease-wait",
    default: "0s",
    description:
      "How long to wait when another gate run holds the same Service (service-name), for it to finish or its lease to expire, before going on. 0s: stop at once with an error naming the other run.",
  },
  {
    name: "ready-timeout",
    default: "5m",
    description:
      "How long to wait for the Service to become Ready. Durations look like 1500ms, 30s, 2m or 1m30s. A pod that cannot start (ErrImagePull/ImagePullBackOff, CrashLoopBackOff, Unschedulable, …) fails the wait early, after pod-problem-window, with the pod's reason and message.",
  },
  {
    name: "pod-problem-window",
    default: "30s",
    description:
      "How long a pod may stay unable to start (image pull back-off, crash loop, Unschedulable) before the Ready wait fails with its reason, 1s to 10m: the 30 s default outlasts the kubelet's first 10 s pull back-off and a retry; raise it where nodes are added on demand.",
  },
  {
    name: "url",
    description:
      "Send the load to this http(s) origin instead of the Service's status.url, e.g. a custom domain. Scheme, host and port only; the path goes in path.",
  },
  {
    name: "gateway",
    description:
      "Send the load to this address (host:port or URL of an ingress, load balancer or port-forward) with the Service's Host header, for clusters whose Service URL does not resolve from the runner.",
  },
  {
    name: "path",
    default: "/",
    description: "Request path (and query), starting with /.",
  },
  {
    name: "method",
    default: "GET",
    description: "HTTP method: GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS.",
  },
  {
    name: "headers",
    multiline: true,
    description:
      "Request headers, one Name: value per line. Host, Content-Length, Transfer-Encoding and Connection are set by the gate.",
  },
  {
    name: "body",
    keepWhitespace: true,
    description: "Request body, sent exactly as written (at most 1 MiB).",
  },
  {
    name: "duration",
    default: "30s",
    description: "How long to measure the load, after the warm-up (1s to 1h).",
  },
  {
    name: "connections",
    default: "50",
    description: "Concurrent connections (1 to 10000).",
  },
  {
    name: "rate",
    description:
      "Requests per second across all connections (open loop). Empty: closed loop, each connection sends its next request when the previous one is answered.",
  },
  {
    name: "stages",
    multiline: true,
    description:
      "A stepped load instead of duration, connections and rate: <duration>:<connections> (closed loop) or <duration>:<rate>/s (open loop, over connections connections) per stage, separated by commas or lines, e.g. 30s:2, 1m:40, 30s:2. Each stage holds its level, then the next starts at once; the warm-up runs at the first stage's level. Results per stage in load.stages.",
  },
  {
    name: "capacity-search",
    multiline: true,
    description:
      "Search for the highest rate the Service sustains under a rule of the threshold language on p50, p90, p99, max, errors or rps, e.g. p99 < 200ms: open-loop steps of duration each, from rate (default 10/s) doubling until the rule breaks (a first break is run again to confirm it), then halving the gap to 5 %, at most 12 steps. Replaces stages; the result is in load.capacity.",
  },
  {
    name: "requests",
    description:
      "Stop after this many measured requests, even before the duration has elapsed. Empty: no cap.",
  },
  {
    name: "warmup",
    default: "5s",
    description:
      "Load sent before measuring and then discarded, so the first pods are warm (0s: none, at most 10m).",
  },
  {
    name: "request-timeout",
    default: "10s",
    description: "A request not answered within this time counts as a timeout error.",
  },
  {
    name: "load-from",
    default: "runner",
    description:
      "Where the load comes from: runner (this machine) or cluster (load-workers pods of a Job in the Service's namespace), sent to url or gateway if set, else to the Service's status.address.url.",
  },
  {
    name: "load-threads",
    default: "auto",
    description:
      "With load-from: runner, how many threads (event loops) send the load and share its connections and rate: 1 to 64, or auto: one per CPU core of the runner, or 1 when url or gateway is on this machine (localhost, 127.0.0.0/8, ::1), where the target needs the cores too (bench/README.md).",
  },
  {
    name: "load-workers",
    default: "1",
    description:
      "With load-from: cluster, how many worker pods share the connections, rate and requests (1 to 100, at most connections).",
  },
  {
    name: "load-worker-image",
    default: "node:24-alpine",
    description:
      "With load-from: cluster, the workers' image: any image with Node 18 or later on its PATH, e.g. a mirror in your registry.",
  },
  {
    name: "load-start-delay",
    default: "15s",
    description:
      "With load-from: cluster, how long after the Job is created all workers start together: time to schedule the pods and pull the image (1s to 10m).",
  },
  {
    name: "cold-start",
    boolean: true,
    default: "false",
    description:
      "Also measure a cold start: wait until the revision has scaled to zero, then time the first response.",
  },
  {
    name: "cold-start-timeout",
    default: "3m",
    description: "How long to wait for the revision to reach zero pods before the cold-start probe.",
  },
  {
    name: "thresholds",
    multiline: true,
    default: "errors < 1%",
    description:
      "Gate rules, one per line or separated by ;, e.g. p99 < 200ms, rps >= 500, pods.max <= 5 (see Threshold language). none: no rules.",
  },
  {
    name: "baseline",
    description: "Path of an earlier run's results file to compare against (regression check).",
  },
  {
    name: "max-regression",
    description:
      "Allowed worsening against the baseline: 10% (on p99 and rps) or per metric, p99: 10%, rps: 5%. Empty: 10% on p99 and rps when a baseline is given.",
  },
  {
    name: "baseline-image",
    description:
      "A/B: the baseline's container image (e.g. the PR's base commit's, or production's). With it or baseline-service-file the run deploys a baseline Service beside the candidate, loads both at the same time, and judges the change with confidence intervals.",
  },
  {
    name: "baseline-service-file",
    description:
      "A/B: the baseline Service's manifest (e.g. the base branch's). Empty: service-file, with baseline-image as its image.",
  },
  {
    name: "baseline-service-name",
    description: "A/B: the baseline Service's name. Empty: <service-name>-baseline, in the same namespace.",
  },
  {
    name: "confidence",
    default: "95%",
    description:
      "Confidence level of the comparison's intervals (A/B or baseline), 80% to 99.9%: a metric counts as regressed only when its whole interval is worse than max-regression.",
  },
  {
    name: "on-inconclusive",
    default: "pass",
    description:
      "A/B: a metric whose interval is neither clearly within nor clearly beyond max-regression: pass (with a warning) or fail.",
  },
  {
    name: "comment",
    boolean: true,
    default: "true",
    description: "Post the report as one pull request comment, updated on each run.",
  },
  {
    name: "github-token",
    secret: true,
    default: "${{ github.token }}",
    description:
      "Token for the pull request comment (needs pull-requests: write); masked. The CLI reads GITHUB_TOKEN.",
  },
  {
    name: "teardown",
    default: "always",
    description:
      "Delete the Service this run created: always, on-success (keep it to debug a failed gate) or never. A Service the gate did not create is never deleted.",
  },
  {
    name: "private-zone",
    default: "keep",
    description:
      "Alibaba Cloud ASK/ACK: set enablePrivateZone in ConfigMap kube-system/eci-profile during the run: keep (untouched), enable or disable. The original value is restored afterwards.",
  },
  {
    name: "results-file",
    default: "knative-perf-gate-results.json",
    description: "Where to write the JSON results document (usable as a later run's baseline).",
  },
  {
    name: "benchmark-file",
    description:
      "Also write the figures for github-action-benchmark's history charts: this file in its customSmallerIsBetter format (latency percentiles, error rate, max pods, cold start) and, next to it with -throughput.json, the customBiggerIsBetter one (rps). Empty: neither.",
  },
  {
    name: "fail-on-threshold",
    boolean: true,
    default: "true",
    description: "Fail the step when a threshold or the regression check fails. false: report only.",
  },
  {
    name: "output",
    cliOnly: true,
    default: "text",
    description:
      "What the CLI prints on stdout: text (a summary for the terminal: aligned tables, text charts, colour on a terminal unless NO_COLOR is set), markdown (the PR comment and job summary) or json (the results document; --json is short for --output=json).",
  },
  {
    name: "kubeconfig-file",
    cliOnly: true,
    description: "Path of a kubeconfig file (CLI only; the action takes the content in kubeconfig).",
  },
] as const satisfies readonly InputSpec[];

export type InputName = (typeof INPUT_TABLE)[number]["name"];

export const INPUTS: readonly (InputSpec & { name: InputName })[] = INPUT_TABLE;

export const ACTION_INPUTS = INPUTS.filter((i) => !i.cliOnly);

export function findInput(name: string): InputSpec | undefined {
  return INPUTS.find((i) => i.name === name);
}

/**
 * The value parseSettings uses when an input is absent or empty. GitHub expressions (`${{ github.token }}`) only
 * mean something to the runner, which substitutes them before we see the input, so they are not applied here.
 */
export function effectiveDefault(spec: InputSpec): string {
  if (spec.default === undefined || spec.default.startsWith("${{")) return "";
  return spec.default;
}
