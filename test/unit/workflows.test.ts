// Every workflow we ship (user templates in workflows/, our own CI in .github/workflows/) must be accepted by
// GitHub's own parser, ask the token for no more than its policy below, talk to the action only through the
// inputs and outputs action.yml declares, and keep the safety properties each template promises.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as yaml from "js-yaml";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { parseServiceManifest } from "../../src/config/manifest.js";
import { parseSettings } from "../../src/config/parse.js";
import { inputErrorsOf } from "../../src/config/errors.js";
import { throughputPath } from "../../src/report/benchmark-file.js";

/**
 * github-action-benchmark's inputs, from its action.yml (benchmark-action/github-action-benchmark, v1.x,
 * commit c38cce98): a `with:` key outside these is a typo the runner would only warn about.
 */
const BENCHMARK_ACTION_INPUTS = [
  "name",
  "tool",
  "output-file-path",
  "gh-pages-branch",
  "gh-repository",
  "benchmark-data-dir-path",
  "github-token",
  "ref",
  "auto-push",
  "skip-fetch-gh-pages",
  "comment-always",
  "summary-always",
  "save-data-file",
  "comment-on-alert",
  "alert-threshold",
  "fail-on-alert",
  "fail-threshold",
  "alert-comment-cc-users",
  "external-data-json-path",
  "max-items-in-chart",
  "go-force-package-suffix",
];

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** How users reference the published action; our own CI runs the checkout instead (`./`). */
const PUBLISHED_ACTION = "knative-perf-gate/knative-perf-gate@v1";

type Level = "read" | "write";
/** The token scopes each workflow asks for, exactly: anything more is a finding, anything less a stale policy. */
const PERMISSIONS: Record<string, Record<string, Level>> = {
  "workflows/pr-check.yml": { contents: "read", "pull-requests": "write" },
  // contents and deployments: write only in its job "history", which pushes the charts to gh-pages.
  "workflows/nightly-regression.yml": {
    contents: "write",
    actions: "read",
    issues: "write",
    deployments: "write",
  },
  "workflows/release-gate.yml": { contents: "read" },
  ".github/workflows/ci.yml": { contents: "read" },
  ".github/workflows/e2e-kind.yml": { contents: "read" },
  // Pushes the release tags and creates the release.
  ".github/workflows/release.yml": { contents: "write" },
};

type Mapping = Record<string, unknown>;
interface Step extends Mapping {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Mapping;
  env?: Mapping;
}
interface Job extends Mapping {
  if?: string;
  env?: Mapping;
  needs?: string | string[];
  permissions?: unknown;
  steps?: Step[];
  outputs?: Mapping;
}
interface Workflow extends Mapping {
  on: Mapping;
  env?: Mapping;
  permissions?: unknown;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}
interface WorkflowFile {
  path: string;
  text: string;
  doc: Workflow;
}
interface ActionContract {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  outputs: Record<string, unknown>;
}

// ---- checks: pure functions from a workflow to a list of problems -----------------------------------------

/** Errors of GitHub's parser, in both phases: schema/expressions, then the model (needs, ids, events). */
async function parserProblems(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const problems = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value === undefined) return problems.length > 0 ? problems : [`${name}: nothing parsed`];
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  for (const e of template.errors ?? []) if (!problems.includes(e.Message)) problems.push(e.Message);
  return problems;
}

function permissionBlocks(doc: Workflow): Array<[string, unknown]> {
  const blocks: Array<[string, unknown]> = [];
  if (doc.permissions !== undefined) blocks.push(["workflow", doc.permissions]);
  for (const [id, job] of Object.entries(doc.jobs))
    if (job.permissions !== undefined) blocks.push([`job ${id}`, job.permissions]);
  return blocks;
}

