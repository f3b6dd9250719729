// A/B in one run: a candidate and a baseline Service deployed side by side, loaded at the same time, and
// judged with confidence intervals. The simulator sets each side's service time, so what the verdict should say
// is known: the same Service on both sides is not a regression, a candidate twice as slow is, and a metric
// whose allowed change cannot be told apart from the noise is inconclusive. Cleanup removes both Services,
// also when one side fails to deploy and when the run is cancelled during the side-by-side load.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { renderReport } from "../../src/report/markdown.js";
import type { ResultsDocument } from "../../src/results.js";
import { MIN_SECONDS } from "../../src/verdict/compare.js";
import {
  auditLog,
  clearAudit,
  cli,
  freshNamespace,
  gateArgs,
  getJson,
  readJson,
  startSim,
  workDir,
  type Sim,
} from "./harness.js";

let sim: Sim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim?.stop();
});

const servicePath = (ns: string, name: string) =>
  `/apis/serving.knative.dev/v1/namespaces/${ns}/services/${name}`;

/** The seed's Service with a known service time (and optionally an error rate), written to a file. */
function manifest(dir: string, file: string, annotations: Record<string, string>): string {
  const path = join(dir, file);
  const doc = yaml.load(
    `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: app
spec:
  template:
    metadata:
      annotations:
        autoscaling.knative.dev/target: "10"
    spec:
      containers:
        - image: example.com/sim/app:1
`,
  ) as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
  Object.assign(doc.spec.template.metadata.annotations, annotations);
  writeFileSync(path, yaml.dump(doc));
  return path;
}

const serviceTime = (ms: number) => ({ "sim.knative-perf-gate.dev/service-time": `${ms}ms` });

async function expectGone(namespace: string, ...names: string[]): Promise<void> {
  for (const name of names) expect((await getJson(sim, servicePath(namespace, name))).status).toBe(404);
}

function metric(doc: ResultsDocument, name: string) {
  const found = doc.comparison?.metrics.find((m) => m.metric === name);
  expect(found).toBeDefined();
  return found!;
}

