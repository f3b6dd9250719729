// The kubeconfig input is checked for shape before any cluster call, and no message ever quotes its content.
import { KubeConfig } from "@kubernetes/client-node";
import { InputError, InputErrors } from "../../src/config/errors.js";
import { validateKubeconfig } from "../../src/config/kubeconfig.js";

const SECRET = "s3cr3t-token-value-that-must-never-be-printed";
const GOOD = `apiVersion: v1
kind: Config
clusters:
  - name: prod
    cluster:
      server: https://10.0.0.1:6443
      certificate-authority-data: ${Buffer.from("ca").toString("base64")}
contexts:
  - name: prod
    context:
      cluster: prod
      user: ci
      namespace: perf
current-context: prod
users:
  - name: ci
    user:
      token: ${SECRET}
`;

function errorsOf(content: string): InputError[] {
  try {
    validateKubeconfig(content);
  } catch (error) {
    if (error instanceof InputErrors) return error.errors;
    if (error instanceof InputError) return [error];
    throw error;
  }
  throw new Error("expected the kubeconfig to be refused");
}

describe("validateKubeconfig", () => {
  it("accepts a kubeconfig that @kubernetes/client-node loads", () => {
    expect(() => validateKubeconfig(GOOD)).not.toThrow();
    const kc = new KubeConfig();
    kc.loadFromString(GOOD);
    expect(kc.getCurrentCluster()?.server).toBe("https://10.0.0.1:6443");
  });

  it("accepts exec credentials and a context without a user", () => {
    const exec = GOOD.replace(
      `      token: ${SECRET}`,
      "      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: aws",
    );
    expect(() => validateKubeconfig(exec)).not.toThrow();
    expect(() => validateKubeconfig(GOOD.replace("      user: ci\n", ""))).not.toThrow();
  });

  it.each([
    ["YAML syntax", GOOD.replace("kind: Config", "kind: Config\n  bad: indent"), 3, /invalid YAML/],
    ["no clusters", GOOD.replace(/clusters:[\s\S]*?contexts:/, "contexts:"), 1, /clusters is missing/],
    [
      "empty clusters",
      GOOD.replace(/clusters:[\s\S]*?contexts:/, "clusters: []\ncontexts:"),
      3,
      /clusters must be a non-empty list/,
    ],
    [
      "cluster without name",
      GOOD.replace("  - name: prod\n    cluster:", "  - cluster:"),
      4,
      /clusters\[0\]\.name is missing/,
    ],
    [
      "server not a URL",
      GOOD.replace("https://10.0.0.1:6443", "10.0.0.1:6443"),
      6,
      /cluster "prod": cluster\.server must be an https:\/\//,
    ],
    [
      "context without cluster",
      GOOD.replace("      cluster: prod\n      user: ci", "      user: ci"),
      10,
      /context "prod" names no cluster/,
    ],
    [
      "context on unknown cluster",
      GOOD.replace("      cluster: prod\n", "      cluster: staging\n"),
      11,
      /uses cluster "staging", which is not in clusters/,
    ],
    [
      "current-context unknown",
      GOOD.replace("current-context: prod", "current-context: dev"),
      14,
      /current-context "dev" is not in contexts; valid contexts: prod/,
    ],
  ])("%s", (_name, content, line, message) => {
    const errors = errorsOf(content);
    expect(errors.some((e) => e.line === line && message.test(e.message))).toBe(true);
    for (const error of errors) expect(error.input).toBe("kubeconfig");
  });

  it("explains a path given instead of the content, and base64 content", () => {
    expect(errorsOf("/home/runner/.kube/config")[0].message).toMatch(
      /got a single line of text; pass the file's content, not its path/,
    );
    expect(errorsOf(Buffer.from(GOOD).toString("base64"))[0].message).toMatch(/looks base64-encoded/);
  });

  it("never quotes the content, even in YAML syntax errors next to a token", () => {
    const broken = [
      GOOD.replace(`token: ${SECRET}`, `token: "${SECRET}`),
      GOOD.replace(`token: ${SECRET}`, `token: ${SECRET}\n   bad: [`),
      GOOD.replace("current-context: prod", `current-context: prod\n${SECRET}`),
      SECRET,
      `- ${SECRET}`,
      GOOD.replace("name: ci\n", `name: ci\n  ${SECRET}: x\n`),
    ];
    for (const content of broken) {
      for (const error of errorsOf(content)) expect(error.message).not.toContain(SECRET.slice(0, 12));
    }
  });
});
