// The pure decisions behind runs that share a namespace or a Service: which registrations on a namespace are
// live, how a registration is added or removed (expired ones dropped on the way), and when a run waiting for
// another run's lease on a Service may go on.
import { REGISTRATION_PREFIX, registrationsOf, withRegistration } from "../../src/kube/namespace-lease.js";
import { leaseWaitStep } from "../../src/kube/service-lease.js";
import type { KnativeObject } from "../../src/kube/knative.js";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

describe("namespace registrations", () => {
  const annotations = {
    [`${REGISTRATION_PREFIX}live-run`]: at(60_000),
    [`${REGISTRATION_PREFIX}crashed-run`]: at(-1),
    [`${REGISTRATION_PREFIX}garbled`]: "soon",
    "team.example.com/owner": "payments",
  };

  it("counts only unexpired registrations as live; expired or unreadable ones are expired", () => {
    const { live, expired } = registrationsOf(annotations, NOW);
    expect([...live.keys()]).toEqual(["live-run"]);
    expect(expired.sort()).toEqual([`${REGISTRATION_PREFIX}crashed-run`, `${REGISTRATION_PREFIX}garbled`]);
  });

  it("adds a registration, drops expired ones and keeps everything else", () => {
    expect(withRegistration(annotations, "me", new Date(NOW + 5000), NOW)).toEqual({
      [`${REGISTRATION_PREFIX}live-run`]: at(60_000),
      [`${REGISTRATION_PREFIX}me`]: at(5000),
      "team.example.com/owner": "payments",
    });
  });

  it("removes a registration", () => {
    const mine = { ...annotations, [`${REGISTRATION_PREFIX}me`]: at(5000) };
    expect(withRegistration(mine, "me", undefined, NOW)).toEqual({
      [`${REGISTRATION_PREFIX}live-run`]: at(60_000),
      "team.example.com/owner": "payments",
    });
  });
});

describe("waiting for another run's lease on a Service", () => {
  const held = (id: string, untilMs: number): KnativeObject => ({
    metadata: {
      name: "app",
      annotations: { "knative-perf-gate.dev/run": id, "knative-perf-gate.dev/lease-until": at(untilMs) },
    },
  });

  it("waits while another run's lease is live, waking when it ends", () => {
    const step = leaseWaitStep({}, { type: "SYNC", items: [held("other", 30_000)], now: NOW }, "me");
    expect(step).toEqual({ state: { service: held("other", 30_000) }, wakeAt: NOW + 30_000 });
  });

  it("goes on when the Service is deleted, released, expired, or already ours", () => {
    const state = { service: held("other", 30_000) };
    expect(
      "done" in leaseWaitStep(state, { type: "DELETED", object: held("other", 30_000), now: NOW }, "me"),
    ).toBe(true);
    const released: KnativeObject = { metadata: { name: "app", annotations: {} } };
    expect("done" in leaseWaitStep(state, { type: "MODIFIED", object: released, now: NOW }, "me")).toBe(true);
    expect("done" in leaseWaitStep(state, { type: "WAKE", now: NOW + 30_000 }, "me")).toBe(true);
    expect("done" in leaseWaitStep({}, { type: "SYNC", items: [held("me", 30_000)], now: NOW }, "me")).toBe(
      true,
    );
    expect("done" in leaseWaitStep({}, { type: "SYNC", items: [], now: NOW }, "me")).toBe(true);
  });
});
