// Child processes for the benchmark: every tool and target runs in its own process, so none shares an event
// loop or a heap with another, and each is bounded by a deadline.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";

export interface Finished {
  stdout: string;
  stderr: string;
  code: number | null;
  ms: number;
}

/** Runs a command to completion (killed at the deadline) and returns its output. */
export async function run(command: string, args: string[], deadlineMs: number): Promise<Finished> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), deadlineMs);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited with ${code}: ${(stderr || stdout).trim().slice(-500)}`,
    );
  }
  return { stdout, stderr, code, ms: performance.now() - started };
}

export interface Service {
  child: ChildProcess;
  /** The line it printed when ready, e.g. `listening 40123`. */
  ready: string;
  /** SIGTERM, then the rest of its stdout (a target prints its own statistics there). */
  stop(): Promise<string>;
}

/** Starts a long-running process and waits for a stdout line matching `readyLine`. */
export async function startService(
  command: string,
  args: string[],
  readyLine: RegExp,
  deadlineMs = 10_000,
): Promise<Service> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`${command} did not become ready within ${deadlineMs} ms: ${stderr.trim().slice(-300)}`),
      );
    }, deadlineMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      const line = stdout.split("\n").find((l) => readyLine.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready: ${stderr.trim().slice(-300)}`));
    });
  });
  const readyAt = stdout.length;
  return {
    child,
    ready,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return stdout.slice(readyAt);
      const closed = once(child, "close");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await closed;
      clearTimeout(timer);
      return stdout.slice(readyAt);
    },
  };
}

/** Time from spawning a command to the first byte it writes (stdout or stderr), then it is killed. */
export async function timeToFirstOutput(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  deadlineMs = 10_000,
): Promise<{ ms: number; firstLine: string }> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
  const closed = once(child, "close");
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${command} ${args.join(" ")}: no output in ${deadlineMs} ms`)),
        deadlineMs,
      );
      const onData = (chunk: Buffer) => {
        clearTimeout(timer);
        resolve({ ms: performance.now() - started, firstLine: chunk.toString().split("\n")[0] });
      };
      child.stdout.once("data", onData);
      child.stderr.once("data", onData);
      child.once("close", () => {
        clearTimeout(timer);
        reject(new Error(`${command} ${args.join(" ")} exited without output`));
      });
    });
  } finally {
    child.kill("SIGKILL");
    await closed;
  }
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
