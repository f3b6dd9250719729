// Cancellation: the bundled CLI (dist/cli.js) gets SIGTERM or SIGINT in every phase of a run (connect,
// PrivateZone, deploy, Ready wait, cold-start wait, load, cleanup) and must leave no Service or namespace it
// created and put PrivateZone back to the value it found (also when that was already "true", or unset).
// Signals are sent from the simulator's request hook at the exact request that marks a phase, or on the log
// line that opens it. Then cleanup itself: idempotent, finishing an interrupted cleanup from the state file,
// and never clobbering a ConfigMap someone else changed during the run.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RequestInfo } from "../sim/api/request-info.js";
import { inputEnv, postStateEnv, runnerFiles } from "./github-runner.js";

import {
  auditLog,
  clearAudit,
  cli,
  freshNamespace,
  gateArgs,
  getJson,
  runDist,
  startSim,
  workDir,
  WRITE_VERBS,
  type Sim,
} from "./harness.js";

let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ profile: "ask" });
});
afterAll(async () => {
  await sim?.stop();
});
afterEach(async () => {
  sim.api.setRequestHook(undefined);
  await setPrivateZone("false");
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const ECI_PROFILE = "/api/v1/namespaces/kube-system/configmaps/eci-profile";

async function privateZone(): Promise<string | undefined> {
  return (await getJson<{ data?: Record<string, string> }>(sim, ECI_PROFILE)).body.data?.enablePrivateZone;
}

/** Sets (or with undefined removes) the flag the way an operator would, with a merge patch. */
async function setPrivateZone(value: string | undefined, key = "enablePrivateZone"): Promise<void> {
  const res = await fetch(`${sim.apiServer}${ECI_PROFILE}`, {
    method: "PATCH",
    headers: { "content-type": "application/merge-patch+json" },
    body: JSON.stringify({ data: { [key]: value ?? null } }),
  });
  expect(res.status).toBe(200);
}

const servicePath = (ns: string, name = "helloworld-go") =>
  `/apis/serving.knative.dev/v1/namespaces/${ns}/services/${name}`;

/**
 * What a cancelled run must leave: no Service, the namespace it created going away, PrivateZone as found, and
 * its cleanup plan marked done (every phase here starts after the plan is first saved: connect's discovery
 * request completes while the signal is handled).
 */
async function expectNothingLeft(
  namespace: string,
  stateFile: string,
  privateZoneBefore: string | undefined,
) {
  expect((await getJson(sim, servicePath(namespace))).status).toBe(404);
  const ns = await getJson<{ status?: { phase?: string } }>(sim, `/api/v1/namespaces/${namespace}`);
  expect(ns.status === 404 || ns.body.status?.phase === "Terminating").toBe(true);
  expect(await privateZone()).toBe(privateZoneBefore);
  expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ done: true });
}

type Match = (info: RequestInfo, req: { method: string; url: string }) => boolean;

interface Interruption {
  signal: NodeJS.Signals;
  /** Send the signal when this request arrives (before it is handled; it is then held for `holdMs`). */
  onRequest?: Match;
  /** Or when this line appears in the CLI's log, after `delayMs`. */
  onLog?: RegExp;
  delayMs?: number;
  holdMs?: number;
}

interface Interrupted {
  code: number | null;
  stderr: string;
  namespace: string;
  stateFile: string;
  /** How many signals were sent. */
  sent: number;
  ms: number;
}

/**
 * Runs dist/cli.js on the seed's service with private-zone: enable and sends each interruption in turn: the
 * next one is armed once the previous was sent.
 */
function runInterrupted(interruptions: Interruption[], extra: string[] = []): Promise<Interrupted> {
  const dir = workDir();
  const namespace = freshNamespace();
  const stateFile = join(dir, "state.json");
  const defaults = [
    "--service-file=examples/helloworld-service.yaml",
    `--namespace=${namespace}`,
    "--create-namespace",
    `--gateway=${sim.gateway}`,
    "--duration=30s",
    "--connections=5",
    "--warmup=0s",
    "--private-zone=enable",
    `--results-file=${join(dir, "results.json")}`,
    `--state-file=${stateFile}`,
    "--no-comment",
  ];
  const flag = (arg: string) => arg.split("=")[0];
  const overridden = new Set(extra.map(flag));
  const args = ["dist/cli.js", "run", ...defaults.filter((arg) => !overridden.has(flag(arg))), ...extra];
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", KUBECONFIG: sim.kubeconfig },
  });
  let sent = 0;
  const armed = () => interruptions[sent];
  const send = () => {
    const next = armed();
    if (!next) return;
    sent++;
    child.kill(next.signal);
  };
  sim.api.setRequestHook((info, req) => {
    const next = armed();
    if (!next?.onRequest?.(info, req)) return;
    send();
    return sleep(next.holdMs ?? 300);
  });
  let stderr = "";
  let pending = false;
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    const next = armed();
    if (!pending && next?.onLog?.test(stderr)) {
      pending = true;
      setTimeout(() => {
        pending = false;
        send();
      }, next.delayMs ?? 0);
    }
  });
  child.stdout.resume();
  return new Promise((resolve) => {
    child.on("exit", (code) => {
      sim.api.setRequestHook(undefined);
      resolve({ code, stderr, namespace, stateFile, sent, ms: Date.now() - started });
    });
  });
}

