// The simulated Kubernetes API server on loopback: discovery, OpenAPI v3, CRUD/patch/apply/watch on the
// store's resources, audit log, fault knobs and (optional) token RBAC. Plain http; kubectl and client-node
// accept an http server URL in a kubeconfig (see kubeconfig.ts).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { Socket } from "node:net";
import { AuditLog, type AuditFilter } from "./audit.js";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from "./discovery.js";
import { isStatusError, StatusError } from "./errors.js";
import { Faults, type FaultConfig, type FaultState, type RequestHook } from "./faults.js";
import {
  decodeBody,
  mediaType,
  readBody,
  sendError,
  sendJson,
  sendText,
  sleep,
  wantsTable,
} from "./http-io.js";
import { openApiV3Document, openApiV3Root } from "./openapi.js";
import { Authorizer, type AuthConfig } from "./rbac.js";
import { resolveRequest, type ResourceRequest } from "./request-info.js";
import { handleResource } from "./resource-handlers.js";
import { startWatch, type ActiveWatch } from "./watch-stream.js";
import type { Store } from "../store.js";

export interface ApiServerOptions {
  store: Store;
  /** Port on 127.0.0.1; 0 or undefined picks a free one. */
  port?: number;
  /** Audit log to record into (default: a new one). */
  audit?: AuditLog;
  faults?: FaultConfig;
  auth?: AuthConfig;
  /** Interval of BOOKMARK events on watches that allow them. Default 60000 (about the apiserver's minute). */
  bookmarkIntervalMs?: number;
  /** Watch duration when the client gives no timeoutSeconds. Default 1800 (the apiserver's minimum). */
  watchTimeoutSeconds?: number;
  /**
   * Serve https with this key and certificate (PEM). kubectl sends bearer tokens only over TLS, so RBAC tests
   * with kubectl need it; client-node sends them over http too.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Text of GET pods/<name>/log. */
  podLog?: (namespace: string, name: string, container: string | undefined) => string;
}

export interface ApiServer {
  url: string;
  port: number;
  store: Store;
  audit: AuditLog;
  /** Stops listening and closes every connection and watch. */
  close(): Promise<void>;
  /**
   * Ends every watch and connection, keeps the store, listens again on the same port after `downMs`. With
   * `abrupt` connections are reset mid-stream instead of watches ending cleanly.
   */
  restart(opts?: { downMs?: number; abrupt?: boolean }): Promise<void>;
  /** Compacts watch history and ends every open watch with a 410 Expired ERROR event. */
  expireWatches(): void;
  /** Ends every open watch stream without an error (clients resume from their last resourceVersion). */
  dropWatches(): void;
  activeWatches(): number;
  setFaults(config: FaultConfig): void;
  clearFaults(): void;
  faultState(): FaultState;
  setRequestHook(hook: RequestHook | undefined): void;
  setAuth(config: AuthConfig | undefined): void;
}

