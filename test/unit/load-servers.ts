// Real HTTP targets on 127.0.0.1 for the load engine's tests: each records what it saw, so tests compare the
// engine's figures with the server's.
import http from "node:http";
import https from "node:https";
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

// A self-signed certificate for hello.default.example.com, valid until 2126: test-only, for loopback servers,
// standing in for the self-signed or Host-issued certificates Knative gateways often present.
const TEST_TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbb8gApNPq+GOhEav
oyRPS2jCurwpj/AatFVLYBIWtWGhRANCAAQaBYWrnVtG7kK/swKlWwA7dw+kJ/gS
e6JW2fQiZuLn5Amy686Ov+xf/tBelrBwFKbyvR+s/NDdGtOK40Ky+nhs
-----END PRIVATE KEY-----`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBxDCCAWugAwIBAgIUHtqAmEZRzi+Yw95dDWZBujCe+HowCgYIKoZIzj0EAwIw
JDEiMCAGA1UEAwwZaGVsbG8uZGVmYXVsdC5leGFtcGxlLmNvbTAgFw0yNjExMjUx
NTA0MTBaGA8yMTI2MTEwMTE1MDQxMFowJDEiMCAGA1UEAwwZaGVsbG8uZGVmYXVs
dC5leGFtcGxlLmNvbTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBoFhaudW0bu
Qr+zAqVbADt3D6Qn+BJ7olbZ9CJm4ufkCbLrzo6/7F/+0F6WsHAUpvK9H6z80N0a
04rjQrL6eGyjeTB3MB0GA1UdDgQWBBR7scr1spcEXnTzvyp1iYrxl++S6TAfBgNV
HSMEGDAWgBR7scr1spcEXnTzvyp1iYrxl++S6TAPBgNVHRMBAf8EBTADAQH/MCQG
A1UdEQQdMBuCGWhlbGxvLmRlZmF1bHQuZXhhbXBsZS5jb20wCgYIKoZIzj0EAwID
RwAwRAIgYG3aOeGfVjWt/88sOx3zvQpohuaHATaKN0/pnDgRR48CIGYTTY71RihB
2EML/zGaizhscj7ZN/EJp1W760M5a847
-----END CERTIFICATE-----`,
};

export async function startServer(
  handler: Handler = (_req, res) => res.end("ok"),
  options: { tls?: boolean } = {},
): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const server = options.tls ? https.createServer(TEST_TLS, onRequest) : http.createServer(onRequest);
  const started = await listen(server, seen);
  return options.tls ? { ...started, url: started.url.replace("http:", "https:") } : started;
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
