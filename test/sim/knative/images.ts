// What a container image does in the simulator, decided by its name, and the per-service tunables read from
// clearly prefixed annotations on the revision template (copied to the revision and its pods).
//
// Image names:
// - a registry host under the reserved `.invalid` TLD (RFC 2606), e.g. `registry.invalid/app:1`: the image
//   cannot be resolved to a digest (Knative's ContainerMissing);
// - last path segment starting with `crash` (e.g. `example.com/sim/crash:1`): the container exits after its
//   startup time (ExitCode<N>, CrashLoopBackOff);
// - last path segment starting with `never-ready`: runs but never passes its readiness probe
//   (ProgressDeadlineExceeded);
// - last path segment starting with `pull-backoff` (e.g. `example.com/sim/pull-backoff:1`): the digest
//   resolves, but the kubelet cannot pull it (ErrImagePull → ImagePullBackOff, kubelet.ts);
// - a path containing `helloworld` (the seed's `knative-sample/helloworld-go`): answers `Hello ${TARGET}!`;
// - anything else: an echo server describing the request as JSON.
// The `sim.knative-perf-gate.dev/behavior` annotation (serve | crash | never-ready | pull-backoff) overrides
// the name.
import { parseDuration } from "./autoscaler-config.js";

export const SIM_PREFIX = "sim.knative-perf-gate.dev/";

export const SIM_ANNOTATION = {
  /** Work per request inside the pod, e.g. "20ms" (real time, not scaled). */
  serviceTime: `${SIM_PREFIX}service-time`,
  /** Extra uniform random work per request, 0..jitter, e.g. "5ms". */
  serviceTimeJitter: `${SIM_PREFIX}service-time-jitter`,
  /** CPU work per request at one core, shared with the other requests on the container's cores, e.g. "10ms". */
  cpuTime: `${SIM_PREFIX}cpu-time`,
  /** Time-varying service time: amplitude of a sine on service-time and cpu-time, e.g. "50%". */
  serviceTimeVariation: `${SIM_PREFIX}service-time-variation`,
  /** Period of that sine, e.g. "60s" (real time, like the service time); default 60s. */
  serviceTimePeriod: `${SIM_PREFIX}service-time-period`,
  /** ASK: how much slower the low-spec reserve pod serves (factor on its service time), e.g. "2"; default 1. */
  reserveSlowdown: `${SIM_PREFIX}reserve-slowdown`,
  /** Time from container start to readiness, e.g. "2s" (scaled by the time scale). */
  startupTime: `${SIM_PREFIX}startup-time`,
  /** Share of requests answered 500, 0..1. */
  errorRate: `${SIM_PREFIX}error-rate`,
  /** Delay the gateway adds before a request enters the cluster: the client's network distance (real time). */
  networkLatency: `${SIM_PREFIX}network-latency`,
  /** serve | crash | never-ready | pull-backoff; overrides the image-name convention. */
  behavior: `${SIM_PREFIX}behavior`,
  /** Exit code of a crashing container (default 1). */
  exitCode: `${SIM_PREFIX}exit-code`,
  /** Termination message of a crashing container. */
  exitMessage: `${SIM_PREFIX}exit-message`,
} as const;

export type Lifecycle = "serve" | "crash" | "never-ready" | "pull-backoff";
export type App = "hello" | "echo";

export interface ImageBehaviour {
  app: App;
  lifecycle: Lifecycle;
  /** Why the image cannot be resolved, or undefined when it can. */
  pullError?: string;
  exitCode: number;
  exitMessage: string;
}

export interface Tunables {
  serviceTimeMs: number;
  serviceTimeJitterMs: number;
  cpuTimeMs: number;
  /** Amplitude (0..1) of the sine that varies service-time and cpu-time over time. */
  serviceTimeVariation: number;
  serviceTimePeriodMs: number;
  /** Factor ≥ 1 on the service time of an ASK reserve pod. */
  reserveSlowdown: number;
  /** Unscaled; the kubelet applies the time scale. */
  startupTimeMs: number;
  errorRate: number;
  networkLatencyMs: number;
}

export const DEFAULT_TUNABLES: Tunables = {
  serviceTimeMs: 0,
  serviceTimeJitterMs: 0,
  cpuTimeMs: 0,
  serviceTimeVariation: 0,
  serviceTimePeriodMs: 60_000,
  reserveSlowdown: 1,
  startupTimeMs: 2000,
  errorRate: 0,
  networkLatencyMs: 0,
};

/** The registry host of an image reference, or undefined for Docker Hub short names ("nginx", "library/x"). */
export function registryHost(image: string): string | undefined {
  const slash = image.indexOf("/");
  if (slash < 0) return undefined;
  const first = image.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : undefined;
}

