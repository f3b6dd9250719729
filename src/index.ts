// The one bundle's exports: dist/main.js, dist/post.js and dist/cli.js each call one of these, so the code
// they share ships once.
//
// What the CLI evaluates before its first API request is what it pays for on every run (issue 16: the gate's
// overhead against kubectl), so the bundle's main file holds only the CLI's path and the load engine. The
// action's entries are imported on call: ncc (webpack) puts an `import()` target and what only it needs
// (@actions/core with undici, @actions/github with octokit) in a chunk of its own, which the CLI never loads.
// Whatever else loads late does so behind its own `import()`: @kubernetes/client-node (kube/cluster.ts) and
// hdr-histogram-js (load/histogram.ts). test/e2e/start-path.test.ts fails when one of them is back on the path.
export { runCli } from "./cli.js";
// A load thread (src/load/threads/entry.mjs) imports the bundle that started it and runs this.
export { runLoadThread } from "./load/threads/thread.js";

/** The action's main step (main.ts). */
export async function runMain(): Promise<void> {
  const main = await import("./main.js");
  await main.runMain();
}

/** The action's post step (post.ts). */
export async function runPost(): Promise<void> {
  const post = await import("./post.js");
  await post.runPost();
}
