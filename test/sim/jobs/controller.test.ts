// The simulator's Job controller against the store, with tiny node scripts as containers: pod naming and
// labels, the completion index, Job status and conditions as upstream writes them, failure by backoff limit
// and deadline, volumes that appear late, images that cannot be pulled, commands the sim cannot run, and the
// processes dying with their pods.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { K8sObject } from "../store.js";
import { Store } from "../store.js";
import { formatIndexes, startJobController, type JobController } from "./controller.js";

const NS = "default";
let store: Store;
let jobs: JobController;

beforeEach(() => {
  store = new Store();
  jobs = startJobController(store);
});

afterEach(() => jobs.stop());

interface JobOptions {
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  image?: string;
  command?: string[];
  configMap?: string;
  env?: Record<string, string>;
}

function createJob(name: string, o: JobOptions = {}): K8sObject {
  const configMap = o.configMap ?? `${name}-script`;
  return store.create("batch/jobs", {
    metadata: { name, namespace: NS },
    spec: {
      completionMode: "Indexed",
      completions: o.completions ?? 3,
      parallelism: o.parallelism ?? o.completions ?? 3,
      backoffLimit: o.backoffLimit ?? 0,
      ...(o.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: o.activeDeadlineSeconds } : {}),
      ...(o.ttlSecondsAfterFinished !== undefined
        ? { ttlSecondsAfterFinished: o.ttlSecondsAfterFinished }
        : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "main",
              image: o.image ?? "node:24-alpine",
              command: o.command ?? ["node", "/scripts/main.mjs"],
              env: Object.entries({ GREETING: "hi", ...o.env }).map(([n, value]) => ({ name: n, value })),
              terminationMessagePolicy: "FallbackToLogsOnError",
              volumeMounts: [{ name: "scripts", mountPath: "/scripts" }],
            },
          ],
          volumes: [{ name: "scripts", configMap: { name: configMap } }],
        },
      },
    },
  });
}

function createScript(name: string, script: string): void {
  store.create("/configmaps", { metadata: { name, namespace: NS }, data: { "main.mjs": script } });
}

interface JobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  completedIndexes?: string;
  startTime?: string;
  completionTime?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

const statusOf = (name: string): JobStatus => (store.get("batch/jobs", NS, name)?.status ?? {}) as JobStatus;
const phaseOf = (pod: K8sObject): string | undefined => (pod.status as { phase?: string } | undefined)?.phase;
const podsOf = (job: string): K8sObject[] =>
  store.list("/pods", NS, { labelSelector: `job-name=${job}` }).items;

/** Resolves once `predicate` holds: checked on every store change, and every 50 ms for process output. */
function until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      clearInterval(poll);
      unsubscribe();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error("timed out waiting for the store"));
    }, timeoutMs);
    const check = () => {
      if (!predicate()) return;
      stop();
      resolve();
    };
    const poll = setInterval(check, 50);
    const unsubscribe = store.subscribe(check);
    check();
  });
}

const finishedAs = (name: string, type: "Complete" | "Failed") => () =>
  statusOf(name).conditions?.some((c) => c.type === type && c.status === "True") ?? false;

test("an Indexed Job runs one pod per index with its index, and completes like upstream's", async () => {
  createScript(
    "hello-script",
    "console.log(`${process.env.GREETING} from ${process.env.JOB_COMPLETION_INDEX} on ${process.env.HOSTNAME}`);",
  );
  const job = createJob("hello");
  const pods = podsOf("hello");
  expect(pods.map((p) => p.metadata.name)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^hello-0-[a-z0-9]{5}$/),
      expect.stringMatching(/^hello-1-/),
      expect.stringMatching(/^hello-2-/),
    ]),
  );
  const first = pods.find((p) => p.metadata.name?.startsWith("hello-0-")) as K8sObject;
  expect(first.metadata.labels).toMatchObject({
    app: "hello",
    "job-name": "hello",
    "batch.kubernetes.io/job-name": "hello",
    "controller-uid": job.metadata.uid,
    "batch.kubernetes.io/job-completion-index": "0",
  });
  expect(first.metadata.annotations).toEqual({ "batch.kubernetes.io/job-completion-index": "0" });
  expect(first.metadata.ownerReferences).toEqual([
    {
      apiVersion: "batch/v1",
      kind: "Job",
      name: "hello",
      uid: job.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);

  await until(finishedAs("hello", "Complete"));
  const status = statusOf("hello");
  expect(status).toMatchObject({ active: 0, succeeded: 3, failed: 0, completedIndexes: "0-2" });
  expect(status.conditions?.map((c) => [c.type, c.reason])).toEqual([
    ["SuccessCriteriaMet", "CompletionsReached"],
    ["Complete", "CompletionsReached"],
  ]);
  expect(status.startTime).toBeDefined();
  expect(status.completionTime).toBeDefined();
  for (const pod of podsOf("hello")) {
    const index = pod.metadata.annotations?.["batch.kubernetes.io/job-completion-index"];
    expect(phaseOf(pod)).toBe("Succeeded");
    expect(jobs.logs(NS, pod.metadata.name as string)).toBe(`hi from ${index} on hello-${index}\n`);
    expect(jobs.logs(NS, pod.metadata.name as string, "other")).toBeUndefined();
  }
}, 30_000);

