// The post step and `knative-perf-gate cleanup` read the cluster the way a run does: parseCleanupSettings takes
// the same kubeconfig / kubeconfig-file inputs with the same checks, size limit and messages as parseSettings.
import { InputErrors } from "../../src/config/errors.js";
import { parseCleanupSettings, parseSettings } from "../../src/config/parse.js";
import { errorOf } from "./input-errors.js";

const KUBECONFIG = `clusters:
  - name: c
    cluster: {server: "https://127.0.0.1:6443"}
contexts:
  - name: c
    context: {cluster: c, user: u}
users:
  - name: u
    user: {token: abcdefghijkl}
current-context: c
`;
const SERVICE =
  "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\nspec:\n  template:\n" +
  "    spec:\n      containers:\n        - image: nginx\n";
const FILES: Record<string, string> = { "kube/config": KUBECONFIG, "service.yaml": SERVICE };

function reader() {
  const reads: Array<[string, number]> = [];
  return {
    reads,
    readFile: (path: string, maxBytes: number) => {
      reads.push([path, maxBytes]);
      if (!(path in FILES)) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return FILES[path];
    },
  };
}

describe("parseCleanupSettings", () => {
  it("takes the kubeconfig content, or none (then the client's defaults apply)", () => {
    expect(parseCleanupSettings({ kubeconfig: KUBECONFIG }, reader())).toEqual({
      kubeconfig: KUBECONFIG.trim(),
    });
    expect(parseCleanupSettings({}, reader())).toEqual({ kubeconfig: undefined });
    expect(parseCleanupSettings({ kubeconfig: "  " }, reader())).toEqual({ kubeconfig: undefined });
  });

  it("reads kubeconfig-file within its size limit, as a run does", () => {
    const files = reader();
    expect(parseCleanupSettings({ "kubeconfig-file": "kube/config" }, files).kubeconfig).toBe(KUBECONFIG);
    expect(files.reads).toEqual([["kube/config", 4 * 1024 * 1024]]);
  });

  it.each([
    [{ kubeconfig: "not: a kubeconfig" }],
    [{ kubeconfig: KUBECONFIG, "kubeconfig-file": "kube/config" }],
    [{ "kubeconfig-file": "nope" }],
  ])("refuses %j with the message a run would give", (raw) => {
    const cleanup = errorOf(() => parseCleanupSettings(raw, reader()));
    const run = errorOf(() => parseSettings({ ...raw, "service-file": "service.yaml" }, reader()));
    expect(cleanup.message).toBe(run.message);
  });

  it("reports every problem at once", () => {
    expect(() => parseCleanupSettings({ kubeconfig: "clusters: []\ncontexts: []\n" }, reader())).toThrow(
      InputErrors,
    );
  });
});
