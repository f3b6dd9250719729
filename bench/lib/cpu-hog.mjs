// A noisy neighbour on the runner for the verdict benchmark (bench/verdict.ts): one process that busy-loops on
// one core for a random 0.5–3 s, then idles for a random 0.5–3 s, and so on, from a seeded PRNG (mulberry32,
// as the simulator's noise and the bootstrap use), so the same seed plays the same on/off schedule.
//   node bench/lib/cpu-hog.mjs <seed>
// Prints `hog ready` once started; on SIGTERM prints one JSON line {"onMs","offMs","switches"} and exits. The busy
// phase runs in 20 ms slices with a turn of the event loop between them, so SIGTERM is answered at once.
import { performance } from "node:perf_hooks";
import { setImmediate } from "node:timers";

const seed = Number(process.argv[2] ?? "1");
if (!Number.isInteger(seed)) {
  process.stderr.write(`cpu-hog: seed "${process.argv[2]}" must be a whole number\n`);
  process.exit(2);
}

let a = seed >>> 0;
const random = () => {
  a = (a + 0x6d2b79f5) >>> 0;
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const phaseMs = () => 500 + random() * 2500;

let onMs = 0;
let offMs = 0;
let switches = 0;
let phaseStart = performance.now();
let busy = false;
let sink = 0;

function busyUntil(end) {
  const sliceEnd = Math.min(end, performance.now() + 20);
  while (performance.now() < sliceEnd) sink += Math.sqrt(sink + 1);
  if (performance.now() < end) setImmediate(() => busyUntil(end));
  else toggle();
}

function toggle() {
  const now = performance.now();
  if (busy) onMs += now - phaseStart;
  else if (switches > 0) offMs += now - phaseStart;
  busy = !busy;
  switches++;
  phaseStart = now;
  const length = phaseMs();
  if (busy) busyUntil(now + length);
  else setTimeout(toggle, length);
}

process.on("SIGTERM", () => {
  const now = performance.now();
  if (busy) onMs += now - phaseStart;
  else offMs += now - phaseStart;
  process.stdout.write(
    `${JSON.stringify({ onMs: Math.round(onMs), offMs: Math.round(offMs), switches, sink: sink > 0 })}\n`,
  );
  process.exit(0);
});

process.stdout.write("hog ready\n");
toggle();
