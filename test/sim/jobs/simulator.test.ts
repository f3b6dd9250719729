// Jobs inside the whole simulator (startSimulator): the Job controller, not the Knative kubelet, runs a Job's
// pods; their logs come through the API's pods/log next to those of Knative pods; a cluster-local name reaches
// the gateway; stop() ends the processes.
import { startSimulator, type Simulator } from "../index.js";

const NS = "default";
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.1 });
});
afterAll(async () => {
  await sim?.stop();
});

async function api<T>(path: string): Promise<{ status: number; body: T; text: string }> {
  const res = await fetch(`${sim.apiServer}${path}`);
  const text = await res.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    body = undefined as T;
  }
  return { status: res.status, body, text };
}

interface Pod {
  metadata: { name: string };
  status?: { phase?: string; containerStatuses?: { state?: { terminated?: { exitCode: number } } }[] };
}

/** A one-pod Indexed Job running `script` (an ES module) from a ConfigMap on the stock Node image. */
function createJob(name: string, script: string): void {
  sim.store.create("/configmaps", { metadata: { name, namespace: NS }, data: { "main.mjs": script } });
  sim.store.create("batch/jobs", {
    metadata: { name, namespace: NS },
    spec: {
      completionMode: "Indexed",
      completions: 1,
      parallelism: 1,
      backoffLimit: 0,
      template: {
        metadata: { labels: { job: name } },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "main",
              image: "node:24-alpine",
              command: ["node", "/scripts/main.mjs"],
              volumeMounts: [{ name: "scripts", mountPath: "/scripts" }],
            },
          ],
          volumes: [{ name: "scripts", configMap: { name } }],
        },
      },
    },
  });
}

/** The Job's one pod once it has finished (Succeeded or Failed). */
async function finishedPod(job: string): Promise<Pod> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = await api<{ items: Pod[] }>(`/api/v1/namespaces/${NS}/pods?labelSelector=job%3D${job}`);
    const pod = list.body.items[0];
    if (pod && (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed")) return pod;
    if (Date.now() > deadline)
      throw new Error(`pod of Job ${job} did not finish: ${JSON.stringify(pod?.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("a Job's pod runs as a process to completion, and its log is served through pods/log", async () => {
  createJob("hello", 'console.log("hello from", process.env.JOB_COMPLETION_INDEX);\n');
  const pod = await finishedPod("hello");
  expect(pod.status?.phase).toBe("Succeeded");
  expect(pod.status?.containerStatuses?.[0].state?.terminated?.exitCode).toBe(0);
  const log = await api(`/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/log?container=main`);
  expect(log.status).toBe(200);
  expect(log.text).toBe("hello from 0\n");
  // The Knative kubelet never took the pod: it has no log of it.
  expect(sim.knative.kubelet.logs(NS, pod.metadata.name, "main")).toBe("");
});

test("a Job's pod reaches the gateway by a cluster-local name", async () => {
  // No Knative Service of that name: the gateway's own 404 proves the request got there.
  createJob(
    "reach",
    [
      'const res = await fetch("http://nothing.default.svc.cluster.local/");',
      "console.log(res.status, (await res.text()).trim());",
    ].join("\n"),
  );
  const pod = await finishedPod("reach");
  const log = await api(`/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/log`);
  expect(log.text).toBe('404 no Knative route for host "nothing.default.svc.cluster.local"\n');
  expect(pod.status?.phase).toBe("Succeeded");
});
