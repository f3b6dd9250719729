import { existsSync } from "node:fs";

// Three projects so that fast unit tests can run alone (npm run test:unit) while `npm test` runs everything.
const common = {
  preset: "ts-jest/presets/default-esm",
  testEnvironment: "node",
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json" }] },
};

/**
 * Test files that measure real time against tight bounds: latency percentiles within milliseconds of a server's
 * own timing, a held request rate, pacing, autoscaler and Ready timings, a searched capacity. Another test file
 * busy on the same cores can push them out of their bounds, so CI (.ci/run) runs them one at a time after
 * the rest, which mostly wait on timers and run several at once. A new test of that kind belongs here.
 */
export const TIMED = [
  "test/unit/load-run.test.ts",
  "test/unit/load-rate.test.ts",
  "test/unit/load-threads.test.ts",
  "test/unit/load-grace.test.ts",
  "test/unit/load-stages.test.ts",
  "test/unit/cluster-worker-grace.test.ts",
  "test/sim/knative-autoscaling.test.ts",
  "test/sim/knative-cpu.test.ts",
  "test/sim/knative-dataplane.test.ts",
  "test/sim/knative-delays.test.ts",
  "test/sim/knative-noise.test.ts",
  "test/e2e/ab.test.ts",
  "test/e2e/capacity.test.ts",
  "test/e2e/cluster-load.test.ts",
  "test/e2e/figures.test.ts",
  "test/e2e/ready-time.test.ts",
  "test/e2e/stages.test.ts",
];

for (const file of TIMED) {
  if (!existsSync(new URL(file, import.meta.url)))
    throw new Error(`jest.config.js TIMED: ${file} does not exist`);
}

// KPG_TESTS=timed runs only those, KPG_TESTS=untimed all others; unset, every test.
const selection = process.env.KPG_TESTS;
if (selection !== undefined && selection !== "timed" && selection !== "untimed") {
  throw new Error(`KPG_TESTS=${selection}: use timed, untimed, or leave it unset for every test`);
}

const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function project(displayName, dir) {
  const base = { ...common, displayName, testMatch: [`<rootDir>/test/${dir}/**/*.test.ts`] };
  const timed = TIMED.filter((file) => file.startsWith(`test/${dir}/`));
  if (selection === "timed") return { ...base, testMatch: timed.map((file) => `<rootDir>/${file}`) };
  if (selection === "untimed")
    return {
      ...base,
      testPathIgnorePatterns: ["/node_modules/", ...timed.map((file) => `/${escape(file)}$`)],
    };
  return base;
}

export default {
  // Simulator and end-to-end tests start servers and run bounded loads; a unit test never comes near this.
  testTimeout: 120_000,
  projects: [project("unit", "unit"), project("sim", "sim"), project("e2e", "e2e")],
};