const SIM_PREFIX = "/sim/";

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { store } = opts;
  const audit = opts.audit ?? new AuditLog();
  const faults = new Faults();
  if (opts.faults) faults.set(opts.faults);
  const auth = new Authorizer(opts.auth);
  const watches = new Set<ActiveWatch>();
  const sockets = new Set<Socket>();
  let port = opts.port ?? 0;
  let server: Server;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      // Nothing a client sends may take the process down: whatever escapes becomes a 500 Status.
      const handler = (req: IncomingMessage, res: ServerResponse) =>
        void handle(req, res).catch((e) => sendError(res, toStatusError(e)));
      server = opts.tls
        ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
        : createServer(handler);
      server.keepAliveTimeout = 65_000;
      server.on("connection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const addr = server.address();
        if (addr && typeof addr === "object") port = addr.port;
        resolve();
      });
    });

  /**
   * Ends every watch stream cleanly (like an apiserver shutting down: clients see the stream end and re-watch),
   * then drops all connections. `abrupt` resets them instead, as a crash would (clients see a network error).
   */
  const shutdown = async (abrupt = false) => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (!abrupt) {
      for (const w of [...watches]) w.end();
      await sleep(20);
    }
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    await closed;
  };

  const api: ApiServer = {
    get url() {
      return `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    store,
    audit,
    close: () => shutdown(),
    async restart(r = {}) {
      await shutdown(r.abrupt);
      if (r.downMs) await sleep(r.downMs);
      await listen();
    },
    expireWatches() {
      store.expireHistory();
      const status = StatusError.expired(
        `too old resource version: ${store.currentResourceVersion()}`,
      ).status;
      for (const w of [...watches]) w.fail(status);
    },
    dropWatches() {
      for (const w of [...watches]) w.end();
    },
    activeWatches: () => watches.size,
    setFaults: (c) => faults.set(c),
    clearFaults: () => faults.clear(),
    faultState: () => faults.state(),
    setRequestHook(hook) {
      faults.hook = hook;
    },
    setAuth: (c) => auth.configure(c),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.startsWith(SIM_PREFIX)) {
      await handleSim(req, res, url).catch((e) => sendError(res, toStatusError(e)));
      return;
    }
    const started = Date.now();
    const info = resolveRequest(req.method ?? "GET", url);
    let user = "system:anonymous";
    let recorded = false;
    const record = (status: number) => {
      if (recorded) return;
      recorded = true;
      const r = info.kind === "resource" ? info : undefined;
      audit.record({
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.search.replace(/^\?/, ""),
        verb: info.verb,
        apiGroup: r?.group,
        resource: r?.type.plural,
        subresource: r?.subresource,
        namespace: r?.namespace,
        name: r?.name,
        user,
        userAgent: req.headers["user-agent"],
        status,
        time: new Date(started).toISOString(),
        durationMs: Date.now() - started,
      });
    };
    res.on("finish", () => record(res.statusCode));
    res.on("close", () => record(res.statusCode));
    try {
      user = auth.authenticate(req.headers.authorization);
      const latency = faults.latencyFor(info);
      if (latency > 0) await sleep(latency);
      const hooked = await faults.hook?.(info, { method: req.method ?? "GET", url: req.url ?? "/" });
      if (hooked) throw hooked;
      auth.authorize(user, info);
      const injected = faults.failureFor(info);
      if (injected) throw injected;
      if (info.kind === "nonresource") return serveNonResource(res, url);
      if (info.kind === "unknown") throw notFoundPath();
      if (info.verb === "watch") return serveWatch(req, res, url, info, () => record(200));
      const hasBody = ["POST", "PUT", "PATCH", "DELETE"].includes(req.method ?? "");
      const type = mediaType(req);
      const body = hasBody ? decodeBody(await readBody(req), type) : undefined;
      const warnings: string[] = [];
      const [status, out, textType] = handleResource({
        store,
        info,
        query: url.searchParams,
        user,
        userAgent: req.headers["user-agent"] ?? "",
        table: wantsTable(req),
        body,
        contentType: type,
        podLog: opts.podLog,
        warnings,
      });
      if (warnings.length > 0)
        res.setHeader(
          "Warning",
          warnings.map((w) => `299 - ${JSON.stringify(w)}`),
        );
      if (textType) sendText(res, status, out as string);
      else sendJson(res, status, out);
    } catch (e) {
      sendError(res, toStatusError(e));
    }
  }

  function serveWatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    info: ResourceRequest,
    started: () => void,
  ): void {
    const q = url.searchParams;
    let fieldSelector = q.get("fieldSelector") ?? undefined;
    if (info.name) fieldSelector = [fieldSelector, `metadata.name=${info.name}`].filter(Boolean).join(",");
    const timeout = q.get("timeoutSeconds");
    // Selector errors must surface as HTTP errors before the stream starts.
    store.list(info.type.id, info.namespace, {
      labelSelector: q.get("labelSelector") ?? undefined,
      fieldSelector,
    });
    // The watch may end (410) inside startWatch, before it could be registered.
    const handle: { watch?: ActiveWatch } = {};
    const w = startWatch(
      store,
      res,
      {
        type: info.type,
        namespace: info.namespace,
        resourceVersion: q.get("resourceVersion") ?? undefined,
        labelSelector: q.get("labelSelector") ?? undefined,
        fieldSelector,
        allowWatchBookmarks: q.get("allowWatchBookmarks") === "true",
        sendInitialEvents: q.get("sendInitialEvents") === "true",
        timeoutSeconds: timeout ? Number(timeout) : undefined,
        table: wantsTable(req),
      },
      {
        bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
        defaultTimeoutSeconds: opts.watchTimeoutSeconds ?? 1800,
        onClose: () => {
          if (handle.watch) watches.delete(handle.watch);
        },
      },
    );
    started();
    handle.watch = w;
    if (w) watches.add(w);
  }

  function serveNonResource(res: ServerResponse, url: URL): void {
    const p = url.pathname.replace(/\/+$/, "") || "/";
    const segs = p.split("/").filter(Boolean);
    if (p === "/version") return sendJson(res, 200, SERVER_VERSION);
    if (p === "/healthz" || p === "/livez" || p === "/readyz") return sendText(res, 200, "ok");
    if (p === "/api") return sendJson(res, 200, apiVersions(`127.0.0.1:${port}`));
    if (p === "/apis") return sendJson(res, 200, apiGroupList());
    if (segs[0] === "api" && segs.length === 2) return sendDoc(res, apiResourceList("", segs[1]));
    if (segs[0] === "apis" && segs.length === 2) return sendDoc(res, apiGroup(segs[1]));
    if (segs[0] === "apis" && segs.length === 3) return sendDoc(res, apiResourceList(segs[1], segs[2]));
    if (p === "/openapi/v3") return sendJson(res, 200, openApiV3Root());
    if (segs[0] === "openapi" && segs[1] === "v3") {
      const [kind, a, b] = segs.slice(2);
      if (kind === "api" && a && !b) return sendDoc(res, openApiV3Document("", a));
      if (kind === "apis" && a && b) return sendDoc(res, openApiV3Document(a, b));
    }
    throw notFoundPath();
  }

  async function handleSim(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
    const q = url.searchParams;
    switch (route) {
      case "GET /sim/requests": {
        const filter: AuditFilter = {};
        for (const k of ["verb", "resource", "namespace", "name", "since"] as const) {
          const v = q.get(k);
          if (v) filter[k] = v;
        }
        return sendJson(res, 200, audit.list(filter));
      }
      case "DELETE /sim/requests":
        audit.clear();
        return sendJson(res, 200, { cleared: true });
      case "GET /sim/faults":
        return sendJson(res, 200, { ...faults.state(), activeWatches: watches.size });
      case "PUT /sim/faults":
      case "POST /sim/faults": {
        const body = decodeBody(await readBody(req), "application/json") as FaultConfig;
        faults.set(body ?? {});
        return sendJson(res, 200, faults.state());
      }
      case "DELETE /sim/faults":
        faults.clear();
        return sendJson(res, 200, faults.state());
      case "POST /sim/faults/restart": {
        const downMs = Number(q.get("downMs") ?? 0);
        const abrupt = q.get("abrupt") === "true";
        sendJson(res, 202, { restarting: true, downMs, abrupt });
        res.on("finish", () => setImmediate(() => void api.restart({ downMs, abrupt })));
        return;
      }
      case "POST /sim/faults/expire-watches":
        api.expireWatches();
        return sendJson(res, 200, { expired: true, resourceVersion: store.currentResourceVersion() });
      case "POST /sim/faults/drop-watches": {
        const dropped = watches.size;
        api.dropWatches();
        return sendJson(res, 200, { dropped });
      }
      default:
        throw notFoundPath();
    }
  }

  await listen();
  return api;
}

function sendDoc(res: ServerResponse, doc: object | undefined): void {
  if (!doc) throw notFoundPath();
  sendJson(res, 200, doc);
}

function notFoundPath(): StatusError {
  return new StatusError(404, "NotFound", "the server could not find the requested resource", {});
}

function toStatusError(e: unknown): StatusError {
  if (isStatusError(e)) return e;
  return StatusError.internal(e instanceof Error ? e.message : String(e));
}
