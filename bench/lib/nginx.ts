// The native keep-alive target for throughput: nginx answering `return 200` with one worker (the other core is
// left to the load generator), no access log, and connections kept open for the whole run.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { performance } from "node:perf_hooks";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((path) => existsSync(path));

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

export async function startNginx(): Promise<Nginx> {
  if (!NGINX) throw new Error("nginx is not installed: run bench/install-tools.sh");
  const dir = mkdtempSync(join(tmpdir(), "kpg-bench-nginx-"));
  const port = await freePort();
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((kind) => `  ${kind}_temp_path ${dir}/${kind};`)
    .join("\n");
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
${temp}
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "ok\\n"; }
  }
}
`,
  );
  const child = spawn(NGINX, ["-c", join(dir, "nginx.conf"), "-p", dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  const closed = once(child, "close");
  try {
    await waitForPort(port, 10_000, () => child.exitCode !== null);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`nginx did not start: ${(error as Error).message} ${stderr.trim()}`);
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      // SIGTERM is nginx's fast shutdown: the master stops its worker and exits.
      child.kill("SIGTERM");
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, deadlineMs: number, gaveUp: () => boolean): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (performance.now() < deadline && !gaveUp()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`port ${port} not open`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}
