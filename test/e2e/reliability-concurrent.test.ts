// Two runs at once against one cluster, as two pull requests' workflows do. With PR-isolated names
// (service-name: hello-pr-{pr}) each run deploys, measures and deletes only its own Service. On the same
// Service, the second run must either stop with a clear conflict error or leave the first run's figures
// alone: never a verdict computed on a Service the other run deleted halfway.
import { runCli } from "../../src/cli.js";
import type { ResultsDocument } from "../../src/results.js";
import {
  auditLog,
  clearAudit,
  freshNamespace,
  gateArgs,
  getJson,
  startSim,
  workDir,
  type Sim,
} from "./harness.js";

let sim: Sim;
const savedKubeconfig = process.env.KUBECONFIG;
beforeAll(async () => {
  sim = await startSim({ profile: "ask" });
  process.env.KUBECONFIG = sim.kubeconfig;
});
afterAll(async () => {
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
  await sim?.stop();
});

interface Run {
  code: number;
  stderr: string;
  doc?: ResultsDocument;
}

/**
 * Starts the CLI in this process as if in the workflow of pull request `pr`. Inputs, placeholders included,
 * are parsed before runCli first awaits, so concurrent runs each keep their own GITHUB_REF; KUBECONFIG is
 * read later, so it is set for the whole file.
 */
function startRun(extra: string[], pr?: number): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const saved = process.env.GITHUB_REF;
  if (pr === undefined) delete process.env.GITHUB_REF;
  else process.env.GITHUB_REF = `refs/pull/${pr}/merge`;
  const running = runCli(gateArgs(sim, workDir(), extra), {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  if (saved === undefined) delete process.env.GITHUB_REF;
  else process.env.GITHUB_REF = saved;
  return running.then((code) => {
    let doc: ResultsDocument | undefined;
    try {
      doc = JSON.parse(stdout) as ResultsDocument;
    } catch {
      doc = undefined;
    }
    return { code, stderr, doc };
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const servicePath = (ns: string, name: string) =>
  `/apis/serving.knative.dev/v1/namespaces/${ns}/services/${name}`;

describe("two runs at once in one namespace", () => {
  it("PR-isolated names ({pr}): each run measures and deletes only its own Service", async () => {
    const namespace = freshNamespace();
    await clearAudit(sim);
    const shared = [`--namespace=${namespace}`, "--service-name=hello-pr-{pr}", "--thresholds=errors < 1%"];
    // Long enough loads that the second run's Service exists when the first run (the namespace's creator)
    // cleans up, even on a busy machine where a run takes a second or two to start.
    const first = startRun([...shared, "--duration=4s"], 11);
    await sleep(1000);
    const second = startRun([...shared, "--duration=4s"], 12);
    const [a, b] = await Promise.all([first, second]);
    expect(a.doc!.service.name).toBe("hello-pr-11");
    expect(b.doc!.service.name).toBe("hello-pr-12");
    for (const run of [a, b]) {
      expect(run.stderr).not.toMatch(/^error: /m);
      expect(run.code).toBe(0);
      expect(run.doc!.load!.requests).toBeGreaterThan(0);
      expect(run.doc!.load!.errors.total).toBe(0);
      expect(run.doc!.load!.target.host).toBe(`${run.doc!.service.name}.${namespace}.svc.cluster.local`);
    }
    // The first run created the namespace, but the second run's Service is in it: it is left in place.
    expect(a.stderr).toMatch(/namespace .* now also holds service hello-pr-12; left in place/);
    // Each run deleted exactly one Service: its own.
    const deletes = (await auditLog(sim)).filter((e) => e.verb === "delete" && e.resource === "services");
    expect(deletes.map((e) => e.name).sort()).toEqual(["hello-pr-11", "hello-pr-12"]);
    for (const name of ["hello-pr-11", "hello-pr-12"]) {
      expect((await getJson(sim, servicePath(namespace, name))).status).toBe(404);
    }
  });

  it("the same Service: the second run stops with a conflict error or leaves the first alone, never a corrupt verdict", async () => {
    const namespace = freshNamespace();
    const shared = [`--namespace=${namespace}`, "--service-name=hello-shared", "--thresholds=errors < 1%"];
    const first = startRun([...shared, "--duration=2s"]);
    await sleep(1200);
    const second = startRun([...shared, "--duration=3s"]);
    const [a, b] = await Promise.all([first, second]);
    // The first run's figures are its own.
    expect(a.code).toBe(0);
    expect(a.doc!.load!.requests).toBeGreaterThan(0);
    expect(a.doc!.load!.errors.total).toBe(0);
    // The second either refuses, naming the conflict and what to do, or measures a Service that stayed up.
    if (b.code === 3) {
      expect(b.stderr).toMatch(/^error: .*hello-shared.* (another|in use|being)/m);
      expect(b.doc?.load ?? null).toBeNull();
    } else {
      expect(b.code).toBe(0);
      expect(b.doc!.load!.requests).toBeGreaterThan(0);
      expect(b.doc!.load!.errors.byStatus).toEqual({});
    }
    expect((await getJson(sim, servicePath(namespace, "hello-shared"))).status).toBe(404);
  });
});
