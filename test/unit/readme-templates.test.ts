// The README's templates section must tell the truth about the templates: the permissions and triggers in its
// table, the secrets and variables they read, and the reusable-workflow example's inputs, secrets and outputs.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as yaml from "js-yaml";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(fileURLToPath(new URL(path, ROOT)), "utf8");

type Mapping = Record<string, unknown>;

function templatesSection(readme: string): string {
  const match = /<!-- section:templates\b[^>]*-->([\s\S]*?)<!-- \/section:templates -->/.exec(readme);
  if (!match) throw new Error("README has no templates section");
  return match[1];
}

/** Rows of the first table, keyed by the file name in its first cell. */
function tableRows(markdown: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  const lines = markdown.split("\n").filter((l) => l.trim().startsWith("|"));
  for (const line of lines.slice(2)) {
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    const file = /`([\w.-]+\.yml)`/.exec(cells[0] ?? "")?.[1];
    if (file) rows.set(file, cells);
  }
  return rows;
}

/** `contents: read`, `issues: write` → { contents: "read", issues: "write" }. */
function scopesIn(cell: string): Record<string, string> {
  return Object.fromEntries(
    [...cell.matchAll(/`([\w-]+): (read|write)`/g)].map(([, scope, level]) => [scope, level]),
  );
}

function eventsOf(doc: Mapping): string[] {
  return Object.keys(doc.on as Mapping);
}

/** Names after `secrets.` and `vars.` in expressions; GITHUB_TOKEN is not something a user sets up. */
function referenced(text: string, context: "secrets" | "vars"): string[] {
  const names = [...text.matchAll(new RegExp(`\\b${context}\\.([A-Za-z_][\\w-]*)`, "g"))].map(
    ([, name]) => name,
  );
  return [...new Set(names)].filter((name) => name !== "GITHUB_TOKEN");
}

const section = templatesSection(read("README.md"));
const templates = readdirSync(fileURLToPath(new URL("workflows/", ROOT)))
  .filter((f) => f.endsWith(".yml"))
  .map((file) => {
    const text = read(`workflows/${file}`);
    return { file, text, doc: yaml.load(text) as Mapping };
  });

describe("the helpers", () => {
  test("scopes and table rows are read from Markdown", () => {
    expect(scopesIn("`contents: read`, `pull-requests: write`")).toEqual({
      contents: "read",
      "pull-requests": "write",
    });
    const rows = tableRows("| T | P |\n| - | - |\n| [`a.yml`](x) | `contents: read` |\n");
    expect(rows.get("a.yml")?.[1]).toBe("`contents: read`");
  });

  test("secret and variable references exclude the built-in token", () => {
    expect(referenced("${{ secrets.A }} ${{ secrets.GITHUB_TOKEN }} ${{ secrets.A }}", "secrets")).toEqual([
      "A",
    ]);
    expect(referenced("${{ vars.REPO || 'x' }}", "vars")).toEqual(["REPO"]);
  });
});

describe("README templates section", () => {
  const rows = tableRows(section);

  test("has a row, a link and a subsection for every template, and no others", () => {
    expect([...rows.keys()].sort()).toEqual(templates.map((t) => t.file).sort());
    for (const { file } of templates) {
      expect(section).toContain(`](workflows/${file})`);
      expect(section).toMatch(new RegExp(`^### .*\`workflows/${file.replace(".", "\\.")}\``, "m"));
    }
  });

  test.each(templates.map((t) => [t.file, t] as const))(
    "%s: the permissions in the table are the workflow's",
    (file, t) => {
      const [, , permissions] = rows.get(file) ?? [];
      // "<workflow's scopes>; job `id`: <that job's own scopes>" for a job that declares its own.
      const [workflow, ...jobs] = (permissions ?? "").split(/; job /);
      expect(scopesIn(workflow)).toEqual(t.doc.permissions);
      const jobPermissions = Object.fromEntries(
        Object.entries(t.doc.jobs as Record<string, Mapping>)
          .filter(([, job]) => job.permissions !== undefined)
          .map(([id, job]) => [id, job.permissions]),
      );
      expect(Object.fromEntries(jobs.map((part) => [/^`([\w-]+)`/.exec(part)?.[1], scopesIn(part)]))).toEqual(
        jobPermissions,
      );
    },
  );

  test.each(templates.map((t) => [t.file, t] as const))(
    "%s: the triggers in the table are the workflow's",
    (file, t) => {
      const [, runsOn] = rows.get(file) ?? [];
      const named = [...(runsOn ?? "").matchAll(/`([a-z_]+)`/g)].map(([, e]) => e);
      const events = eventsOf(t.doc);
      for (const event of named) expect(events).toContain(event);
      // A tag push is described in words ("tag push `v*`"); every other trigger is named.
      for (const event of events.filter((e) => e !== "push")) expect(named).toContain(event);
      if (events.includes("push")) expect(runsOn).toMatch(/push/);
    },
  );

  test.each(templates.map((t) => [t.file, t] as const))(
    "%s: every secret and variable it reads is documented",
    (_file, t) => {
      for (const name of [...referenced(t.text, "secrets"), ...referenced(t.text, "vars")])
        expect(section).toContain(name);
    },
  );

  test("the reusable-workflow example passes declared inputs and secrets and reads declared outputs", () => {
    const release = templates.find((t) => t.file === "release-gate.yml");
    const call = (release?.doc.on as Mapping).workflow_call as {
      inputs: Record<string, { required?: boolean }>;
      secrets: Mapping;
      outputs: Mapping;
    };
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    const example = yaml.load(block ?? "") as {
      jobs: Record<string, { uses?: string; with?: Mapping; secrets?: Mapping }>;
    };
    const [callerId, caller] =
      Object.entries(example.jobs).find(([, job]) => job.uses?.endsWith("/release-gate.yml")) ?? [];
    expect(caller).toBeDefined();
    for (const input of Object.keys(caller?.with ?? {})) expect(Object.keys(call.inputs)).toContain(input);
    for (const [input, spec] of Object.entries(call.inputs))
      if (spec.required) expect(Object.keys(caller?.with ?? {})).toContain(input);
    for (const secret of Object.keys(caller?.secrets ?? {}))
      expect(Object.keys(call.secrets)).toContain(secret);
    for (const [, output] of (block ?? "").matchAll(
      new RegExp(`needs\\.${callerId}\\.outputs\\.([\\w-]+)`, "g"),
    )) {
      expect(Object.keys(call.outputs)).toContain(output);
    }
  });
});
