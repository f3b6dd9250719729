import {
  serviceReadiness,
  failingConditions,
  type Condition,
  type KnativeObject,
} from "../../src/kube/knative.js";

function svc(partial: {
  generation?: number;
  observed?: number;
  conditions?: Condition[];
  created?: string;
  ready?: string;
}): KnativeObject {
  return {
    metadata: { name: "hello", generation: partial.generation ?? 1 },
    status: {
      observedGeneration: partial.observed ?? partial.generation ?? 1,
      conditions: partial.conditions,
      latestCreatedRevisionName: partial.created,
      latestReadyRevisionName: partial.ready,
    },
  };
}

describe("serviceReadiness (Knative's Ready rules)", () => {
  it("is ready when observed, Ready=True and latest created == latest ready", () => {
    const s = svc({
      conditions: [{ type: "Ready", status: "True" }],
      created: "hello-00001",
      ready: "hello-00001",
    });
    expect(serviceReadiness(s)).toEqual({ state: "ready" });
  });

  it("ignores conditions of a generation the controller has not observed", () => {
    const s = svc({
      generation: 2,
      observed: 1,
      conditions: [{ type: "Ready", status: "True" }],
      created: "a",
      ready: "a",
    });
    const r = serviceReadiness(s);
    expect(r.state).toBe("pending");
    expect(r.state === "pending" && r.pending[0]).toMatch(/observedGeneration 1 of generation 2/);
  });

  it("waits while the new revision is not the latest ready one", () => {
    const s = svc({
      conditions: [{ type: "Ready", status: "True" }],
      created: "hello-00002",
      ready: "hello-00001",
    });
    const r = serviceReadiness(s);
    expect(r.state === "pending" && r.pending.join()).toMatch(
      /hello-00001 != latestCreatedRevisionName hello-00002/,
    );
  });

  it("reports the ConfigurationsReady cause rather than RoutesReady's RevisionMissing", () => {
    const s = svc({
      conditions: [
        {
          type: "ConfigurationsReady",
          status: "False",
          reason: "RevisionFailed",
          message: 'Revision "hello-00001" failed with message: Unable to fetch image',
        },
        {
          type: "Ready",
          status: "False",
          reason: "RevisionMissing",
          message: "Configuration does not have any ready Revision.",
        },
        {
          type: "RoutesReady",
          status: "False",
          reason: "RevisionMissing",
          message: "Configuration does not have any ready Revision.",
        },
      ],
      created: "hello-00001",
    });
    expect(serviceReadiness(s)).toEqual({
      state: "failed",
      reason: "RevisionFailed",
      message: 'Revision "hello-00001" failed with message: Unable to fetch image',
    });
  });

  it("lists pending conditions with reason and message", () => {
    const s = svc({
      conditions: [
        {
          type: "ConfigurationsReady",
          status: "Unknown",
          reason: "RevisionMissing",
          message: 'Configuration "hello" is waiting for a Revision to become ready.',
        },
        { type: "Ready", status: "Unknown", reason: "RevisionMissing" },
        { type: "RoutesReady", status: "True" },
      ],
    });
    const r = serviceReadiness(s);
    expect(r.state).toBe("pending");
    expect(r.state === "pending" && r.pending).toEqual([
      'ConfigurationsReady=Unknown (RevisionMissing: Configuration "hello" is waiting for a Revision to become ready.)',
      "Ready=Unknown (RevisionMissing)",
    ]);
  });

  it("says so when there is no Ready condition yet", () => {
    const r = serviceReadiness(svc({ conditions: [] }));
    expect(r.state === "pending" && r.pending).toContain("Ready (no condition yet)");
  });
});

describe("failingConditions", () => {
  it("lists only False conditions as Type: Reason: message", () => {
    const rev: KnativeObject = {
      metadata: { name: "hello-00001" },
      status: {
        conditions: [
          {
            type: "ContainerHealthy",
            status: "False",
            reason: "ContainerMissing",
            message: "Unable to fetch image",
          },
          { type: "ResourcesAvailable", status: "Unknown", reason: "Deploying" },
        ],
      },
    };
    expect(failingConditions(rev)).toEqual(["ContainerHealthy: ContainerMissing: Unable to fetch image"]);
  });
});
