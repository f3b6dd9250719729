// The ceiling of any Node load generator on this machine: keep-alive connections over bare `net` sockets, one
// GET in flight per connection, the next written as soon as a response has arrived, no HTTP parsing and no
// bookkeeping. The gap between this and our engine is what autocannon and our recording cost; the gap between
// this and wrk is what one Node event loop costs per request.
//   node bench/node-net-client.mjs <url> <connections> <seconds>
// Assumes the target's response is small and ends with "ok\n" (nginx `return 200 "ok\n"`).
import net from "node:net";
import { performance } from "node:perf_hooks";

const [url, connections, seconds] = process.argv.slice(2);
const { hostname, port, pathname } = new URL(url);
const request = Buffer.from(
  `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n\r\n`,
);
let responses = 0;
let running = true;
const sockets = [];
const started = performance.now();
for (let i = 0; i < Number(connections); i++) {
  const socket = net.connect(Number(port), hostname, () => socket.write(request));
  socket.on("data", (chunk) => {
    if (chunk.at(-1) !== 0x0a || chunk.at(-2) !== 0x6b || chunk.at(-3) !== 0x6f) return;
    responses++;
    if (running) socket.write(request);
  });
  socket.on("error", () => {});
  sockets.push(socket);
}
setTimeout(
  () => {
    running = false;
    const elapsed = (performance.now() - started) / 1000;
    for (const socket of sockets) socket.destroy();
    console.log(
      JSON.stringify({
        tool: "node net",
        rps: responses / elapsed,
        requests: responses,
        p50: 0,
        p90: 0,
        p99: 0,
        errors: 0,
      }),
    );
  },
  Number(seconds) * 1000,
);