// Connect's one request: the discovery of serving.knative.dev/v1, which proves the API server answers.
const isServingDiscovery: Match = (info) =>
  info.kind === "nonresource" && info.path === "/apis/serving.knative.dev/v1";
const is =
  (verb: string, plural: string): Match =>
  (info) =>
    info.kind === "resource" && info.verb === verb && info.type.plural === plural;

// Until the Ready wait, an image that never gets Ready: a signal that the run noticed only at the end of the
// ready-timeout (60 s) would show in the time the run takes.
const NEVER_READY = ["--image=example.com/sim/never-ready:1", "--ready-timeout=60s"];

const PHASES: Array<[string, Omit<Interruption, "signal">, string[]]> = [
  ["connect (the discovery request)", { onRequest: isServingDiscovery }, NEVER_READY],
  ["PrivateZone (reading eci-profile)", { onRequest: is("get", "configmaps") }, NEVER_READY],
  ["PrivateZone (the update in flight)", { onRequest: is("update", "configmaps") }, NEVER_READY],
  ["deploy (the create in flight)", { onRequest: is("create", "services") }, NEVER_READY],
  ["the Ready wait (the watch)", { onRequest: is("watch", "services") }, NEVER_READY],
  [
    "the cold-start wait",
    { onLog: /scale to zero/, delayMs: 300 },
    ["--cold-start", "--cold-start-timeout=60s"],
  ],
  ["the load", { onLog: /==> Load/, delayMs: 700 }, []],
];

describe.each(["SIGTERM", "SIGINT"] as const)("%s", (signal) => {
  it.each(PHASES)("during %s: nothing left behind, PrivateZone restored", async (_phase, trigger, extra) => {
    const before = await privateZone();
    const run = await runInterrupted([{ signal, ...trigger }], extra);
    expect(run.sent).toBe(1);
    expect(run.stderr).toContain(`${signal}: stopping the run and cleaning up`);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: cancelled/m);
    await expectNothingLeft(run.namespace, run.stateFile, before);
    // Stopping must not wait for the ready-timeout, the cold-start-timeout or the end of the load.
    expect(run.ms).toBeLessThan(20_000);
  });
});

describe("PrivateZone's original value comes back, whatever it was", () => {
  it('already "true": not written at all, and still "true" after a SIGTERM during deploy', async () => {
    await setPrivateZone("true");
    await clearAudit(sim);
    const run = await runInterrupted(
      [{ signal: "SIGTERM", onRequest: is("create", "services") }],
      NEVER_READY,
    );
    expect(run.sent).toBe(1);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/enablePrivateZone already "true"; nothing to change/);
    await expectNothingLeft(run.namespace, run.stateFile, "true");
    const updates = (await auditLog(sim)).filter(
      (e) => e.resource === "configmaps" && WRITE_VERBS.has(e.verb),
    );
    expect(updates).toEqual([]);
  });

  it("unset: the key is removed again after a SIGINT during the load", async () => {
    await setPrivateZone(undefined);
    const run = await runInterrupted([{ signal: "SIGINT", onLog: /==> Load/, delayMs: 500 }]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/enablePrivateZone restored to \(unset\)/);
    await expectNothingLeft(run.namespace, run.stateFile, undefined);
  });
});

describe("a signal during cleanup", () => {
  it("the first one does not stop cleanup: the finished run's verdict stands", async () => {
    const run = await runInterrupted(
      [{ signal: "SIGTERM", onRequest: is("delete", "services") }],
      ["--duration=1s"],
    );
    expect(run.sent).toBe(1);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/deleted service/);
    await expectNothingLeft(run.namespace, run.stateFile, "false");
  });

  it("a second one exits at once (130); `cleanup --state-file` then finishes the job, and a second cleanup does nothing", async () => {
    const run = await runInterrupted([
      { signal: "SIGTERM", onLog: /==> Load/, delayMs: 500 },
      { signal: "SIGTERM", onRequest: is("delete", "services"), holdMs: 500 },
    ]);
    expect(run.sent).toBe(2);
    expect(run.code).toBe(130);
    const plan = JSON.parse(readFileSync(run.stateFile, "utf8"));
    expect(plan).toMatchObject({ namespace: run.namespace, deleteService: true, done: false });
    expect(await privateZone()).toBe("true");

    await clearAudit(sim);
    const first = await cli(sim, ["cleanup", `--state-file=${run.stateFile}`]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/enablePrivateZone restored to "false"/);
    await expectNothingLeft(run.namespace, run.stateFile, "false");

    await clearAudit(sim);
    const second = await cli(sim, ["cleanup", `--state-file=${run.stateFile}`]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/nothing to clean up/);
    expect(await auditLog(sim)).toEqual([]);
  });
});

