// Running the real kubectl against the simulator. `findKubectl` looks at $KUBECTL, then $PATH, then the usual
// install locations (Debian's kubernetes-client installs /usr/bin/kubectl). Runs are asynchronous on purpose:
// the API server usually lives in the same process and must keep answering while kubectl waits.

import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, dirname, join } from "node:path";

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findKubectl(): string | undefined {
  const candidates = [
    process.env.KUBECTL,
    ...(process.env.PATH ?? "")
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, "kubectl")),
    "/usr/bin/kubectl",
    "/usr/local/bin/kubectl",
  ];
  return candidates.find((c): c is string => !!c && executable(c));
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runKubectl(
  bin: string,
  kubeconfig: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["--kubeconfig", kubeconfig, ...args], {
      // Discovery is cached per host:port; ports are reused across test servers, so keep the cache beside the
      // kubeconfig rather than in ~/.kube.
      env: {
        ...process.env,
        KUBECONFIG: kubeconfig,
        KUBECACHEDIR: join(dirname(kubeconfig), "kube-cache"),
        KUBECTL_COMMAND_HEADERS: "false",
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}
