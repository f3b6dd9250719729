// The gate, phase by phase: connect, flip PrivateZone, deploy and wait for Ready, (cold start), load while the
// pods are watched, judge, clean up. Each phase is a function in phases/ over the run's scope; the entry points
// (action main, CLI) only adapt inputs and outputs to this. A run never throws: it returns its results
// document and what kind of failure, if any, ended it (see outcome.ts).
import type { Settings } from "../config/settings.js";
import type { Cluster } from "../kube/cluster.js";
import { chooseTarget } from "../load/index.js";
import { judge } from "../verdict/judge.js";
import { runCleanup } from "./cleanup.js";
import { emptyDocument, serviceFacts } from "./document.js";
import { failureOf, type GateOutcome } from "./outcome.js";
import { measureColdStart } from "./phases/cold-start.js";
import { connect } from "./phases/connect.js";
import { deploy } from "./phases/deploy.js";
import { collectPods, runLoadPhase } from "./phases/load.js";
import { flipPrivateZone } from "./phases/private-zone.js";
import { openScope, type GateContext } from "./scope.js";
import { candidateOf } from "./subject.js";

export type { GateContext } from "./scope.js";
export type { GateOutcome } from "./outcome.js";

export async function runGate(settings: Settings, ctx: GateContext): Promise<GateOutcome> {
  const startedAt = new Date();
  const doc = emptyDocument(settings, startedAt, ctx.github);
  const scope = openScope(settings, ctx, startedAt);
  let cluster: Cluster | undefined;
  try {
    cluster = await connect(scope);
    await flipPrivateZone(scope, cluster);
    const [subject] = await deploy(scope, cluster, [candidateOf(settings)]);
    doc.service = serviceFacts(doc.service, subject);

    if (settings.coldStart) {
      doc.coldStart = await measureColdStart(scope, subject, chooseTarget(settings, subject.ready, "runner"));
    }
    const target = chooseTarget(settings, subject.ready, settings.loadFrom);
    doc.load = await runLoadPhase(scope, cluster, subject, target);
    doc.pods = collectPods(subject, settings);

    Object.assign(doc, judge(doc, settings));
    scope.recorder.record({ passed: doc.passed });
    return { doc, failure: doc.passed ? undefined : "gate" };
  } catch (error) {
    doc.error = error instanceof Error ? error.message : String(error);
    doc.passed = false;
    const failure = failureOf(error, ctx.signal);
    if (failure === "internal" && error instanceof Error && error.stack) ctx.log.debug(error.stack);
    return { doc, failure };
  } finally {
    scope.dispose();
    doc.finishedAt = new Date().toISOString();
    const connected = cluster;
    if (connected) {
      await ctx.log.group("Clean up", () => runCleanup(connected, scope.recorder.plan, ctx.state, ctx.log));
    }
  }
}
