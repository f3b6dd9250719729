// The bundled action run the GitHub way: INPUT_* variables (with action.yml's defaults, as the runner sets
// them), GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, then the post entry with the saved state.
// Also the CLI bundle interrupted by SIGTERM during the load.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { action, inputEnv, parseFileCommands, postStateEnv, runnerFiles } from "./github-runner.js";
import { freshNamespace, getJson, runDist, startSim, workDir, type Sim } from "./harness.js";

let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ profile: "ask" });
});
afterAll(async () => {
  await sim?.stop();
});

async function ecoProfile(): Promise<string | undefined> {
  const cm = await getJson<{ data?: Record<string, string> }>(
    sim,
    "/api/v1/namespaces/kube-system/configmaps/eci-profile",
  );
  return cm.body.data?.enablePrivateZone;
}

/** A step of the seed's service through the simulator's gateway, with PrivateZone flipped; `inputs` add to it. */
function step(inputs: Record<string, string>) {
  const dir = workDir();
  const files = runnerFiles(dir);
  const namespace = freshNamespace();
  const env: Record<string, string> = {
    ...inputEnv({
      "service-file": "examples/helloworld-service.yaml",
      namespace,
      "create-namespace": "true",
      kubeconfig: readFileSync(sim.kubeconfig, "utf8"),
      gateway: sim.gateway,
      warmup: "0s",
      "private-zone": "enable",
      "results-file": join(dir, "results.json"),
      comment: "false",
      ...inputs,
    }),
    ...files,
  };
  return { files, namespace, env };
}

describe("dist/main.js and dist/post.js, the GitHub way", () => {
  it("writes every output, the summary, the results and benchmark files, and leaves no service behind", async () => {
    const benchmarkFile = join(workDir(), "perf.json");
    const { files, namespace, env } = step({
      duration: "2s",
      connections: "10",
      thresholds: "errors < 1%\np99 < 5s",
      "benchmark-file": benchmarkFile,
    });
    Object.assign(env, { GITHUB_REPOSITORY: "example/app", GITHUB_EVENT_NAME: "push" });
    const main = await runDist("dist/main.js", [], env);
    expect(main.stdout).not.toMatch(/::error::/);
    expect(main.code).toBe(0);
    // No warning from the bundle after a load (the autocannon engine used to print DEP0169 for its url.parse and
    // TimeoutNegativeWarning for its late timers).
    expect(main.stdout + main.stderr).not.toMatch(/Warning/);

    const outputs = parseFileCommands(readFileSync(files.GITHUB_OUTPUT, "utf8"));
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(action.outputs).sort());
    expect(outputs.passed).toBe("true");
    expect(outputs.revision).toBe("helloworld-go-00001");
    expect(Number(outputs.requests)).toBeGreaterThan(0);
    expect(Number(outputs["latency-p99"])).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(outputs["results-file"], "utf8")).passed).toBe(true);
    expect(readFileSync(files.GITHUB_STEP_SUMMARY, "utf8")).toMatch(/helloworld-go/);
    // github-action-benchmark's two custom files.
    const smaller = JSON.parse(readFileSync(benchmarkFile, "utf8")) as { name: string; value: number }[];
    expect(smaller.find((e) => e.name === "p99 latency")?.value).toBe(Number(outputs["latency-p99"]));
    const bigger = JSON.parse(
      readFileSync(join(benchmarkFile, "../perf-throughput.json"), "utf8"),
    ) as unknown[];
    expect(bigger).toEqual([expect.objectContaining({ name: "throughput", unit: "rps" })]);
    expect(main.stdout).toMatch(/::group::Wait|::group::Deploy/);

    expect(await ecoProfile()).toBe("false");
    expect(
      (await getJson(sim, `/apis/serving.knative.dev/v1/namespaces/${namespace}/services/helloworld-go`))
        .status,
    ).toBe(404);

    const post = await runDist("dist/post.js", [], { ...env, ...postStateEnv(files) });
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/cleanup already done/);
  });

  it("post cleans up after a main step that was killed mid-run", async () => {
    const { files, namespace, env } = step({ duration: "60s", connections: "5" });
    const main = await runDist("dist/main.js", [], env, (chunk, child) => {
      if (/::group::Load/.test(chunk)) child.kill("SIGKILL");
    });
    expect(main.signal).toBe("SIGKILL");
    expect(await ecoProfile()).toBe("true");
    const path = `/apis/serving.knative.dev/v1/namespaces/${namespace}/services/helloworld-go`;
    expect((await getJson(sim, path)).status).toBe(200);

    const post = await runDist("dist/post.js", [], { ...env, ...postStateEnv(files) });
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/deleted service/);
    expect((await getJson(sim, path)).status).toBe(404);
    expect(await ecoProfile()).toBe("false");
  });
});

describe("dist/cli.js interrupted", () => {
  it("SIGTERM during the load still removes the service and restores PrivateZone", async () => {
    const dir = workDir();
    const namespace = freshNamespace();
    const args = [
      "run",
      "--service-file=examples/helloworld-service.yaml",
      `--namespace=${namespace}`,
      "--create-namespace",
      `--gateway=${sim.gateway}`,
      "--duration=60s",
      "--connections=5",
      "--warmup=0s",
      "--private-zone=enable",
      `--results-file=${join(dir, "results.json")}`,
      `--state-file=${join(dir, "state.json")}`,
      "--no-comment",
    ];
    let sent = false;
    const started = Date.now();
    const run = await runDist("dist/cli.js", args, { KUBECONFIG: sim.kubeconfig }, (chunk, child) => {
      if (!sent && /==> Load/.test(chunk)) {
        sent = true;
        setTimeout(() => child.kill("SIGTERM"), 500);
      }
    });
    expect(sent).toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/SIGTERM/);
    expect(
      (await getJson(sim, `/apis/serving.knative.dev/v1/namespaces/${namespace}/services/helloworld-go`))
        .status,
    ).toBe(404);
    expect(await ecoProfile()).toBe("false");
    expect(JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).done).toBe(true);
  });
});
