import http from "node:http";
import { Store } from "../sim/store.js";
import { startApiServer } from "../sim/api/server.js";
import { kubeconfigYaml } from "../sim/api/kubeconfig.js";
import { startJobController } from "../sim/jobs/controller.js";
import { connect, loadKubeConfig } from "../../src/kube/cluster.js";
import { runClusterLoad } from "../../src/load/cluster/index.js";

const hosts = new Map<string, number>();
const server = http.createServer((req, res) => { hosts.set(req.headers.host ?? "", (hosts.get(req.headers.host ?? "") ?? 0) + 1); setTimeout(() => res.end("ok"), 2); });
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const port = (server.address() as { port: number }).port;
const store = new Store();
const jobs = startJobController(store, { clusterAddress: `127.0.0.1:${port}`, log: console.log });
const api = await startApiServer({ store, podLog: (ns, n, c) => jobs.logs(ns, n, c) ?? "" });
const cluster = connect(loadKubeConfig(kubeconfigYaml(api.url)));
const t0 = Date.now();
store.subscribe((e) => { if (e.res === "/pods") console.log(Date.now() - t0, e.type, e.object.metadata.name, (e.object.status as any)?.phase, JSON.stringify((e.object.status as any)?.containerStatuses?.[0]?.state ?? {}).slice(0, 80)); });
setInterval(() => { for (const p of store.list("/pods", undefined).items) { const l = jobs.logs("default", p.metadata.name!); if (l) console.log(Date.now() - t0, p.metadata.name, l.slice(0, 300)); } }, 1000).unref();
try {
  const r = await runClusterLoad({
    cluster, namespace: "default", url: "http://hello.default.svc.cluster.local", service: "hello",
    request: { path: "/", method: "GET", headers: {}, timeoutMs: 5000 },
    load: { durationMs: 2000, connections: 8, warmupMs: 500 }, workers: 4, startDelayMs: 5000, log: console.log, samples: false,
  });
  console.log(JSON.stringify({ ...r.summary, timeline: r.summary.timeline.length }, null, 1), r.workers);
} catch (e) { console.log("ERR", e); }
for (const p of []) {} ; console.log("took", Date.now() - t0, [...hosts], store.list("batch/jobs", undefined).items.length, store.list("/pods", undefined).items.length);
await jobs.stop(); await api.close(); server.close();