describe("A/B: candidate and baseline side by side", () => {
  it("the same Service on both sides passes: nothing regressed, both measured, both removed", async () => {
    const dir = workDir();
    const namespace = freshNamespace();
    const file = manifest(dir, "app.yaml", serviceTime(20));
    await clearAudit(sim);
    const run = await cli(
      sim,
      gateArgs(sim, dir, [
        `--service-file=${file}`,
        `--namespace=${namespace}`,
        "--baseline-image=example.com/sim/app:1",
        "--duration=5s",
        "--connections=8",
      ]),
    );
    expect(run.stderr).not.toMatch(/^error: /m);
    expect(run.code).toBe(0);
    const doc = run.doc!;
    expect(doc.baseline!.service.name).toBe("app-baseline");
    expect(doc.baseline!.load!.requests).toBeGreaterThan(0);
    expect(doc.load!.requests).toBeGreaterThan(0);
    // Side by side: each side got the full load shape, at the same time.
    expect(Math.abs(doc.load!.requests - doc.baseline!.load!.requests)).toBeLessThan(
      doc.load!.requests * 0.25,
    );
    expect(doc.comparison).toMatchObject({ mode: "ab", confidence: 0.95, iterations: 2000 });
    expect(doc.comparison!.seconds).toBeGreaterThanOrEqual(3);
    for (const name of ["p99", "rps"]) {
      const m = metric(doc, name);
      expect(m.gating).toBe(true);
      expect(m.verdict).not.toBe("regressed");
      expect(m.interval[0]).toBeLessThanOrEqual(m.interval[1]);
    }
    // The median of a 20 ms service, measured on both sides, within a few ms of the truth.
    for (const side of [doc.load!, doc.baseline!.load!]) {
      expect(side.latency.p50).toBeGreaterThanOrEqual(20);
      expect(side.latency.p50).toBeLessThan(30);
    }
    expect(doc.comparison!.verdict).not.toBe("regressed");
    await expectGone(namespace, "app", "app-baseline");
    // What the run needs and Ready does not (Knative's ConfigMaps, the load engines) starts once both sides
    // are applied, and each side's pods are listed and watched once.
    const seen = await auditLog(sim);
    const creates = seen.flatMap((e, i) => (e.verb === "create" && e.resource === "services" ? [i] : []));
    expect(creates).toHaveLength(2);
    const configMaps = seen.findIndex(
      (e) => e.resource === "configmaps" && e.namespace === "knative-serving",
    );
    expect(configMaps).toBeGreaterThan(creates[1]);
    expect(
      seen
        .filter((e) => e.resource === "pods")
        .map((e) => e.verb)
        .sort(),
    ).toEqual(["list", "list", "watch", "watch"]);
  });

  it("a candidate twice as slow is regressed: exit 1, the interval in the step error and in the report", async () => {
    const dir = workDir();
    const namespace = freshNamespace();
    const candidate = manifest(dir, "candidate.yaml", serviceTime(40));
    const baseline = manifest(dir, "baseline.yaml", serviceTime(20));
    const run = await cli(
      sim,
      gateArgs(sim, dir, [
        `--service-file=${candidate}`,
        `--baseline-service-file=${baseline}`,
        `--namespace=${namespace}`,
        "--duration=5s",
        "--connections=8",
      ]),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /performance gate failed: .*rps regressed: −\d+(\.\d)?% \[−\d+(\.\d)?%, −\d+(\.\d)?%\] at 95% \(allowed 10%\)/,
    );
    const doc = readJson<ResultsDocument>(join(dir, "results.json"));
    const report = renderReport(doc);
    expect(report).toContain("#### Candidate vs baseline (A/B, loaded side by side)");
    // rps and p99 gate by default; p50 is shown (not judged) with its interval.
    expect(report).toMatch(/\| `rps` \|.*❌ regressed \|/);
    expect(report).toMatch(/\| `p50` \|.*regressed \(not judged\) \|/);
    expect(report).toMatch(/\*\*Failed:\*\* .*rps regressed: /);
    const p50 = metric(doc, "p50");
    // 40 ms against 20 ms of service time (plus the same few ms of overhead on both sides): about +90%.
    expect(p50.verdict).toBe("regressed");
    expect(p50.interval[0]).toBeGreaterThan(50);
    expect(p50.interval[1]).toBeLessThan(110);
    expect(metric(doc, "rps").verdict).toBe("regressed");
    expect(doc.comparison!.verdict).toBe("regressed");
    await expectGone(namespace, "app", "app-baseline");
  });

  it("a load too short to tell is inconclusive: passes with a warning, or fails with on-inconclusive: fail", async () => {
    // One second of load gives fewer seconds than an interval needs (MIN_SECONDS): every metric is
    // inconclusive, however the two sides compare, and the run says so instead of judging two numbers.
    const dir = workDir();
    const file = manifest(dir, "app.yaml", serviceTime(5));
    const shared = [
      `--service-file=${file}`,
      "--baseline-image=example.com/sim/app:1",
      "--thresholds=p99 < 10s",
      "--duration=1s",
      "--connections=4",
    ];
    const passing = await cli(sim, gateArgs(sim, dir, [...shared, `--namespace=${freshNamespace()}`]));
    expect(passing.code).toBe(0);
    expect(passing.stderr).toMatch(/warning: the A\/B comparison is inconclusive/);
    expect(passing.doc!.comparison!.seconds).toBeLessThan(MIN_SECONDS);
    for (const m of passing.doc!.comparison!.metrics) expect(m.verdict).toBe("inconclusive");
    expect(passing.doc!.comparison!.verdict).toBe("inconclusive");

    const failing = await cli(
      sim,
      gateArgs(sim, workDir(), [...shared, `--namespace=${freshNamespace()}`, "--on-inconclusive=fail"]),
    );
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(
      /p99 inconclusive \(no interval: too few seconds or no answers\): .* at 95% \(allowed 10%\)/,
    );
  });

  it("a baseline that cannot deploy fails the run naming its side; the candidate is removed too", async () => {
    const dir = workDir();
    const namespace = freshNamespace();
    const file = manifest(dir, "app.yaml", serviceTime(5));
    const run = await cli(
      sim,
      gateArgs(sim, dir, [
        `--service-file=${file}`,
        `--namespace=${namespace}`,
        "--baseline-image=registry.invalid/app:1",
      ]),
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: baseline: service app-baseline failed: /m);
    expect(run.doc!.load).toBeNull();
    await expectGone(namespace, "app", "app-baseline");
  });

  it("cancelled during the side-by-side load: both Services are removed", async () => {
    const dir = workDir();
    const namespace = freshNamespace();
    const file = manifest(dir, "app.yaml", serviceTime(5));
    const args = gateArgs(sim, dir, [
      `--service-file=${file}`,
      `--namespace=${namespace}`,
      "--baseline-image=example.com/sim/app:1",
      "--duration=30s",
    ]);
    const child = spawn(process.execPath, ["dist/cli.js", ...args], {
      env: { PATH: process.env.PATH ?? "", KUBECONFIG: sim.kubeconfig, HOME: dir },
    });
    let stderr = "";
    let sent = false;
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      // Both sides' load lines are out: the side-by-side load is running.
      if (!sent && /\[candidate\] \[load\]/.test(stderr) && /\[baseline\] \[load\]/.test(stderr)) {
        sent = true;
        child.kill("SIGTERM");
      }
    });
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(sent).toBe(true);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^error: cancelled/m);
    await expectGone(namespace, "app", "app-baseline");
  });

  it("a stored baseline file gets an unpaired interval beside the point comparison", async () => {
    const first = workDir();
    const file = manifest(first, "app.yaml", serviceTime(10));
    const before = await cli(sim, gateArgs(sim, first, [`--service-file=${file}`, "--duration=5s"]));
    expect(before.code).toBe(0);
    const second = workDir();
    const after = await cli(
      sim,
      gateArgs(sim, second, [
        `--service-file=${file}`,
        `--baseline=${join(first, "results.json")}`,
        "--max-regression=200%",
        "--duration=5s",
      ]),
    );
    expect(after.code).toBe(0);
    const doc = readJson<ResultsDocument>(join(second, "results.json"));
    expect(doc.comparison!.mode).toBe("baseline-file");
    expect(doc.regression!.verdicts.length).toBeGreaterThan(0);
    const p50 = metric(doc, "p50");
    expect(Number.isFinite(p50.interval[0]) && Number.isFinite(p50.interval[1])).toBe(true);
    expect(p50.interval[0]).toBeLessThanOrEqual(p50.interval[1]);
    // The same 10 ms service twice, on a machine that may be busier for one run than the other: the interval
    // sits near no change (a run-to-run shift of a millisecond or two is what unpaired evidence cannot exclude).
    expect(p50.interval[0]).toBeLessThan(25);
    expect(p50.interval[1]).toBeGreaterThan(-25);
    expect(p50.gating).toBe(false);
  });
});
