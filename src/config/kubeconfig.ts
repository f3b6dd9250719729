// The `kubeconfig` input is a secret: its shape is checked here (clusters, contexts, users, current-context,
// as @kubernetes/client-node reads them) so that a wrong value fails before any cluster call, and no error
// message ever quotes its content, only line numbers and entry names.
import { ErrorCollector, InputError } from "./errors.js";
import type { FileInput } from "./files.js";
import { loadYamlWithLines } from "./yaml-lines.js";

/** A kubeconfig with a few hundred clusters and their CA data is well under this; a larger file is a mistake. */
export const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;
/** How the CLI's kubeconfig-file input is read (at most MAX_KUBECONFIG_BYTES + 1 bytes of it). */
export const KUBECONFIG_FILE: FileInput = {
  input: "kubeconfig-file",
  maxBytes: MAX_KUBECONFIG_BYTES,
  tooLargeHint: "give the path of a kubeconfig file",
};

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Throws InputError(s) naming `input` when `content` is not a usable kubeconfig. */
export function validateKubeconfig(content: string, input = "kubeconfig"): void {
  const text = content.trim();
  if (looksBase64(text)) {
    throw new InputError(input, "the value looks base64-encoded", {
      hint: "pass the decoded kubeconfig content (e.g. store the secret decoded, or decode it with base64 -d in a prior step)",
    });
  }
  const loaded = loadYamlWithLines(text, input);
  const documents = loaded.documents.filter((d) => d.value !== null);
  const root = documents[0]?.value;
  if (documents.length !== 1 || !isObject(root)) {
    const got =
      documents.length === 0
        ? "nothing"
        : documents.length > 1
          ? `${documents.length} YAML documents`
          : Array.isArray(root)
            ? "a list"
            : "a single line of text";
    throw new InputError(
      input,
      `expected the content of a kubeconfig file (a mapping with clusters, contexts, users), got ${got}`,
      {
        hint: "pass the file's content, not its path (the CLI reads a file with --kubeconfig-file)",
      },
    );
  }
  const errors = new ErrorCollector();
  const fail = (problem: string, line: number | undefined, hint?: string) =>
    errors.add(new InputError(input, problem, { line, hint }));

  const names = (field: string, required: boolean): Map<string, Obj> => {
    const found = new Map<string, Obj>();
    const list = root[field];
    if (list === undefined || list === null) {
      if (required) fail(`${field} is missing`, loaded.lineOf(root), `a kubeconfig lists its ${field}`);
      return found;
    }
    if (!Array.isArray(list) || (required && list.length === 0)) {
      fail(`${field} must be a non-empty list`, loaded.lineOf(root, field));
      return found;
    }
    list.forEach((entry, index) => {
      if (!isObject(entry) || typeof entry.name !== "string" || entry.name === "") {
        fail(`${field}[${index}].name is missing`, loaded.lineOf(list, index));
        return;
      }
      found.set(entry.name, entry);
    });
    return found;
  };

  const clusters = names("clusters", true);
  const contexts = names("contexts", true);
  const users = names("users", false);

  for (const [name, entry] of clusters) {
    const cluster = entry.cluster;
    if (!isObject(cluster)) {
      fail(`cluster "${name}" has no cluster: section`, loaded.lineOf(entry, "cluster"));
      continue;
    }
    if (typeof cluster.server !== "string" || !isHttpUrl(cluster.server)) {
      fail(
        `cluster "${name}": cluster.server must be an https:// (or http://) URL`,
        loaded.lineOf(cluster, "server"),
      );
    }
  }
  for (const [name, entry] of contexts) {
    const context = entry.context;
    if (!isObject(context) || typeof context.cluster !== "string") {
      fail(`context "${name}" names no cluster`, loaded.lineOf(entry, "context"));
      continue;
    }
    if (clusters.size > 0 && !clusters.has(context.cluster)) {
      fail(
        `context "${name}" uses cluster "${context.cluster}", which is not in clusters`,
        loaded.lineOf(context, "cluster"),
      );
    }
    if (typeof context.user === "string" && !users.has(context.user)) {
      fail(
        `context "${name}" uses user "${context.user}", which is not in users`,
        loaded.lineOf(context, "user"),
      );
    }
  }
  const current = root["current-context"];
  if (typeof current !== "string" || current === "") {
    fail(
      "current-context is missing",
      loaded.lineOf(root),
      contexts.size > 0 ? `set it to one of: ${[...contexts.keys()].join(", ")}` : undefined,
    );
  } else if (contexts.size > 0 && !contexts.has(current)) {
    fail(
      `current-context "${current}" is not in contexts`,
      loaded.lineOf(root, "current-context"),
      `valid contexts: ${[...contexts.keys()].join(", ")}`,
    );
  }
  errors.throwIfAny();
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function looksBase64(text: string): boolean {
  if (text.length < 40 || !/^[A-Za-z0-9+/=\r\n]+$/.test(text)) return false;
  const decoded = Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8");
  return /clusters\s*:/.test(decoded) || /apiVersion\s*:/.test(decoded);
}