/** Permissions must be declared (so the repository's default never applies), scoped, and exactly the policy. */
function permissionProblems(doc: Workflow, policy: Record<string, Level>): string[] {
  const problems: string[] = [];
  const jobsWithout = Object.entries(doc.jobs).filter(([, job]) => job.permissions === undefined);
  if (doc.permissions === undefined && jobsWithout.length > 0) {
    problems.push(
      `no top-level permissions and jobs ${jobsWithout.map(([id]) => id).join(", ")} declare none`,
    );
  }
  const requested = new Map<string, Level>();
  for (const [where, block] of permissionBlocks(doc)) {
    if (typeof block === "string") {
      problems.push(`${where}: permissions: ${block} (list the scopes instead)`);
      continue;
    }
    for (const [scope, level] of Object.entries((block ?? {}) as Mapping)) {
      if (level === "none") continue;
      const allowed = policy[scope];
      if (allowed === undefined) problems.push(`${where}: ${scope}: ${String(level)} is not in the policy`);
      else if (level === "write" && allowed === "read")
        problems.push(`${where}: ${scope}: write where read suffices`);
      else if (level !== "read" && level !== "write")
        problems.push(`${where}: ${scope}: ${String(level)} is not a level`);
      if (level === "write" || !requested.has(scope)) requested.set(scope, level as Level);
    }
  }
  for (const [scope, level] of Object.entries(policy)) {
    if (requested.get(scope) !== level)
      problems.push(
        `policy grants ${scope}: ${level} but the workflow asks ${requested.get(scope) ?? "nothing"}`,
      );
  }
  return problems;
}

function stepsOf(doc: Workflow): Array<{ job: string; step: Step }> {
  return Object.entries(doc.jobs).flatMap(([job, j]) => (j.steps ?? []).map((step) => ({ job, step })));
}

function isOurAction(uses: string | undefined): boolean {
  return uses !== undefined && (uses === "./" || uses.startsWith("knative-perf-gate/knative-perf-gate"));
}

/** Every `with:` key is a declared input, every required input is given. */
function inputProblems(doc: Workflow, contract: ActionContract): string[] {
  const problems: string[] = [];
  const required = Object.entries(contract.inputs).filter(
    ([, i]) => i.required === true && i.default === undefined,
  );
  for (const { job, step } of stepsOf(doc).filter(({ step }) => isOurAction(step.uses))) {
    const given = Object.keys(step.with ?? {});
    for (const key of given)
      if (!(key in contract.inputs))
        problems.push(`job ${job}, step ${step.id ?? step.uses}: unknown input ${key}`);
    for (const [name] of required)
      if (!given.includes(name))
        problems.push(`job ${job}, step ${step.id ?? step.uses}: missing required input ${name}`);
  }
  return problems;
}

/** `steps.<id>.outputs.<name>` of our action's steps, and `needs/jobs.<job>.outputs.<name>`, must exist. */
function outputProblems(doc: Workflow, contract: ActionContract): string[] {
  const problems: string[] = [];
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    const ours = new Set(
      (job.steps ?? []).filter((s) => isOurAction(s.uses) && s.id).map((s) => s.id as string),
    );
    const text = JSON.stringify(job);
    for (const [, id, name] of text.matchAll(/steps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)/g)) {
      if (ours.has(id) && !(name in contract.outputs))
        problems.push(`job ${jobId}: steps.${id}.outputs.${name} is not an output of action.yml`);
    }
  }
  for (const [, , jobId, name] of JSON.stringify(doc).matchAll(
    /(needs|jobs)\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)/g,
  )) {
    const outputs = doc.jobs[jobId]?.outputs;
    if (!outputs || !(name in outputs))
      problems.push(`${jobId}.outputs.${name} is not declared by job ${jobId}`);
  }
  return problems;
}

/** Actions are referenced by a release tag or a commit, never a moving branch. */
function pinningProblems(doc: Workflow): string[] {
  return stepsOf(doc)
    .map(({ step }) => step.uses)
    .filter((uses): uses is string => uses !== undefined && uses !== "./" && !uses.startsWith("docker://"))
    .filter((uses) => !/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/.test(uses))
    .map((uses) => `${uses} is not pinned to a release tag or commit`);
}

/** Stand-ins for what a run knows: enough to resolve the expressions templates use for the action's inputs. */
const RUN_CONTEXT: Record<string, string> = {
  "github.sha": "0123456789abcdef0123456789abcdef01234567",
  "github.event.pull_request.head.sha": "89abcdef0123456789abcdef0123456789abcdef",
  "github.event.pull_request.number": "1234",
  "github.ref_name": "main",
  "github.run_id": "16000000000",
  "runner.temp": "/home/runner/work/_temp",
};

