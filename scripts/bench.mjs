// `npm run bench [-- --quick] [-- --only throughput,latency] [-- --profile]`: installs the reference tools when
// they are missing (bench/install-tools.sh: wrk, hey, nginx from Debian), then runs bench/run.ts with this Node.
import { spawnSync } from "node:child_process";

const tools = spawnSync("sh", ["bench/install-tools.sh"], { stdio: "inherit" });
if (tools.status !== 0)
  console.warn("bench: could not install wrk/hey/nginx; sections that need them are skipped");

const bench = spawnSync(process.execPath, ["--import", "tsx", "bench/run.ts", ...process.argv.slice(2)], {
  stdio: "inherit",
});
process.exitCode = bench.status ?? 1;