function repositoryName(image: string): string {
  const noDigest = image.split("@")[0];
  const last = noDigest.slice(noDigest.lastIndexOf("/") + 1);
  return last.split(":")[0];
}

export function classifyImage(image: string, annotations: Record<string, string> = {}): ImageBehaviour {
  const host = registryHost(image);
  const repo = repositoryName(image);
  let lifecycle: Lifecycle = "serve";
  if (repo.startsWith("crash")) lifecycle = "crash";
  else if (repo.startsWith("never-ready")) lifecycle = "never-ready";
  else if (repo.startsWith("pull-backoff")) lifecycle = "pull-backoff";
  const override = annotations[SIM_ANNOTATION.behavior];
  if (
    override === "serve" ||
    override === "crash" ||
    override === "never-ready" ||
    override === "pull-backoff"
  )
    lifecycle = override;
  const exitCode = Number(annotations[SIM_ANNOTATION.exitCode] ?? "1");
  const behaviour: ImageBehaviour = {
    app: /helloworld/.test(image) ? "hello" : "echo",
    lifecycle,
    exitCode: Number.isInteger(exitCode) ? exitCode : 1,
    exitMessage: annotations[SIM_ANNOTATION.exitMessage] ?? "simulated crash",
  };
  if (host?.toLowerCase().endsWith(".invalid")) {
    // go-containerregistry's error for a registry whose name does not resolve.
    behaviour.pullError = `Get "https://${host}/v2/": dial tcp: lookup ${host}: no such host`;
  }
  return behaviour;
}

function durationMs(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const ms = parseDuration(v.trim());
  return Number.isFinite(ms) ? ms : fallback;
}

/** Reads the sim annotations; a malformed value falls back to its default (listed in `invalid`). */
export function parseTunables(annotations: Record<string, string> = {}): {
  tunables: Tunables;
  invalid: string[];
} {
  const invalid: string[] = [];
  const dur = (key: string, fallback: number) => {
    const v = annotations[key];
    const ms = durationMs(v, NaN);
    if (v !== undefined && !Number.isFinite(ms)) invalid.push(`${key}: "${v}" is not a duration like "20ms"`);
    return Number.isFinite(ms) ? ms : fallback;
  };
  const rateText = annotations[SIM_ANNOTATION.errorRate];
  let errorRate = DEFAULT_TUNABLES.errorRate;
  if (rateText !== undefined) {
    const r = Number(rateText);
    if (Number.isFinite(r) && r >= 0 && r <= 1) errorRate = r;
    else invalid.push(`${SIM_ANNOTATION.errorRate}: "${rateText}" is not a number between 0 and 1`);
  }
  const variationText = annotations[SIM_ANNOTATION.serviceTimeVariation];
  let serviceTimeVariation = DEFAULT_TUNABLES.serviceTimeVariation;
  if (variationText !== undefined) {
    const m = /^(\d+(?:\.\d+)?)%$/.exec(variationText.trim());
    if (m && Number(m[1]) <= 100) serviceTimeVariation = Number(m[1]) / 100;
    else
      invalid.push(
        `${SIM_ANNOTATION.serviceTimeVariation}: "${variationText}" is not a percentage from 0% to 100%`,
      );
  }
  const periodMs = dur(SIM_ANNOTATION.serviceTimePeriod, DEFAULT_TUNABLES.serviceTimePeriodMs);
  const reserveText = annotations[SIM_ANNOTATION.reserveSlowdown];
  let reserveSlowdown = DEFAULT_TUNABLES.reserveSlowdown;
  if (reserveText !== undefined) {
    const f = Number(reserveText);
    if (Number.isFinite(f) && f >= 1) reserveSlowdown = f;
    else invalid.push(`${SIM_ANNOTATION.reserveSlowdown}: "${reserveText}" is not a factor of 1 or more`);
  }
  return {
    tunables: {
      cpuTimeMs: dur(SIM_ANNOTATION.cpuTime, DEFAULT_TUNABLES.cpuTimeMs),
      serviceTimeVariation,
      reserveSlowdown,
      serviceTimePeriodMs: periodMs > 0 ? periodMs : DEFAULT_TUNABLES.serviceTimePeriodMs,
      serviceTimeMs: dur(SIM_ANNOTATION.serviceTime, DEFAULT_TUNABLES.serviceTimeMs),
      serviceTimeJitterMs: dur(SIM_ANNOTATION.serviceTimeJitter, DEFAULT_TUNABLES.serviceTimeJitterMs),
      startupTimeMs: dur(SIM_ANNOTATION.startupTime, DEFAULT_TUNABLES.startupTimeMs),
      errorRate,
      networkLatencyMs: dur(SIM_ANNOTATION.networkLatency, DEFAULT_TUNABLES.networkLatencyMs),
    },
    invalid,
  };
}