interface Scope {
  doc: Workflow;
  job: Job;
  step: Step;
  /** Called as a reusable workflow / dispatched: inputs have their defaults. Otherwise the inputs context is empty. */
  withInputs: boolean;
}

function workflowInputs(doc: Workflow): Record<string, { default?: unknown }> {
  const on = doc.on as Record<string, { inputs?: Record<string, { default?: unknown }> } | null>;
  return { ...on.workflow_dispatch?.inputs, ...on.workflow_call?.inputs };
}

/**
 * Evaluates the expressions of a `with:` value the way the runner would for the simple forms templates use
 * (`a || b || 'literal'`, env, inputs, known run context). undefined: known only at run time (secrets, step
 * outputs, vars without a fallback, comparisons).
 */
function resolve(value: string, scope: Scope, depth = 0): string | undefined {
  let unknown = false;
  const text = value.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_, expression: string) => {
    const result =
      depth > 3 || /&&|==|!=|\(/.test(expression) ? undefined : evaluate(expression, scope, depth);
    if (result === undefined) unknown = true;
    return result ?? "";
  });
  return unknown ? undefined : text;
}

function evaluate(expression: string, scope: Scope, depth: number): string | undefined {
  for (const operand of expression.split("||").map((o) => o.trim())) {
    const literal = /^'(.*)'$/.exec(operand);
    if (literal) return literal[1];
    let found: unknown;
    const [context, ...rest] = operand.split(".");
    const name = rest.join(".");
    if (context === "env") found = scope.step.env?.[name] ?? scope.job.env?.[name] ?? scope.doc.env?.[name];
    else if (context === "inputs")
      found = scope.withInputs ? workflowInputs(scope.doc)[name]?.default : undefined;
    else found = RUN_CONTEXT[operand];
    const text = found === undefined || found === null ? undefined : resolve(String(found), scope, depth + 1);
    if (text) return text;
  }
  return undefined;
}

/**
 * Every step of our action is given to the action's own input parser (parseSettings), with expressions
 * resolved where they can be: a template that copies cleanly but fails validation on its first run is a broken
 * template. Inputs known only at run time are left out. A manifest path that exists only in the user's
 * repository (templates) reads the seed's helloworld service instead.
 */
function settingsProblems(doc: Workflow, isTemplate: boolean): string[] {
  const problems: string[] = [];
  const events = eventNames(doc);
  const scenarios = Object.keys(workflowInputs(doc)).length > 0 ? [true, false] : [false];
  const readFile = (path: string) => {
    const inRepo = join(ROOT, path);
    if (existsSync(inRepo)) return readFileSync(inRepo, "utf8");
    if (isTemplate) return readFileSync(join(ROOT, "examples/helloworld-service.yaml"), "utf8");
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  };
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    for (const step of (job.steps ?? []).filter((s) => isOurAction(s.uses))) {
      for (const withInputs of scenarios) {
        const raw: Record<string, string> = {};
        for (const [input, value] of Object.entries(step.with ?? {})) {
          const resolved = resolve(String(value), { doc, job, step, withInputs });
          if (resolved !== undefined) raw[input] = resolved;
        }
        try {
          parseSettings(raw, {
            readFile,
            pr: events.includes("pull_request")
              ? Number(RUN_CONTEXT["github.event.pull_request.number"])
              : undefined,
            sha: RUN_CONTEXT["github.sha"],
            runId: RUN_CONTEXT["github.run_id"],
          });
        } catch (error) {
          const found = inputErrorsOf(error);
          if (found.length === 0) throw error;
          const when = scenarios.length > 1 ? (withInputs ? " (called with inputs)" : " (not called)") : "";
          for (const e of found)
            problems.push(`job ${jobId}, step ${step.id ?? step.uses}${when}: ${e.message}`);
        }
      }
    }
  }
  return problems;
}

function eventNames(doc: Workflow): string[] {
  const on = doc.on as unknown;
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on as string[];
  return Object.keys(on as Mapping);
}

