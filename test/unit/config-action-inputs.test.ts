// The action adapter: every action input is read from the runner's INPUT_* variables, secrets are masked the
// moment they are read, and the run's identity (PR, head SHA, run id) comes from the GitHub context.
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import { actionContext, maskKubeconfig, readActionInputs } from "../../src/config/action-inputs.js";
import { ACTION_INPUTS } from "../../src/config/inputs.js";

const TOKEN = "ghs_0123456789abcdefTOKEN";
const KUBECONFIG = `apiVersion: v1
clusters:
  - name: c
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: Q0FDQUNBQ0FDQQ==
users:
  - name: u
    user:
      token: "kube-token-0123456789"
      client-key-data: S0VZS0VZS0VZ
contexts: []
current-context: c
`;

const envName = (input: string) => `INPUT_${input.toUpperCase()}`;
let written: string[];

beforeEach(() => {
  written = [];
  jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const input of ACTION_INPUTS) delete process.env[envName(input.name)];
});

const masks = () =>
  written
    .filter((line) => line.startsWith("::add-mask::"))
    .map((line) => line.slice("::add-mask::".length).trim());

describe("readActionInputs", () => {
  it("reads every action input (empty when unset), trimming all but the body", () => {
    process.env[envName("service-file")] = "  svc.yaml \n";
    process.env[envName("body")] = ' {"a": 1}\n';
    process.env[envName("thresholds")] = "p99 < 1s\n";
    const raw = readActionInputs();
    expect(Object.keys(raw).sort()).toEqual(ACTION_INPUTS.map((i) => i.name).sort());
    expect(raw["service-file"]).toBe("svc.yaml");
    expect(raw.body).toBe(' {"a": 1}\n');
    expect(raw.thresholds).toBe("p99 < 1s");
    expect(raw.namespace).toBe("");
    expect(raw).not.toHaveProperty("kubeconfig-file");
  });

  it("masks the token and the kubeconfig, whole and credential by credential, before returning", () => {
    process.env[envName("github-token")] = TOKEN;
    process.env[envName("kubeconfig")] = KUBECONFIG;
    readActionInputs();
    const masked = masks();
    expect(masked).toContain(TOKEN);
    expect(masked).toContain("kube-token-0123456789");
    expect(masked).toContain("S0VZS0VZS0VZ");
    // A CA certificate is public; masking it would only blank out log lines.
    expect(masked).not.toContain("Q0FDQUNBQ0FDQQ==");
    // The whole content is masked too (as one escaped command).
    expect(written.some((line) => line.startsWith("::add-mask::apiVersion: v1%0Aclusters:"))).toBe(true);
    // Nothing else from the inputs was printed.
    expect(written.filter((line) => !line.startsWith("::add-mask::"))).toEqual([]);
  });

  it("masks nothing when the secrets are empty", () => {
    readActionInputs();
    expect(masks()).toEqual([]);
  });

  it("does not mask short or structural kubeconfig values (they would blank out common words in logs)", () => {
    maskKubeconfig("users:\n  - name: u\n    user:\n      token: abc\n");
    expect(masks()).toEqual(["users:%0A  - name: u%0A    user:%0A      token: abc%0A"]);
  });
});

describe("actionContext", () => {
  const base = {
    sha: "1111111111111111111111111111111111111111",
    ref: "refs/heads/main",
    runId: 42,
    repo: { owner: "acme", repo: "hello" },
  };

  it("uses the pull request's head commit, not the runner's merge commit", () => {
    const context = actionContext({
      ...base,
      ref: "refs/pull/7/merge",
      payload: { pull_request: { number: 7, head: { sha: "2222222222222222222222222222222222222222" } } },
    });
    expect(context).toEqual({
      pr: 7,
      sha: "2222222222222222222222222222222222222222",
      runId: "42",
      results: {
        repository: "acme/hello",
        sha: "2222222222222222222222222222222222222222",
        ref: "refs/pull/7/merge",
        pr: 7,
        runId: "42",
      },
    });
  });

  it("has no PR number on push", () => {
    expect(actionContext({ ...base, payload: {} })).toMatchObject({
      pr: undefined,
      sha: base.sha,
      runId: "42",
    });
  });

  it("works outside a workflow (no GITHUB_REPOSITORY)", () => {
    const noRepo = {
      ...base,
      payload: {},
      get repo(): { owner: string; repo: string } {
        throw new Error("context.repo requires a GITHUB_REPOSITORY environment variable like 'owner/repo'");
      },
    };
    expect(actionContext(noRepo).results.repository).toBeUndefined();
  });
});
