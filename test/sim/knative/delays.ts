// How long the cluster takes to bring a pod and an ingress up, as knobs (all real-cluster milliseconds, scaled
// by the time scale like every control-plane duration). The default profile keeps the simulator fast; the
// realistic profile uses the sourced values below (test/sim/README.md, "Start-up and ingress delays").

export interface Delays {
  /** Pod created → bound to the node (kube-scheduler). */
  schedulingMs: number;
  /** First pull of an image on the node; later pods of the same image find it cached (IfNotPresent). */
  imagePullMs: number;
  /** Bound (and image present) → containers running: sandbox, network, container start (CRI). */
  containerStartMs: number;
  /**
   * Readiness is noticed at the first probe tick at or after the app is ready; ticks every this many ms from
   * the container's start (0: at once).
   */
  readinessProbePeriodMs: number;
  /**
   * A route's hosts answer, and IngressReady turns True, this long after the route is first programmed; in
   * between IngressReady is Unknown `Uninitialized` "Waiting for load balancer to be ready".
   */
  ingressReadyMs: number;
}

/** Today's fast simulator: what the existing tests were written against. */
export const DEFAULT_DELAYS: Delays = {
  schedulingMs: 0,
  imagePullMs: 0,
  containerStartMs: 500,
  readinessProbePeriodMs: 0,
  ingressReadyMs: 0,
};

/**
 * `--profile realistic`. Sources (README):
 * - readinessProbePeriodMs 200: the activator probes a new pod every 200 ms before it forwards a buffered
 *   request (knative/serving cmd/activator/main.go ProbeFrequency default "200ms"); the queue-proxy's own
 *   aggressive probe retries every 50 ms (pkg/queue/readiness/probe.go retryInterval), so the activator's is
 *   the one a cold start waits for.
 * - ingressReadyMs 1000: the ingress status prober waits 200 ms before its first probe (knative.dev/networking
 *   pkg/status/status.go initialDelay), then Envoy must have the new virtual host; 1 s in all is our assumption.
 * - schedulingMs 100, containerStartMs 1000, imagePullMs 3000: inside the Kubernetes SLO envelope "p99 pod
 *   startup ≤ 5 s excluding image pulls" (kubernetes/community sig-scalability/slos/pod_startup_latency.md);
 *   the split and the pull time of a small (helloworld-go sized) image are assumptions.
 */
export const REALISTIC_DELAYS: Delays = {
  schedulingMs: 100,
  imagePullMs: 3000,
  containerStartMs: 1000,
  readinessProbePeriodMs: 200,
  ingressReadyMs: 1000,
};

/**
 * The sourced lower bound of a cold start (request at zero pods → first byte) on a real cluster: about 2 s,
 * the small-scale figure of Knative's scale tests (Matt Moore, Knative maintainer, in Nobl9's "Creeping latency
 * metrics" interview: cold start "~2 to ~12 seconds" from 1 to 1,000 services).
 */
export const COLD_START_LOWER_BOUND_MS = 2000;
