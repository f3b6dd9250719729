// A loopback target with a known service time, in its own process so it does not share an event loop with the
// load generator. It measures its own service time per request (arrival to response end): that is the truth
// the load tools' latency figures are compared with.
//
//   node delay-server.mjs --delay 20                   every request answered after 20 ms
//   node delay-server.mjs --stall-after 3000 --stall 1000
//                                                      answers at once, except that 3 s after the first request
//                                                      it stops answering for 1 s (a GC pause, a node hiccup)
//
// Prints `listening <port>` when ready; on SIGTERM prints one JSON line with its service-time percentiles.
import http from "node:http";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";

const { values } = parseArgs({
  options: {
    delay: { type: "string", default: "0" },
    "stall-after": { type: "string" },
    stall: { type: "string", default: "1000" },
  },
});
const delayMs = Number(values.delay);
const stallAfterMs = values["stall-after"] === undefined ? undefined : Number(values["stall-after"]);
const stallMs = Number(values.stall);

const serviceMs = [];
let firstRequestAt;
let stallStart = Infinity;
let stallEnd = -Infinity;

const server = http.createServer((req, res) => {
  const arrived = performance.now();
  if (firstRequestAt === undefined) {
    firstRequestAt = arrived;
    if (stallAfterMs !== undefined) {
      stallStart = arrived + stallAfterMs;
      stallEnd = stallStart + stallMs;
    }
  }
  const answer = () => {
    res.end("ok\n");
    serviceMs.push(performance.now() - arrived);
  };
  req.resume();
  req.on("end", () => {
    const now = performance.now();
    const wait = now >= stallStart && now < stallEnd ? stallEnd - now : delayMs;
    if (wait > 0) setTimeout(answer, wait);
    else answer();
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));

process.on("SIGTERM", () => {
  serviceMs.sort((a, b) => a - b);
  const at = (q) =>
    serviceMs.length ? serviceMs[Math.min(serviceMs.length - 1, Math.floor(q * serviceMs.length))] : 0;
  console.log(
    JSON.stringify({ requests: serviceMs.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) }),
  );
  process.exit(0);
});
