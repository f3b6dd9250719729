// The `kubeconfig` input is a secret: its shape is checked here (clusters, contexts, users, current-context,
// as @kubernetes/client-node reads them) so that a wrong value fails before any cluster call, and no error
// message ever quotes its content, only line numbers and entry names.
import { ErrorCollector, InputError } from "./errors.js";
import { readInputFile, type FileInput, type ReadFile } from "./files.js";
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

/**
 * The kubeconfig content from the `kubeconfig` input or (CLI) the file `kubeconfig-file` names, validated either
 * way; undefined when neither is set (then the client's defaults apply, see findDefaultKubeconfig).
 */
export function resolveKubeconfig(content: string, file: string, readFile: ReadFile): string | undefined {
  if (content !== "" && file !== "") {
    throw new InputError("kubeconfig-file", "kubeconfig and kubeconfig-file are both set", {
      hint: "give one of them",
    });
  }
  if (file !== "") {
    const text = readInputFile(KUBECONFIG_FILE, file, readFile);
    validateKubeconfig(text, "kubeconfig-file");
    return text;
  }
  if (content === "") return undefined;
  validateKubeconfig(content, "kubeconfig");
  return content;
}

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

/** Where client-node's loadFromDefault would take the cluster from, when no kubeconfig content is given. */
export type DefaultKubeconfig =
  | { from: "KUBECONFIG"; paths: string[] }
  | { from: "home"; path: string }
  | { from: "in-cluster" }
  | { from: "none"; message: string };

/** The service account token a pod gets; with KUBERNETES_SERVICE_HOST it is the in-cluster configuration. */
export const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * The places client-node's KubeConfig.loadFromDefault looks, in its order: KUBECONFIG (a path list; like
 * kubectl, files that do not exist are skipped), ~/.kube/config, the in-cluster service account. When none
 * applies client-node falls back to http://localhost:8080, which is never what a user meant: that case is
 * "none", with a message listing the places looked at and how to set one. Pure: env and file checks come in.
 */
export function findDefaultKubeconfig(
  env: Record<string, string | undefined>,
  exists: (path: string) => boolean,
  pathDelimiter = ":",
): DefaultKubeconfig {
  const looked = ["the kubeconfig input / --kubeconfig-file (not set)"];
  const listed = (env.KUBECONFIG ?? "").split(pathDelimiter).filter((path) => path !== "");
  if (listed.length > 0) {
    const paths = listed.filter(exists);
    if (paths.length > 0) return { from: "KUBECONFIG", paths };
    looked.push(`KUBECONFIG (${listed.join(", ")}: no such file)`);
  } else {
    looked.push("KUBECONFIG (not set)");
  }
  const home = env.HOME || env.USERPROFILE;
  if (home) {
    const path = `${home.replace(/[/\\]$/, "")}/.kube/config`;
    if (exists(path)) return { from: "home", path };
    looked.push(`${path} (no such file)`);
  } else {
    looked.push("~/.kube/config (HOME not set)");
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  const token = exists(SERVICE_ACCOUNT_TOKEN);
  if (host && token) return { from: "in-cluster" };
  looked.push(
    `an in-cluster service account (${host ? `no ${SERVICE_ACCOUNT_TOKEN}` : "KUBERNETES_SERVICE_HOST not set"})`,
  );
  return {
    from: "none",
    message:
      `kubeconfig: no cluster is configured; looked at ${looked.join(", ")}. ` +
      "Set one: the kubeconfig input in a workflow (kubeconfig: ${{ secrets.KUBECONFIG }}), " +
      "--kubeconfig-file FILE or KUBECONFIG=FILE for the CLI, or run in a pod with a service account",
  };
}
