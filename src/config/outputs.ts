// Every output's name and description in one table; action.yml follows it (checked by a test) and the
// report sets each of them from the results document.

export interface OutputSpec {
  name: string;
  description: string;
}

const OUTPUT_TABLE = [
  { name: "url", description: "URL the load was sent to (the Service's status.url, or the url input)." },
  { name: "revision", description: "Name of the revision that was measured." },
  { name: "ready-seconds", description: "Seconds from deploy until the Service was Ready." },
  { name: "requests", description: "Requests completed during the measured load." },
  { name: "rps", description: "Completed requests per second." },
  { name: "latency-p50", description: "Median latency, ms." },
  { name: "latency-p90", description: "90th percentile latency, ms." },
  { name: "latency-p99", description: "99th percentile latency, ms." },
  { name: "latency-max", description: "Slowest request, ms." },
  { name: "error-rate", description: "Share of failed requests, 0 to 1." },
  { name: "pods-max", description: "Most ready serving pods at once during the load." },
  {
    name: "scale-up-seconds",
    description:
      "With stages: the worst step up, seconds from the stage's start until the pods the autoscaler decided on were Ready (empty when not measured).",
  },
  {
    name: "cold-start-ms",
    description: "First response after scale-from-zero, ms (empty without cold-start).",
  },
  { name: "passed", description: "true when every threshold and the regression check passed, else false." },
  {
    name: "verdict",
    description:
      "passed; regressed (a metric max-regression names is worse than allowed: in an A/B run its whole confidence interval); inconclusive (A/B: an interval neither clearly within nor beyond it); or failed (a threshold, or the run did not finish).",
  },
  {
    name: "regressed-metrics",
    description: "Comma-separated metrics that regressed, e.g. p99,rps (empty when none).",
  },
  { name: "results-file", description: "Path of the JSON results document." },
  { name: "comment-url", description: "URL of the pull request comment (empty when none was posted)." },
  { name: "comment-id", description: "Id of the pull request comment (empty when none was posted)." },
] as const satisfies readonly OutputSpec[];

export type OutputName = (typeof OUTPUT_TABLE)[number]["name"];

export const OUTPUTS: readonly (OutputSpec & { name: OutputName })[] = OUTPUT_TABLE;
