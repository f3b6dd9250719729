// The entry file of a load thread (worker_threads), plain JavaScript so that Node loads it as it is, both from
// the sources and from dist/: ncc copies it next to the bundle, as it does the cluster worker.
//
// The thread runs the engine's own code, found where the host's code is:
// - bundled (dist/index.js, or the bench's bundled engine child): the host passes the bundle's URL, and the
//   bundle exports runLoadThread (src/index.ts);
// - from the TypeScript sources (tests, `tsx`): the host passes src/load/threads/thread.ts, loaded through tsx,
//   which the tests and scripts already use (a development dependency, never needed by the bundle).
import { parentPort, workerData } from "node:worker_threads";

const { module, typescript } = workerData;
if (typescript) {
  const { register } = await import("tsx/esm/api");
  register();
}
const loaded = await import(module);
if (typeof loaded.runLoadThread !== "function") {
  throw new Error(`load thread: ${module} does not export runLoadThread (was it bundled from src/index.ts?)`);
}
await loaded.runLoadThread(parentPort);
