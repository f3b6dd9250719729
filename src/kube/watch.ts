// A watch that survives: list once, then watch from the list's resourceVersion; when the connection drops,
// watch again from the last version seen; when that version has expired (410 Gone) or the server cannot be
// reached, list again. Consumers keep state keyed by object identity, so a re-list never double-counts.
import type { Cluster } from "./cluster.js";
import { describeApiError, statusCodeOf } from "./errors.js";

export interface WatchedKind {
  apiVersion: string;
  kind: string;
  /** Lower-case plural for the REST path, e.g. "pods", "services". */
  plural: string;
  namespace: string;
}

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchedObject {
  metadata?: { resourceVersion?: string };
}

export interface ResilientWatchHandlers<T extends WatchedObject> {
  /** The complete current set, after the first list and after every re-list. */
  onSync(items: T[]): void;
  onEvent(type: "ADDED" | "MODIFIED" | "DELETED", object: T): void;
  /** A transient problem that the watch will retry; for logs. */
  onRetry?(message: string): void;
  /**
   * A refusal that no retry can change (401 Unauthorized, 403 Forbidden): the watch has stopped. Without
   * this handler the watch retries forever, blind.
   */
  onRefused?(message: string): void;
}

export interface WatchStats {
  lists: number;
  watches: number;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;

export function resourcePath(kind: WatchedKind): string {
  const [group, version] = kind.apiVersion.includes("/") ? kind.apiVersion.split("/") : ["", kind.apiVersion];
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return `${base}/namespaces/${encodeURIComponent(kind.namespace)}/${kind.plural}`;
}

/** Starts the watch loop; stop() ends it and closes the connection. */
export function resilientWatch<T extends WatchedObject>(
  cluster: Cluster,
  kind: WatchedKind,
  selectors: Selectors,
  handlers: ResilientWatchHandlers<T>,
): { stop(): void; stats: WatchStats; synced: Promise<void> } {
  const stats: WatchStats = { lists: 0, watches: 0 };
  let stopped = false;
  let current: AbortController | undefined;
  let wake: (() => void) | undefined;
  let markSynced: () => void = () => {};
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function list(): Promise<string> {
    stats.lists++;
    const result = await cluster.objects.list<T & { apiVersion: string; kind: string }>(
      kind.apiVersion,
      kind.kind,
      kind.namespace,
      undefined,
      undefined,
      undefined,
      selectors.fieldSelector,
      selectors.labelSelector,
    );
    handlers.onSync(result.items as T[]);
    markSynced();
    return result.metadata?.resourceVersion ?? "";
  }

  /** Resolves when the watch connection ends; reports whether the version expired. */
  async function watchFrom(
    resourceVersion: string,
    onVersion: (rv: string) => void,
  ): Promise<"gone" | "closed"> {
    stats.watches++;
    let gone = false;
    return new Promise((resolve, reject) => {
      cluster.watch
        .watch(
          resourcePath(kind),
          { ...selectors, resourceVersion, allowWatchBookmarks: true },
          (type: string, object: T & { code?: number }) => {
            if (type === "ERROR") {
              if (object.code === 410) gone = true;
              current?.abort();
              return;
            }
            const rv = object.metadata?.resourceVersion;
            if (rv) onVersion(rv);
            if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") handlers.onEvent(type, object);
          },
          (error: unknown) => {
            current = undefined;
            if (gone) resolve("gone");
            else if (error && !stopped && !isAbort(error)) reject(error);
            else resolve("closed");
          },
        )
        .then((controller) => {
          current = controller;
          if (stopped) controller.abort();
        }, reject);
    });
  }

  async function loop(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    let rv: string | undefined;
    let verb = "list";
    while (!stopped) {
      try {
        verb = "list";
        if (rv === undefined) rv = await list();
        verb = "watch";
        const started = Date.now();
        const outcome = await watchFrom(rv, (version) => (rv = version));
        if (outcome === "gone") rv = undefined;
        // A connection the server closes at once (restarting, overloaded) must not become a tight loop.
        if (Date.now() - started < 1000 && !stopped) {
          await sleep(backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        } else {
          backoff = MIN_BACKOFF_MS;
        }
      } catch (error) {
        if (stopped) break;
        const status = statusCodeOf(error) ?? (error as { statusCode?: number } | undefined)?.statusCode;
        if ((status === 401 || status === 403) && handlers.onRefused) {
          stopped = true;
          handlers.onRefused(refusal(verb, kind, status, error));
          break;
        }
        handlers.onRetry?.(`watch ${kind.plural}: ${describeApiError(error)}; retrying in ${backoff} ms`);
        rv = undefined;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  void loop();
  return {
    stats,
    synced,
    stop() {
      stopped = true;
      current?.abort();
      wake?.();
    },
  };
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === "AbortError";
}

/**
 * The API server's own message when it sent one (a list); a watch reports only the status, so name the verb,
 * the resource and where.
 */
function refusal(verb: string, kind: WatchedKind, status: number, error: unknown): string {
  if (statusCodeOf(error) !== undefined) return describeApiError(error);
  const group = kind.apiVersion.includes("/") ? kind.apiVersion.split("/")[0] : "";
  return (
    `cannot ${verb} resource "${kind.plural}" in API group "${group}" in the namespace "${kind.namespace}": ` +
    `${status === 401 ? "Unauthorized" : "Forbidden"} (HTTP ${status})`
  );
}