test("with backoffLimit 0 the first failed pod fails the Job, and the others are deleted", async () => {
  createScript(
    "fail-script",
    'if (process.env.JOB_COMPLETION_INDEX === "1") { console.error("index 1 gives up"); process.exit(3); } setInterval(() => {}, 1000);',
  );
  createJob("fail");
  await until(finishedAs("fail", "Failed"));
  const status = statusOf("fail");
  expect(status.conditions?.map((c) => [c.type, c.reason, c.message])).toEqual([
    ["FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"],
    ["Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"],
  ]);
  expect(status.failed).toBe(1);
  const left = podsOf("fail");
  expect(left).toHaveLength(1);
  const terminated = (left[0].status as { containerStatuses: { state: { terminated: object } }[] })
    .containerStatuses[0].state.terminated;
  expect(terminated).toMatchObject({ exitCode: 3, reason: "Error", message: "index 1 gives up" });
}, 30_000);

test("a failed index is retried while the backoff limit allows", async () => {
  // The first attempt of each index fails, the retry (which finds the marker file) succeeds.
  createScript(
    "retry-script",
    'import { existsSync, writeFileSync } from "node:fs"; const marker = `${process.env.MARKER_DIR}/retry-${process.env.JOB_COMPLETION_INDEX}`; if (!existsSync(marker)) { writeFileSync(marker, ""); process.exit(1); }',
  );
  const dir = mkdtempSync(join(tmpdir(), "sim-retry-"));
  createJob("retry", { completions: 2, backoffLimit: 2, env: { MARKER_DIR: dir } });
  await until(finishedAs("retry", "Complete"));
  expect(statusOf("retry")).toMatchObject({ succeeded: 2, failed: 2, completedIndexes: "0,1" });
}, 30_000);

test("a pod waits for its ConfigMap like the kubelet's mount retries, then runs", async () => {
  createJob("late", { completions: 1 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const waiting = podsOf("late")[0];
  expect(phaseOf(waiting)).toBe("Pending");
  expect(waiting.status).toMatchObject({
    containerStatuses: [{ state: { waiting: { reason: "ContainerCreating" } } }],
  });
  createScript("late-script", 'console.log("mounted");');
  await until(finishedAs("late", "Complete"));
}, 30_000);

test("an image under .invalid cannot be pulled: ErrImagePull, then ImagePullBackOff", async () => {
  createScript("pull-script", "");
  createJob("pull", { completions: 1, image: "registry.invalid/node:24" });
  const reason = () =>
    (
      podsOf("pull")[0]?.status as
        { containerStatuses?: { state: { waiting?: { reason: string } } }[] } | undefined
    )?.containerStatuses?.[0].state.waiting?.reason;
  await until(() => reason() === "ErrImagePull");
  await until(() => reason() === "ImagePullBackOff");
  expect(phaseOf(podsOf("pull")[0])).toBe("Pending");
});

test("a command other than node cannot start", async () => {
  createScript("sh-script", "");
  createJob("sh", { completions: 1, command: ["sh", "-c", "echo hi"] });
  await until(finishedAs("sh", "Failed"));
  const pod = podsOf("sh")[0];
  expect(pod.status).toMatchObject({
    phase: "Failed",
    containerStatuses: [{ state: { terminated: { exitCode: 128, reason: "StartError" } } }],
  });
  expect(jobs.logs(NS, pod.metadata.name as string)).toMatch(/exec: "sh": executable file not found/);
});

test("activeDeadlineSeconds fails a Job that runs too long and stops its pods", async () => {
  createScript("slow-script", "setInterval(() => {}, 1000);");
  createJob("slow", { completions: 2, activeDeadlineSeconds: 1 });
  await until(finishedAs("slow", "Failed"));
  expect(statusOf("slow").conditions?.at(-1)).toMatchObject({
    reason: "DeadlineExceeded",
    message: "Job was active longer than specified deadline",
  });
  expect(podsOf("slow")).toEqual([]);
}, 30_000);

test("ttlSecondsAfterFinished deletes the finished Job and, through owner references, its pods", async () => {
  createScript("ttl-script", "");
  createJob("ttl", { completions: 1, ttlSecondsAfterFinished: 1 });
  await until(finishedAs("ttl", "Complete"));
  await until(() => !store.get("batch/jobs", NS, "ttl"));
  expect(podsOf("ttl")).toEqual([]);
}, 30_000);

test("deleting a Job kills the processes of its pods", async () => {
  createScript("forever-script", "console.log(`pid ${process.pid}`); setInterval(() => {}, 1000);");
  createJob("forever", { completions: 1 });
  await until(() => podsOf("forever").some((p) => phaseOf(p) === "Running"));
  const name = podsOf("forever")[0].metadata.name as string;
  await until(() => /pid \d+/.test(jobs.logs(NS, name) ?? ""));
  const pid = Number(/pid (\d+)/.exec(jobs.logs(NS, name) ?? "")?.[1]);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  expect(alive()).toBe(true);
  store.delete("batch/jobs", NS, "forever");
  expect(podsOf("forever")).toEqual([]);
  expect(jobs.logs(NS, name)).toBeUndefined();
  await until(() => !alive(), 5000);
}, 30_000);

test("completed indexes are written the way upstream compresses them", () => {
  expect(formatIndexes([])).toBe("");
  expect(formatIndexes([4, 0, 1, 2, 7, 8, 10, 11, 12, 13])).toBe("0-2,4,7,8,10-13");
});
