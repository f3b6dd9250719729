// The gate, phase by phase: connect, flip PrivateZone, deploy and wait for Ready, (cold start), load while the
// pods are watched, judge, clean up. Each phase is a function in phases/ over the run's scope; the entry points
// (action main, CLI) only adapt inputs and outputs to this. A run never throws: it returns its results
// document and what kind of failure, if any, ended it (see outcome.ts). An A/B run puts a second subject, the
// baseline, through the same phases side by side.
import { randomInt } from "node:crypto";
import type { Settings } from "../config/settings.js";
import type { Cluster } from "../kube/cluster.js";
import { readKnativeConfig, type KnativeClusterConfig } from "../kube/knative-config.js";
import { chooseTarget, prepareLoad, type PreparedLoad } from "../load/index.js";
import { judge } from "../verdict/judge.js";
import { runCleanup } from "./cleanup.js";
import { baselineRun, emptyDocument, serviceFacts } from "./document.js";
import { failureOf, type GateOutcome } from "./outcome.js";
import { measureColdStarts } from "./phases/cold-start.js";
import { connect } from "./phases/connect.js";
import { deploy } from "./phases/deploy.js";
import { collectPods, runDuetLoad, runLoadPhase } from "./phases/load.js";
import { flipPrivateZone } from "./phases/private-zone.js";
import { openScope, type GateContext } from "./scope.js";
import { subjectsOf } from "./subject.js";

export type { GateContext } from "./scope.js";
export type { GateOutcome } from "./outcome.js";

export async function runGate(settings: Settings, ctx: GateContext): Promise<GateOutcome> {
  const startedAt = new Date();
  const doc = emptyDocument(settings, startedAt, ctx.github);
  const scope = openScope(settings, ctx, startedAt);
  // The comparison's bootstrap seed: recorded with its result, so the results file reproduces the verdict.
  const seed = randomInt(2 ** 31);
  let cluster: Cluster | undefined;
  let prepared: PreparedLoad[] = [];
  try {
    cluster = await connect(scope);
    await flipPrivateZone(scope, cluster);
    // What the load and the report need and Ready does not starts once the Services are applied, during the
    // Ready wait: the read of the cluster's Knative settings, and the runner's load engine (and its threads).
    // Not before the apply: loading the engine takes the CPU that the requests up to the apply need. Nothing is
    // sent to the target before the load, and the load then starts at once.
    const connected = cluster;
    const knativeNotes: string[] = [];
    const readKnative = () => readKnativeConfig(connected, (line) => knativeNotes.push(line));
    let knativeConfig: Promise<KnativeClusterConfig> | undefined;
    const duringReady = () => {
      knativeConfig = readKnative();
      if (settings.loadFrom === "runner")
        prepared = subjectsOf(settings).map(() => prepareLoad(settings.load));
    };
    const subjects = await deploy(scope, cluster, subjectsOf(settings), { onApplied: duringReady });
    const knative = await (knativeConfig ?? readKnative());
    knativeNotes.forEach((line) => ctx.log.info(line));
    const [candidate, baseline] = subjects;
    doc.service = serviceFacts(doc.service, candidate);
    if (baseline) doc.baseline = baselineRun(baseline);

    if (settings.coldStart) {
      const runner = subjects.map((s) => ({ subject: s, target: chooseTarget(settings, s.ready, "runner") }));
      const [first, second] = await measureColdStarts(scope, runner, seed);
      doc.coldStart = first;
      if (doc.baseline) doc.baseline.coldStart = second;
    }
    const loads = subjects.map((s) => ({
      subject: s,
      target: chooseTarget(settings, s.ready, settings.loadFrom),
    }));
    const [load, baselineLoad] = baseline
      ? await runDuetLoad(scope, loads, prepared)
      : [await runLoadPhase(scope, cluster, candidate, loads[0].target, prepared[0])];
    doc.load = load;
    doc.pods = collectPods(candidate, knative);
    if (doc.baseline && baseline)
      Object.assign(doc.baseline, { load: baselineLoad, pods: collectPods(baseline, knative) });

    Object.assign(doc, judge(doc, settings, { seed }));
    if (doc.comparison?.verdict === "inconclusive" && settings.onInconclusive === "pass") {
      ctx.log.warn(
        "the A/B comparison is inconclusive for a metric max-regression names; passing (on-inconclusive: pass)",
      );
    }
    scope.recorder.record({ passed: doc.passed });
    return { doc, failure: doc.passed ? undefined : "gate" };
  } catch (error) {
    doc.error = error instanceof Error ? error.message : String(error);
    doc.passed = false;
    const failure = failureOf(error, ctx.signal);
    if (failure === "internal" && error instanceof Error && error.stack) ctx.log.debug(error.stack);
    return { doc, failure };
  } finally {
    await Promise.all(prepared.map((load) => load.close()));
    scope.dispose();
    doc.finishedAt = new Date().toISOString();
    const connected = cluster;
    if (connected) {
      await ctx.log.group("Clean up", () => runCleanup(connected, scope.recorder.plan, ctx.state, ctx.log));
    }
  }
}
