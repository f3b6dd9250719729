// The tool's identity as recorded in results files (a unit test keeps it equal to package.json's version).
export const TOOL = { name: "knative-perf-gate", version: "0.1.0" } as const;
