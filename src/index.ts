// The one bundle's exports: dist/main.js, dist/post.js and dist/cli.js each call one of these, so the
// bundle (and @kubernetes/client-node in it) ships once.
export { runMain } from "./main.js";
export { runPost } from "./post.js";
export { runCli } from "./cli.js";
// A load thread (src/load/threads/entry.mjs) imports the bundle that started it and runs this.
export { runLoadThread } from "./load/threads/thread.js";
