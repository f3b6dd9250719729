// `npm run soak [-- --runs N] [--seed S] [--max-wave W]`: the chaos of test/e2e/chaos.ts, longer. Many gate runs
// (CLI in process, short loads) in waves against one simulator while faults land at random moments; the
// invariants are checked after every wave and at the end. Prints a line per wave and a summary (runs, faults by
// kind, violations, heap after a full collection at the first and the last wave) for the README's Reliability
// table. Exit 1 on any violation, with the seed to replay it.
import { parseArgs } from "node:util";
import { runChaos } from "../test/e2e/chaos.js";
import { startSim } from "../test/e2e/harness.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "200" },
    seed: { type: "string", default: process.env.KPG_CHAOS_SEED ?? "20261129" },
    "max-wave": { type: "string", default: "6" },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
const maxWave = Number(values["max-wave"]);
if (![runs, seed, maxWave].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write("soak: --runs, --seed and --max-wave take positive whole numbers\n");
  process.exit(2);
}

const started = Date.now();
const sim = await startSim({ profile: "ask" });
try {
  const report = await runChaos(sim, {
    seed,
    runs,
    maxWave,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  process.stdout.write(`${JSON.stringify({ ...report, minutes: Number(minutes) }, null, 2)}\n`);
  const faults = Object.entries(report.faults)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  process.stdout.write(
    `\n| ${report.runs} runs in ${report.waves} waves (seed ${seed}, ${minutes} min) | ${faults}; ${report.aborted} runs aborted | ` +
      `${report.violations.length} | ${report.heapAfterFirstMb} MB → ${report.heapAfterLastMb} MB |\n`,
  );
  if (report.violations.length > 0) {
    process.stderr.write(`soak: ${report.violations.length} violation(s); replay with --seed ${seed}\n`);
    process.exitCode = 1;
  }
} finally {
  await sim.stop();
}
