// A manifest the cluster's Knative webhook refuses is the user's input to fix, not a cluster failure: exit 2,
// naming service-file and the webhook's own message, and nothing of ours left behind. The gate checks what it
// can before the cluster (config/knative-annotations.ts); containerConcurrency's maximum is the cluster's
// (config-defaults' container-concurrency-max-limit, 1000 by default), so only the webhook knows it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  auditLog,
  clearAudit,
  cli,
  freshNamespace,
  gateArgs,
  getJson,
  startSim,
  workDir,
  type Sim,
} from "./harness.js";

let sim: Sim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim?.stop();
});

it("a containerConcurrency over the cluster's limit: exit 2 naming service-file and the webhook's reason", async () => {
  const dir = workDir();
  const namespace = freshNamespace();
  const file = join(dir, "too-concurrent.yaml");
  writeFileSync(
    file,
    `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: greedy
spec:
  template:
    spec:
      containerConcurrency: 5000
      containers:
        - image: example.com/sim/app:1
`,
  );
  await clearAudit(sim);
  const run = await cli(sim, gateArgs(sim, dir, [`--service-file=${file}`, `--namespace=${namespace}`]));
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(
    /^error: service-file: rejected by the cluster's Knative webhook: admission webhook "validation\.webhook\.serving\.knative\.dev" denied the request: .*containerConcurrency/m,
  );
  // The create was refused, so there is no Service; the namespace this run created is gone again.
  expect(
    (await getJson(sim, `/apis/serving.knative.dev/v1/namespaces/${namespace}/services/greedy`)).status,
  ).toBe(404);
  const creates = (await auditLog(sim)).filter((e) => e.verb === "create" && e.resource === "services");
  expect(creates).toHaveLength(1);
});
