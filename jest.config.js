// Three projects so that fast unit tests can run alone (npm run test:unit) while `npm test` runs everything.
const common = {
  preset: "ts-jest/presets/default-esm",
  testEnvironment: "node",
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json" }] },
};

export default {
  // Simulator and end-to-end tests start servers and run bounded loads; a unit test never comes near this.
  testTimeout: 120_000,
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...common, displayName: "sim", testMatch: ["<rootDir>/test/sim/**/*.test.ts"] },
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/test/e2e/**/*.test.ts"] },
  ],
};