// ---- the files ----------------------------------------------------------------------------------------------

function loadWorkflows(): WorkflowFile[] {
  return ["workflows", ".github/workflows"].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => {
        const path = `${dir}/${f}`;
        const text = readFileSync(join(ROOT, path), "utf8");
        return { path, text, doc: yaml.load(text) as Workflow };
      }),
  );
}

function loadContract(): ActionContract {
  const action = yaml.load(readFileSync(join(ROOT, "action.yml"), "utf8")) as Partial<ActionContract>;
  return { inputs: action.inputs ?? {}, outputs: action.outputs ?? {} };
}

const files = loadWorkflows();
const templates = files.filter((f) => f.path.startsWith("workflows/"));
const byPath = (path: string): WorkflowFile => {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`${path} is missing`);
  return file;
};
const ourSteps = (file: WorkflowFile) => stepsOf(file.doc).filter(({ step }) => isOurAction(step.uses));

describe("the checks themselves", () => {
  const minimal = (extra: string) =>
    `on: push\n${extra}jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n`;

  test("the parser reports schema, expression and job-graph errors", async () => {
    expect(await parserProblems("ok.yml", minimal("permissions:\n  contents: read\n"))).toEqual([]);
    expect((await parserProblems("bad.yml", minimal("permissions:\n  content: read\n"))).join()).toMatch(
      /content/,
    );
    expect(
      (await parserProblems("bad.yml", minimal("env:\n  A: ${{ github.foo( }}\n"))).length,
    ).toBeGreaterThan(0);
    const needsUnknown =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n" +
      "  b:\n    needs: nope\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    expect((await parserProblems("needs.yml", needsUnknown)).join()).toMatch(/nope/);
  });

  test("permissions: missing, write-all, unlisted scopes, write for read, and unused policy are findings", () => {
    const wf = (permissions: unknown, jobPermissions?: unknown): Workflow => ({
      on: { push: null },
      permissions,
      jobs: { a: { permissions: jobPermissions, steps: [] } },
    });
    const policy: Record<string, Level> = { contents: "read", issues: "write" };
    expect(permissionProblems(wf({ contents: "read", issues: "write" }), policy)).toEqual([]);
    expect(permissionProblems(wf({ contents: "read" }, { issues: "write" }), policy)).toEqual([]);
    expect(permissionProblems(wf(undefined), policy).join()).toMatch(/no top-level permissions/);
    expect(permissionProblems(wf("write-all"), policy).join()).toMatch(/write-all/);
    expect(permissionProblems(wf({ contents: "write", issues: "write" }), policy).join()).toMatch(
      /contents: write where read/,
    );
    expect(
      permissionProblems(wf({ contents: "read", issues: "write", packages: "write" }), policy).join(),
    ).toMatch(/packages/);
    expect(permissionProblems(wf({ contents: "read" }), policy).join()).toMatch(
      /issues: write but the workflow asks nothing/,
    );
  });

  test("inputs, outputs, pinning and values: each kind of mistake is caught", () => {
    const contract: ActionContract = {
      inputs: { "service-file": { required: true }, duration: {} },
      outputs: { passed: {} },
    };
    const wf = (step: Step, more: Mapping = {}): Workflow => ({
      on: { push: null },
      jobs: { a: { steps: [step], ...more } },
    });
    const ok = wf({ id: "g", uses: PUBLISHED_ACTION, with: { "service-file": "s.yaml", duration: "30s" } });
    expect(inputProblems(ok, contract)).toEqual([]);
    expect(
      inputProblems(
        wf({ uses: PUBLISHED_ACTION, with: { "service-file": "s", durations: "1" } }),
        contract,
      ).join(),
    ).toMatch(/unknown input durations/);
    expect(inputProblems(wf({ uses: "./", with: { duration: "30s" } }), contract).join()).toMatch(
      /missing required input service-file/,
    );
    const readsOutput = (name: string) =>
      wf({ id: "g", uses: PUBLISHED_ACTION }, { outputs: { x: `\${{ steps.g.outputs.${name} }}` } });
    expect(outputProblems(readsOutput("passed"), contract)).toEqual([]);
    expect(outputProblems(readsOutput("pass"), contract).join()).toMatch(/steps\.g\.outputs\.pass /);
    expect(
      outputProblems({ on: {}, jobs: { a: {}, b: { if: "needs.a.outputs.y == 'true'" } } }, contract).join(),
    ).toMatch(/a\.outputs\.y/);
    expect(pinningProblems(wf({ uses: "actions/checkout@main" })).join()).toMatch(/not pinned/);
    expect(pinningProblems(wf({ uses: "actions/checkout@v5" }))).toEqual([]);
    const bad = (w: Mapping, env?: Mapping) =>
      settingsProblems(
        {
          on: { push: null },
          env,
          jobs: { a: { steps: [{ uses: PUBLISHED_ACTION, with: { "service-file": "s.yaml", ...w } }] } },
        },
        true,
      ).join("\n");
    expect(bad({})).toBe("");
    expect(bad({ thresholds: "p99 <" })).toMatch(/^job a, step .*: thresholds: /);
    expect(bad({ duration: "30" })).toMatch(/duration: "30" has no unit/);
    expect(bad({ "service-name": "app-pr-{pr}" })).toMatch(
      /service-name: \{pr\} is used but this run is not for a pull request/,
    );
    expect(bad({ teardown: "sometimes" })).toMatch(/teardown/);
    expect(bad({ warmup: "${{ env.WARMUP }}" }, { WARMUP: "30" })).toMatch(/warmup/);
    expect(bad({ warmup: "${{ env.WARMUP || '5s' }}" })).toBe("");
    expect(bad({ kubeconfig: "${{ secrets.KUBECONFIG }}", baseline: "${{ steps.x.outputs.y }}" })).toBe("");
  });
});

