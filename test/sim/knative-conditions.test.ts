// The living condition set as knative.dev/pkg apis/condition_set.go defines it: what clients read the reasons
// and messages from.
import { describe, expect, it } from "@jest/globals";
import { revisionConditions, serviceConditions, type WithConditions } from "./knative/conditions.js";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const view = (st: WithConditions) => st.conditions?.map((c) => [c.type, c.status, c.reason ?? ""]);

describe("ConditionSet", () => {
  it("initializes every condition Unknown, sorted by type", () => {
    const st: WithConditions = {};
    serviceConditions.initialize(st, at(0));
    expect(view(st)).toEqual([
      ["ConfigurationsReady", "Unknown", ""],
      ["Ready", "Unknown", ""],
      ["RoutesReady", "Unknown", ""],
    ]);
  });

  it("gives Ready the reason of the most recently marked unknown dependent", () => {
    const st: WithConditions = {};
    serviceConditions.initialize(st, at(0));
    serviceConditions.markUnknown(st, "ConfigurationsReady", "", "", at(1));
    serviceConditions.markUnknown(st, "RoutesReady", "RevisionMissing", "waiting", at(2));
    expect(serviceConditions.get(st, "Ready")).toMatchObject({
      status: "Unknown",
      reason: "RevisionMissing",
    });
  });

  it("lets False trump Unknown and become Ready only when every dependent is True", () => {
    const st: WithConditions = {};
    serviceConditions.initialize(st, at(0));
    serviceConditions.markFalse(st, "ConfigurationsReady", "RevisionFailed", "boom", at(1));
    serviceConditions.markUnknown(st, "RoutesReady", "RevisionMissing", "waiting", at(2));
    expect(serviceConditions.get(st, "Ready")).toMatchObject({ status: "False", reason: "RevisionFailed" });
    serviceConditions.markTrue(st, "ConfigurationsReady", at(3));
    expect(serviceConditions.get(st, "Ready")).toMatchObject({
      status: "Unknown",
      reason: "RevisionMissing",
    });
    serviceConditions.markTrue(st, "RoutesReady", at(4));
    expect(serviceConditions.get(st, "Ready")?.status).toBe("True");
  });

  it("keeps lastTransitionTime when nothing but the time would change", () => {
    const st: WithConditions = {};
    revisionConditions.initialize(st, at(0));
    revisionConditions.markTrue(st, "ContainerHealthy", at(5));
    revisionConditions.markTrue(st, "ContainerHealthy", at(9));
    expect(revisionConditions.get(st, "ContainerHealthy")?.lastTransitionTime).toBe(at(5).toISOString());
  });

  it("marks conditions outside the set (Active) with severity Info and leaves Ready alone when False", () => {
    const st: WithConditions = {};
    revisionConditions.initialize(st, at(0));
    revisionConditions.markTrue(st, "ResourcesAvailable", at(1));
    revisionConditions.markTrue(st, "ContainerHealthy", at(2));
    revisionConditions.markFalse(st, "Active", "NoTraffic", "The target is not receiving traffic.", at(3));
    expect(revisionConditions.get(st, "Active")).toMatchObject({ status: "False", severity: "Info" });
    expect(revisionConditions.get(st, "Ready")?.status).toBe("True");
    expect(revisionConditions.get(st, "Ready")?.severity).toBeUndefined();
  });
});
