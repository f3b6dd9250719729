// A TCP proxy in front of the simulator's gateway that, counting requests across keep-alive connections, resets
// the connection on every `resetEvery`-th request and leaves every `hangEvery`-th one unanswered; the rest pass.
// For the reliability and chaos tests: what the engine counts must match what the proxy did.
import { createConnection, createServer, type Socket } from "node:net";

export interface FaultyGateway {
  address: string;
  counts: { requests: number; resets: number; hangs: number };
  close(): Promise<void>;
}

export async function faultyGateway(
  gateway: string,
  opts: { resetEvery: number; hangEvery?: number },
): Promise<FaultyGateway> {
  const target = new URL(gateway);
  const sockets = new Set<Socket>();
  const counts = { requests: 0, resets: 0, hangs: 0 };
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    upstream.on("close", () => client.destroy());
    upstream.pipe(client);
    let hung = false;
    // One chunk is one request: the load engine sends small requests and waits for each answer.
    client.on("data", (chunk: Buffer) => {
      if (hung) return;
      const n = ++counts.requests;
      if (opts.hangEvery !== undefined && n % opts.hangEvery === 0) {
        counts.hangs++;
        hung = true;
      } else if (n % opts.resetEvery === 0) {
        counts.resets++;
        upstream.unpipe(client);
        client.resetAndDestroy();
        upstream.destroy();
      } else {
        upstream.write(chunk);
      }
    });
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    address: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