describe("every workflow file", () => {
  test("the policy names exactly the workflow files there are", () => {
    expect(files.map((f) => f.path).sort()).toEqual(Object.keys(PERMISSIONS).sort());
  });

  test.each(files.map((f) => [f.path, f] as const))("%s: GitHub's parser accepts it", async (_path, file) => {
    expect(await parserProblems(file.path, file.text)).toEqual([]);
  });

  test.each(files.map((f) => [f.path, f] as const))("%s: asks for exactly its permissions", (path, file) => {
    expect(permissionProblems(file.doc, PERMISSIONS[path] ?? {})).toEqual([]);
  });

  test.each(files.map((f) => [f.path, f] as const))(
    "%s: never runs on pull_request_target",
    (_path, file) => {
      expect(eventNames(file.doc)).not.toContain("pull_request_target");
      expect(file.text).not.toMatch(/pull_request_target\s*:/);
    },
  );

  test.each(files.map((f) => [f.path, f] as const))("%s: actions are pinned to releases", (_path, file) => {
    expect(pinningProblems(file.doc)).toEqual([]);
  });

  test.each(files.map((f) => [f.path, f] as const))(
    "%s: the action's parser accepts the inputs",
    (path, file) => {
      expect(settingsProblems(file.doc, path.startsWith("workflows/"))).toEqual([]);
    },
  );
});

describe("the action's contract (action.yml)", () => {
  const contract = existsSync(join(ROOT, "action.yml")) ? loadContract() : undefined;

  test("action.yml exists", () => {
    expect(contract).toBeDefined();
  });

  test.each(files.map((f) => [f.path, f] as const))(
    "%s: passes only declared inputs, reads only declared outputs",
    (_path, file) => {
      if (!contract) throw new Error("action.yml is missing");
      expect(inputProblems(file.doc, contract)).toEqual([]);
      expect(outputProblems(file.doc, contract)).toEqual([]);
    },
  );
});

