// A watch over HTTP: a chunked stream of JSON lines {"type": ..., "object": ...}, as the apiserver writes it.
// Starting from a compacted resourceVersion yields one ERROR event carrying a 410 Expired Status (what
// client-go's reflector and client-node's ListWatch react to), then the stream ends. Bookmarks are sent on an
// interval when asked for; timeoutSeconds ends the stream cleanly.

import type { ServerResponse } from "node:http";
import { isStatusError } from "./errors.js";
import type { K8sObject, Store, WatchEvent } from "../store.js";
import type { ResourceType } from "./resources.js";
import { apiVersionOf } from "./resources.js";
import { toTable, type IncludeObject } from "./tables.js";

export interface WatchParams {
  type: ResourceType;
  namespace?: string;
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds?: number;
  table: boolean;
  includeObject?: IncludeObject;
}

/** A running watch; `end` closes it cleanly, `fail` sends an ERROR event first. */
export interface ActiveWatch {
  end(): void;
  fail(status: object): void;
}

export function startWatch(
  store: Store,
  res: ServerResponse,
  p: WatchParams,
  opts: { bookmarkIntervalMs: number; defaultTimeoutSeconds: number; onClose: () => void },
): ActiveWatch | undefined {
  let firstTable = true;
  const write = (e: { type: string; object: unknown }) => {
    if (!res.writableEnded) res.write(JSON.stringify(e) + "\n");
  };
  const render = (o: K8sObject): unknown => {
    if (!p.table) return o;
    const t = toTable(p.type, [o], { includeObject: p.includeObject, noHeaders: !firstTable });
    firstTable = false;
    return t;
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const metadata: Record<string, unknown> = { resourceVersion: store.currentResourceVersion() };
    if (annotations) metadata.annotations = annotations;
    write({ type: "BOOKMARK", object: { kind: p.type.kind, apiVersion: apiVersionOf(p.type), metadata } });
  };

  res.writeHead(200, {
    "Content-Type": p.table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();

  let stop: () => void = () => {};
  const timers: NodeJS.Timeout[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    stop();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
    opts.onClose();
  };
  res.on("close", close);

  const initial = p.sendInitialEvents ? undefined : p.resourceVersion;
  try {
    stop = store.watch(
      p.type.id,
      p.namespace,
      initial,
      (e: WatchEvent) => write({ type: e.type, object: render(e.object) }),
      { labelSelector: p.labelSelector, fieldSelector: p.fieldSelector },
    );
  } catch (e) {
    if (!isStatusError(e)) throw e;
    write({ type: "ERROR", object: e.status });
    close();
    return undefined;
  }
  if (p.sendInitialEvents) bookmark({ "k8s.io/initial-events-end": "true" });

  if (p.allowWatchBookmarks && opts.bookmarkIntervalMs > 0) {
    const tick = () => {
      bookmark();
      timers[0] = setTimeout(tick, opts.bookmarkIntervalMs).unref();
    };
    timers[0] = setTimeout(tick, opts.bookmarkIntervalMs).unref();
  }
  const timeout = p.timeoutSeconds ?? opts.defaultTimeoutSeconds;
  timers.push(setTimeout(close, timeout * 1000).unref());

  return {
    end: close,
    fail(status: object) {
      write({ type: "ERROR", object: status });
      close();
    },
  };
}
