// No cluster configured anywhere (no kubeconfig input, KUBECONFIG unset, no ~/.kube/config, not in a pod): the
// CLI says so, lists the places it looked at and how to set one, and exits 3, instead of trying client-node's
// last resort http://localhost:8080. And the places it looks at are the ones client-node's loadFromDefault
// reads, in its order.
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCli } from "../../src/cli.js";
import { findDefaultKubeconfig, SERVICE_ACCOUNT_TOKEN } from "../../src/config/kubeconfig.js";
import { openCluster } from "../../src/kube/cluster.js";
import { kubeconfigYaml } from "../sim/api/kubeconfig.js";

const SERVICE = resolve("examples/helloworld-service.yaml");

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "kpg-no-cluster-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `fn` with the environment changed as given (undefined: unset), then puts it back. */
async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(env);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

describe("no cluster configured", () => {
  it("the CLI says so, lists where it looked and how to set one, exit 3, no localhost:8080", async () => {
    const home = join(dir, "home");
    mkdirSync(home);
    let stderr = "";
    const started = performance.now();
    const code = await withEnv(
      { HOME: home, KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined },
      () =>
        runCli(
          [
            "run",
            `--service-file=${SERVICE}`,
            "--no-comment",
            `--state-file=${join(dir, "state.json")}`,
            `--results-file=${join(dir, "results.json")}`,
          ],
          { stdout: () => undefined, stderr: (text) => (stderr += text) },
        ),
    );
    expect(code).toBe(3);
    const message = /^error: (kubeconfig: no cluster is configured.*)$/m.exec(stderr)?.[1];
    expect(message).toBe(
      "kubeconfig: no cluster is configured; looked at the kubeconfig input / --kubeconfig-file (not set), " +
        `KUBECONFIG (not set), ${home}/.kube/config (no such file), an in-cluster service account ` +
        "(KUBERNETES_SERVICE_HOST not set). Set one: the kubeconfig input in a workflow " +
        "(kubeconfig: ${{ secrets.KUBECONFIG }}), --kubeconfig-file FILE or KUBECONFIG=FILE for the CLI, " +
        "or run in a pod with a service account",
    );
    expect(stderr).not.toMatch(/localhost:8080|HTTP protocol is not allowed/);
    expect(performance.now() - started).toBeLessThan(5000);
    // Nothing was changed, so there is no cleanup plan to leave behind.
    expect(existsSync(join(dir, "state.json"))).toBe(false);
  });

  it("KUBECONFIG naming only files that do not exist counts as not configured, as kubectl skips them", async () => {
    await withEnv(
      { HOME: dir, KUBECONFIG: `${join(dir, "a")}:${join(dir, "b")}`, KUBERNETES_SERVICE_HOST: undefined },
      async () => {
        await expect(openCluster()).rejects.toThrow(
          new RegExp(`KUBECONFIG \\(${join(dir, "a")}, ${join(dir, "b")}: no such file\\)`),
        );
      },
    );
  });

  it("uses the KUBECONFIG files that exist, merged in order, skipping missing ones", async () => {
    const first = join(dir, "first");
    writeFileSync(first, kubeconfigYaml("https://127.0.0.1:6443", { token: "t-0123456789" }));
    const cluster = await withEnv(
      { HOME: dir, KUBECONFIG: `${join(dir, "absent")}:${first}`, KUBERNETES_SERVICE_HOST: undefined },
      () => openCluster(),
    );
    expect(cluster.server).toBe("https://127.0.0.1:6443");
  });

  it("takes ~/.kube/config when KUBECONFIG is unset", async () => {
    mkdirSync(join(dir, ".kube"));
    writeFileSync(
      join(dir, ".kube", "config"),
      kubeconfigYaml("https://10.0.0.1:6443", { token: "t-0123456789" }),
    );
    const cluster = await withEnv(
      { HOME: dir, KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined },
      () => openCluster(),
    );
    expect(cluster.server).toBe("https://10.0.0.1:6443");
  });
});

describe("findDefaultKubeconfig: client-node's loadFromDefault order", () => {
  const files =
    (...present: string[]) =>
    (path: string) =>
      present.includes(path);

  it("KUBECONFIG first, then ~/.kube/config, then the in-cluster service account", () => {
    const all = files("/k1", "/h/.kube/config", SERVICE_ACCOUNT_TOKEN);
    const env = { KUBECONFIG: "/k0:/k1", HOME: "/h", KUBERNETES_SERVICE_HOST: "10.0.0.1" };
    expect(findDefaultKubeconfig(env, all)).toEqual({ from: "KUBECONFIG", paths: ["/k1"] });
    expect(findDefaultKubeconfig({ ...env, KUBECONFIG: "" }, all)).toEqual({
      from: "home",
      path: "/h/.kube/config",
    });
    expect(findDefaultKubeconfig({ ...env, KUBECONFIG: undefined, HOME: "/other" }, all)).toEqual({
      from: "in-cluster",
    });
  });

  it("in a pod only with both KUBERNETES_SERVICE_HOST and the token", () => {
    const tokenOnly = findDefaultKubeconfig({ HOME: "/h" }, files(SERVICE_ACCOUNT_TOKEN));
    expect(tokenOnly).toMatchObject({ from: "none" });
    expect(tokenOnly.from === "none" && tokenOnly.message).toMatch(/KUBERNETES_SERVICE_HOST not set/);
    const hostOnly = findDefaultKubeconfig({ HOME: "/h", KUBERNETES_SERVICE_HOST: "10.0.0.1" }, files());
    expect(hostOnly.from === "none" && hostOnly.message).toMatch(`no ${SERVICE_ACCOUNT_TOKEN}`);
  });
});