describe("templates", () => {
  test.each(templates.map((f) => [f.path, f] as const))("%s: uses the published action", (_path, file) => {
    const steps = ourSteps(file);
    expect(steps.length).toBeGreaterThan(0);
    for (const { step } of steps) expect(step.uses).toBe(PUBLISHED_ACTION);
  });

  test.each(templates.map((f) => [f.path, f] as const))(
    "%s: the kubeconfig comes from a secret",
    (_path, file) => {
      for (const { step } of ourSteps(file))
        expect(String(step.with?.kubeconfig)).toMatch(/^\$\{\{\s*secrets\./);
    },
  );

  test.each(templates.map((f) => [f.path, f] as const))(
    "%s: secrets reach shell steps through env only",
    (_path, file) => {
      for (const { step } of stepsOf(file.doc)) if (step.run) expect(step.run).not.toMatch(/\$\{\{/);
    },
  );

  describe("pr-check", () => {
    const file = byPath("workflows/pr-check.yml");
    const gateJob = Object.entries(file.doc.jobs).find(([, job]) =>
      (job.steps ?? []).some((s) => isOurAction(s.uses)),
    );

    test("runs on pull_request, one run per PR, a new push cancels the old run", () => {
      expect(eventNames(file.doc)).toEqual(["pull_request"]);
      const concurrency = file.doc.concurrency as Mapping;
      expect(concurrency.group).toMatch(/github\.event\.pull_request\.number/);
      expect(concurrency["cancel-in-progress"]).toBe(true);
    });

    test("deploys a PR-isolated service, comments, and tears it down", () => {
      const [{ step }] = ourSteps(file);
      expect(step.with?.["service-name"]).toMatch(/\{pr\}/);
      expect(String(step.with?.comment)).toBe("true");
      expect(step.with?.teardown).toBe("always");
      expect(step.with?.image).toBeDefined();
    });

    test("the gate job never runs for a fork, and degrades when the secret is absent", () => {
      expect(gateJob).toBeDefined();
      const [, job] = gateJob!;
      expect(job.if).toMatch(/github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
      const credsStep = (job.steps ?? []).find((s) =>
        JSON.stringify(s.env ?? {}).includes("secrets.KPG_KUBECONFIG"),
      );
      expect(credsStep?.id).toBeDefined();
      for (const step of (job.steps ?? []).slice((job.steps ?? []).indexOf(credsStep!) + 1)) {
        if (step.if?.startsWith("always()")) continue;
        expect(step.if).toContain(`steps.${credsStep!.id}.outputs.`);
      }
    });
  });

  describe("nightly-regression", () => {
    const file = byPath("workflows/nightly-regression.yml");
    const [{ job: gateJob, step: gate }] = ourSteps(file);
    // The gate's own job (the job "history" follows it; see below).
    const steps = stepsOf(file.doc)
      .filter(({ job }) => job === gateJob)
      .map(({ step }) => step);
    const after = steps.slice(steps.indexOf(gate) + 1);

    test("runs on a schedule and by hand", () => {
      expect(eventNames(file.doc).sort()).toEqual(["schedule", "workflow_dispatch"]);
    });

    const download = steps.find((s) => s.uses?.startsWith("actions/download-artifact@"));

    test("compares with the baseline file a passing run uploaded", () => {
      expect(download?.with?.["run-id"]).toBeDefined();
      const baselineUpload = after.find(
        (s) => s.uses?.startsWith("actions/upload-artifact@") && s.with?.name === download?.with?.name,
      );
      // The next run looks for the file under the name this run's gate writes it.
      const resultsName = String(gate.with?.["results-file"]).split("/").pop();
      expect(baselineUpload?.with?.path).toBe(`\${{ steps.${gate.id}.outputs.results-file }}`);
      expect(String(gate.with?.baseline)).toContain(`/baseline/${resultsName}`);
      expect(String(download?.with?.path)).toMatch(/\/baseline$/);
      expect(gate.with?.["max-regression"]).toBeDefined();
    });

    test("uploads every run's results, keeps them as the next baseline only when the gate passed", () => {
      const uploads = after.filter((s) => s.uses?.startsWith("actions/upload-artifact@"));
      expect(uploads.map((s) => s.with?.name)).toContain("knative-perf-gate-results");
      const baseline = uploads.find((s) => s.with?.name === download?.with?.name);
      expect(baseline?.if).toBe(`steps.${gate.id}.outputs.passed == 'true'`);
    });

    test("reports to an issue and still fails the job when the gate failed", () => {
      const issue = after.find(
        (s) =>
          s.uses?.startsWith("actions/github-script@") &&
          /issues\.(create|update)/.test(String(s.with?.script)),
      );
      expect(issue).toBeDefined();
      expect(String(issue?.with?.script)).not.toMatch(/\$\{\{/);
      expect(String(gate.with?.["fail-on-threshold"])).toBe("false");
      const last = after[after.length - 1];
      expect(last.if).toBe(`steps.${gate.id}.outputs.passed == 'false'`);
      expect(last.run).toMatch(/exit 1/);
    });
  });

  describe("nightly-regression: history charts with github-action-benchmark", () => {
    const file = byPath("workflows/nightly-regression.yml");
    const [{ job: gateJobId, step: gate }] = ourSteps(file);
    const history = file.doc.jobs.history as Mapping & { steps?: Step[]; permissions?: Mapping };
    const benchmarkSteps = (history?.steps ?? []).filter((s) =>
      s.uses?.startsWith("benchmark-action/github-action-benchmark@"),
    );

    test("the gate writes the benchmark file, and the history job reads both files it writes", () => {
      const written = String(gate.with?.["benchmark-file"]);
      expect(written).toMatch(/\.json$/);
      const upload = stepsOf(file.doc).find(
        ({ step }) =>
          step.uses?.startsWith("actions/upload-artifact@") && /benchmark/.test(String(step.with?.name)),
      )?.step;
      expect(String(upload?.with?.path).trim().split("\n")).toEqual([written, throughputPath(written)]);
      expect(
        benchmarkSteps.map((s) => [s.with?.tool, String(s.with?.["output-file-path"]).split("/").pop()]),
      ).toEqual([
        ["customSmallerIsBetter", written],
        ["customBiggerIsBetter", throughputPath(written)],
      ]);
    });

    test("passes github-action-benchmark only its own inputs, and lets the gate alone judge", () => {
      for (const step of benchmarkSteps) {
        expect(Object.keys(step.with ?? {}).filter((key) => !BENCHMARK_ACTION_INPUTS.includes(key))).toEqual(
          [],
        );
        expect(String(step.with?.["fail-on-alert"])).toBe("false");
        expect(String(step.with?.["auto-push"])).toBe("true");
      }
      // Two charts of one service must not share a name: the action keys its history by name.
      expect(new Set(benchmarkSteps.map((s) => s.with?.name)).size).toBe(2);
    });

    test("only the history job may write, and it never sees the kubeconfig", () => {
      expect(history.needs).toBe(gateJobId);
      expect(history.permissions).toEqual({ contents: "write", deployments: "write" });
      expect(file.doc.permissions).toEqual({ contents: "read", actions: "read", issues: "write" });
      expect(JSON.stringify(history)).not.toMatch(/secrets\./);
      expect(String(history.if)).toMatch(/!cancelled\(\)/);
    });
  });

  describe("release-gate", () => {
    const file = byPath("workflows/release-gate.yml");
    const gateJobId = Object.entries(file.doc.jobs).find(([, job]) =>
      (job.steps ?? []).some((s) => isOurAction(s.uses)),
    )?.[0];

    test("runs on a tag push and as a reusable workflow", () => {
      expect(eventNames(file.doc).sort()).toEqual(["push", "workflow_call"]);
      expect(((file.doc.on.push as Mapping).tags as string[]).length).toBeGreaterThan(0);
    });

    test("a failing gate blocks the release job", () => {
      const [{ step }] = ourSteps(file);
      expect(String(step.with?.["fail-on-threshold"])).toBe("true");
      const dependents = Object.entries(file.doc.jobs).filter(([, job]) =>
        [job.needs ?? []].flat().includes(gateJobId!),
      );
      expect(dependents.length).toBeGreaterThan(0);
      for (const [, job] of dependents)
        expect(String(job.if ?? "")).not.toMatch(/always\(\)|failure\(\)|cancelled\(\)/);
    });
  });
});

describe("our CI", () => {
  const runs = (file: WorkflowFile) =>
    stepsOf(file.doc)
      .map(({ step }) => step.run ?? "")
      .join("\n");

  test("ci.yml lints, type-checks, tests and checks dist/ freshness on push and pull_request", () => {
    const file = byPath(".github/workflows/ci.yml");
    expect(eventNames(file.doc).sort()).toEqual(["pull_request", "push"]);
    for (const command of ["npm ci", "npm run lint", "npm run build", "npm test", "npm run package"])
      expect(runs(file)).toContain(command);
    const diff = stepsOf(file.doc).find(({ step }) => /git diff --exit-code\b.*dist\//.test(step.run ?? ""));
    expect(diff?.step.id).toBeDefined();
    const setupNode = stepsOf(file.doc).filter(({ step }) => step.uses?.startsWith("actions/setup-node@"));
    expect(setupNode.length).toBeGreaterThan(0);
    for (const { step } of setupNode) expect(String(step.with?.["node-version"])).toBe("24");
  });

  test("e2e-kind.yml runs the action from the repo on the seed's service against a pinned Knative", () => {
    const file = byPath(".github/workflows/e2e-kind.yml");
    expect(
      stepsOf(file.doc).some(
        ({ step }) =>
          step.uses?.startsWith("helm/kind-action@") || /kind create cluster/.test(step.run ?? ""),
      ),
    ).toBe(true);
    const version = String((file.doc.env as Mapping).KNATIVE_VERSION);
    expect(version).toMatch(/^knative-v\d+\.\d+\.\d+$/);
    for (const file of ["serving-crds.yaml", "serving-core.yaml", "kourier.yaml"])
      expect(runs(byPath(".github/workflows/e2e-kind.yml"))).toContain(file);
    expect(file.text).not.toMatch(/releases\/(latest|download\/latest)/);
    const steps = ourSteps(file);
    expect(steps.length).toBeGreaterThan(0);
    for (const { step } of steps) expect(step.uses).toBe("./");
    const [{ step: gate }] = steps;
    expect(gate.with?.["service-file"]).toBe("examples/helloworld-service.yaml");
    expect(() =>
      parseServiceManifest(readFileSync(join(ROOT, "examples/helloworld-service.yaml"), "utf8")),
    ).not.toThrow();
    expect(String(gate.with?.gateway)).toMatch(/^http:\/\/127\.0\.0\.1:/);
    expect(String(gate.with?.thresholds).trim()).not.toBe("");
    expect(file.text).toContain(`PASSED: \${{ steps.${gate.id}.outputs.passed }}`);
    expect(runs(file)).toContain('test "$PASSED" = "true"');
  });
});

describe("release.yml", () => {
  const file = byPath(".github/workflows/release.yml");
  const steps = stepsOf(file.doc).map(({ step }) => step);
  const script = steps.map((step) => step.run ?? "").join("\n");

  test("runs by hand on main only, one at a time", () => {
    expect(eventNames(file.doc)).toEqual(["workflow_dispatch"]);
    expect(Object.values(file.doc.jobs).map((job) => job.if)).toEqual(["github.ref == 'refs/heads/main'"]);
    expect((file.doc.concurrency as Mapping)["cancel-in-progress"]).toBe(false);
  });

  test("releases package.json's version only when it is new, described in CHANGELOG.md, and dist/ is fresh", () => {
    expect(script).toMatch(/require\("\.\/package\.json"\)\.version/);
    expect(script).toMatch(/git rev-parse -q --verify "refs\/tags\/v\$version"[\s\S]*exit 1/);
    expect(script).toContain('node scripts/release-notes.mjs "$version"');
    expect(script).toMatch(/npm run package\s+git diff --exit-code --stat -- dist\//);
  });

  test("tags vX.Y.Z, moves vX unless it is a pre-release, and publishes the changelog's notes", () => {
    expect(script).toContain('git tag -a "v$VERSION"');
    expect(script).toMatch(/if \[ "\$PRERELEASE" = false \]; then\s+git tag -f "\$MAJOR"/);
    expect(script).toContain('git push --force origin "refs/tags/$MAJOR"');
    expect(script).toMatch(/gh release create "v\$VERSION"/);
    expect(script).toContain('--notes-file "$RUNNER_TEMP/notes.md"');
    // Step outputs reach the scripts through env, never spliced into their source.
    expect(script).not.toMatch(/\$\{\{/);
  });
});
