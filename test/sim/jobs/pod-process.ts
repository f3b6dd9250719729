// One Job pod's container as a local process: the simulator's container runtime for Job pods. The volumes it
// mounts are written to a temporary directory (ConfigMap and Secret keys as files, emptyDir empty) and paths
// under a mount point in the command are mapped there; `node` runs as this process's own Node binary with the
// cluster-network preload (cluster-local names reach the gateway); the environment is the container's own,
// not the simulator's. stdout and stderr are the container log.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}

/** A volume's content once resolved: files by key (ConfigMap, Secret) or an empty directory. */
export type VolumeFiles = Record<string, string>;

export interface ContainerExit {
  exitCode: number;
  /** The signal that ended it, when it was killed. */
  signal?: string;
  startedAt: Date;
  finishedAt: Date;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };
/** Kubelet keeps this much of a container's log (its default rotation size). */
const MAX_LOG_BYTES = 10 * 1024 * 1024;

const PRELOAD = fileURLToPath(new URL("./cluster-network.mjs", import.meta.url));

/** A started container process; `log` grows as it writes. */
export class ContainerProcess {
  log = "";
  readonly startedAt = new Date();
  readonly exited: Promise<ContainerExit>;
  private readonly child: ChildProcess;
  private readonly dir: string;

  private constructor(child: ChildProcess, dir: string) {
    this.child = child;
    this.dir = dir;
    const append = (chunk: Buffer) => {
      this.log += chunk.toString("utf8");
      if (this.log.length > MAX_LOG_BYTES) this.log = this.log.slice(this.log.length - MAX_LOG_BYTES);
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    this.exited = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        rmSync(this.dir, { recursive: true, force: true });
        resolve({
          exitCode: code ?? 128 + (SIGNAL_NUMBERS[signal ?? ""] ?? 9),
          ...(signal ? { signal } : {}),
          startedAt: this.startedAt,
          finishedAt: new Date(),
        });
      });
    });
  }

  /**
   * Starts the container, or throws a StartError-like message when it cannot run here (the simulator runs only
   * `node` commands).
   */
  static start(
    container: ContainerSpec,
    volumes: Record<string, VolumeFiles>,
    env: Record<string, string>,
    network: string | undefined,
  ): ContainerProcess {
    const [command, ...commandArgs] = container.command ?? ["node"];
    if (command !== "node" && !command.endsWith("/node")) {
      throw new StartError(
        `exec: "${command}": executable file not found in $PATH (the simulator runs node only)`,
      );
    }
    const dir = mkdtempSync(join(tmpdir(), "sim-pod-"));
    const mounts = (container.volumeMounts ?? []).map((m, i) => {
      const files = volumes[m.name];
      if (!files) throw new StartError(`volume "${m.name}" of mount ${m.mountPath} is not defined`);
      const local = join(dir, `mount-${i}`);
      mkdirSync(local, { recursive: true });
      for (const [key, text] of Object.entries(files)) writeFileSync(join(local, key), text);
      return { path: m.mountPath.replace(/\/+$/, ""), local };
    });
    const mapPath = (arg: string) => {
      for (const m of mounts)
        if (arg === m.path || arg.startsWith(`${m.path}/`)) return m.local + arg.slice(m.path.length);
      return arg;
    };
    const args = [...commandArgs, ...(container.args ?? [])].map(mapPath);
    const child = spawn(process.execPath, ["--import", PRELOAD, ...args], {
      cwd: container.workingDir ? mapPath(container.workingDir) : dir,
      env: {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        HOME: dir,
        ...env,
        ...(network ? { SIM_CLUSTER_NETWORK: JSON.stringify({ to: network }) } : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new ContainerProcess(child, dir);
  }

  kill(signal: NodeJS.Signals): boolean {
    return this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after the grace period, as the kubelet stops a container. */
  async stop(graceMs: number): Promise<ContainerExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}

export class StartError extends Error {}
