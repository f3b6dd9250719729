// Real HTTP targets on 127.0.0.1 for the load engine's tests: each records what it saw, so tests compare the
// engine's figures with the server's.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { LoadSettings, RequestSettings } from "../../src/config/settings.js";

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  url: string;
  port: number;
  /** Every request the server received, in arrival order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export async function startServer(handler: Handler = (_req, res) => res.end("ok")): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  return listen(server, seen);
}

/** A TCP server for misbehaving targets (resets, silence). */
export async function startRawServer(onConnection: (socket: net.Socket) => void): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  const started = await listen(server, []);
  return {
    ...started,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await started.close();
    },
  };
}

async function listen(server: http.Server | net.Server, seen: SeenRequest[]): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bind one, note it, release it. */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function request(overrides: Partial<RequestSettings> = {}): RequestSettings {
  return { path: "/", method: "GET", headers: {}, timeoutMs: 5000, ...overrides };
}

export function load(overrides: Partial<LoadSettings> = {}): LoadSettings {
  return { durationMs: 1000, connections: 4, warmupMs: 0, ...overrides };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