describe("cleanup is idempotent and careful", () => {
  it("after a finished run, `cleanup --state-file` does nothing and sends nothing", async () => {
    const dir = workDir();
    const run = await cli(sim, gateArgs(sim, dir, ["--private-zone=enable", "--duration=1s"]));
    expect(run.code).toBe(0);
    await clearAudit(sim);
    for (let i = 0; i < 2; i++) {
      const again = await cli(sim, ["cleanup", `--state-file=${join(dir, "state.json")}`]);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/nothing to clean up/);
    }
    expect(await auditLog(sim)).toEqual([]);
    expect(await privateZone()).toBe("false");
  });

  it("a flag someone else set during the run is theirs: not restored over, not removed", async () => {
    await setPrivateZone(undefined);
    const dir = workDir();
    // The operator's change lands after the load, just before our cleanup reaches the flag.
    let changed = false;
    sim.api.setRequestHook(async (info) => {
      if (!changed && info.kind === "resource" && info.verb === "delete" && info.type.plural === "services") {
        changed = true;
        sim.api.setRequestHook(undefined);
        await setPrivateZone("false");
      }
    });
    const run = await cli(sim, gateArgs(sim, dir, ["--private-zone=enable", "--duration=1s"]));
    expect(changed).toBe(true);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /enablePrivateZone was changed by someone else during the run; leaving their value/,
    );
    expect(await privateZone()).toBe("false");
  });

  it("a concurrent edit of eci-profile makes the restore conflict (409), re-read, and keep the other edit", async () => {
    const dir = workDir();
    let edited = false;
    sim.api.setRequestHook(async (info) => {
      // Our restore's PUT is about to be handled: someone else's edit of another key wins the race.
      if (edited || info.kind !== "resource" || info.verb !== "update" || info.type.plural !== "configmaps")
        return;
      if ((await privateZone()) !== "true") return;
      edited = true;
      await setPrivateZone("sg-operator-edit", "securityGroupId");
    });
    await clearAudit(sim);
    const run = await cli(sim, gateArgs(sim, dir, ["--private-zone=enable", "--duration=1s"]));
    expect(edited).toBe(true);
    expect(run.code).toBe(0);
    const cm = await getJson<{ data: Record<string, string> }>(sim, ECI_PROFILE);
    expect(cm.body.data).toMatchObject({ enablePrivateZone: "false", securityGroupId: "sg-operator-edit" });
    const puts = (await auditLog(sim)).filter((e) => e.resource === "configmaps" && e.verb === "update");
    expect(puts.map((e) => e.status)).toEqual([200, 409, 200]);
  });
});

describe("the runner's SIGKILL (a cancelled job past its grace period)", () => {
  it("while the eci-profile update is in flight: the post step still restores PrivateZone", async () => {
    const dir = workDir();
    const files = runnerFiles(dir);
    const inputs: Record<string, string> = {
      "service-file": "examples/helloworld-service.yaml",
      namespace: freshNamespace(),
      "create-namespace": "true",
      kubeconfig: readFileSync(sim.kubeconfig, "utf8"),
      gateway: sim.gateway,
      duration: "1s",
      "private-zone": "enable",
      "results-file": join(dir, "results.json"),
      comment: "false",
    };
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", ...files, ...inputEnv(inputs) };
    const child = spawn(process.execPath, ["dist/main.js"], { env });
    child.stdout.resume();
    child.stderr.resume();
    let killed = false;
    sim.api.setRequestHook(async (info) => {
      if (killed || info.kind !== "resource" || info.verb !== "update" || info.type.plural !== "configmaps")
        return;
      killed = true;
      // The update is committed, and the step is killed before its answer arrives (an API server closes a
      // request whose client went away, so the hook commits it on the step's behalf).
      await setPrivateZone("true");
      child.kill("SIGKILL");
      await new Promise((resolve) => child.on("exit", resolve));
    });
    await new Promise((resolve) => child.on("exit", resolve));
    expect(killed).toBe(true);
    // What the post step has to go on: the main step saved the change it was about to make before the write.
    const plan = JSON.parse(postStateEnv(files)["STATE_cleanup-plan"] ?? "{}") as object;
    expect(plan).toMatchObject({ privateZone: { previous: "false", applied: "true" }, done: false });

    const post = await runDist("dist/post.js", [], { ...env, ...postStateEnv(files) });
    expect(post.code).toBe(0);
    expect(await privateZone()).toBe("false");
  });
});
