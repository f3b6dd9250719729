// The CLI's start path (issue 16): from `dist/cli.js` to its first API request, the bundled CLI must load none of
// what only the action or a load needs: @actions/core (its OIDC client brings @actions/http-client and undici
// 6), @actions/github with octokit, hdr-histogram-js with pako. src/index.ts keeps them behind `import()`, so ncc
// puts them in chunk files of their own; a static import from anything the CLI imports would pull them back into
// dist/index.js (or make index.js load their chunk at once) and add tens of milliseconds to every run.
//
// How, with no timing: dist/cli.js runs in a child under a module hook (--import) that records every file the
// child resolves, and that listens as the API server on loopback. The first connection to it is the first API
// request (whatever its path; the TLS handshake is never answered): the child then prints the files loaded so
// far and exits; with the server unreferenced, a CLI that ends without a request exits with its error. Every
// one of them must be free of the packages' signatures, strings each package needs for what it does (a header,
// an environment variable, a log format) and that survive minification. Each signature must occur somewhere
// in dist/, or the check would pass without checking anything (then pick a new one). Needs the built dist/.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { workDir } from "./harness.js";

const DIST = resolve("dist");
const MARK = "start-path:";

/** Strings that only these packages' code holds in the bundle. */
const SIGNATURES: Record<string, string> = {
  "@actions/core (OIDC client: @actions/http-client, undici 6)": "ACTIONS_ID_TOKEN_REQUEST_URL",
  "@actions/github (octokit)": "octokit-core.js/",
  "hdr-histogram-js (HistogramLogReader)": "#[StartTime:",
};

/** Records resolved files; the API server's first connection prints them and ends the process. */
const HOOK = `
import { registerHooks } from "node:module";
import { createServer } from "node:net";
import { writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
const loaded = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    loaded.push(result.url);
    return result;
  },
});
const server = createServer(() => {
  writeSync(1, ${JSON.stringify(MARK)} + JSON.stringify(loaded) + "\\n");
  process.exit(0);
});
await new Promise((listening) => server.listen(0, "127.0.0.1", listening));
server.unref();
const kubeconfig = join(process.cwd(), "kubeconfig");
const cluster = { server: "https://127.0.0.1:" + server.address().port, "insecure-skip-tls-verify": true };
writeFileSync(kubeconfig, JSON.stringify({
  apiVersion: "v1",
  kind: "Config",
  clusters: [{ name: "c", cluster }],
  users: [{ name: "u", user: { token: "start-path-token" } }],
  contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
  "current-context": "x",
}));
process.env.KUBECONFIG = kubeconfig;
`;

/** The files (absolute paths) a CLI run had loaded when it opened its first connection to the API server. */
function filesLoadedBeforeFirstRequest(): string[] {
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      `data:text/javascript,${encodeURIComponent(HOOK)}`,
      join(DIST, "cli.js"),
      "run",
      `--service-file=${resolve("examples/helloworld-service.yaml")}`,
      "--gateway=127.0.0.1:9",
    ],
    { cwd: workDir(), encoding: "utf8", env: { PATH: process.env.PATH ?? "" }, timeout: 30_000 },
  );
  const line = run.stdout.split("\n").find((l) => l.startsWith(MARK));
  if (!line) {
    throw new Error(
      `the CLI never reached the API server (exit ${run.status}, signal ${run.signal}):\n${run.stderr}`,
    );
  }
  return (JSON.parse(line.slice(MARK.length)) as string[])
    .filter((url) => url.startsWith("file:"))
    .map((url) => fileURLToPath(url));
}

describe("dist/cli.js up to its first API request", () => {
  const distFiles = readdirSync(DIST)
    .filter((file) => /\.(m?js)$/.test(file))
    .map((file) => join(DIST, file));

  it.each(Object.entries(SIGNATURES))(
    "the signature of %s is in dist/ (so the check means something)",
    (_, sig) => {
      expect(distFiles.filter((file) => readFileSync(file, "utf8").includes(sig))).not.toEqual([]);
    },
  );

  it("loads no file that holds @actions/core, @actions/github or hdr-histogram-js", () => {
    const loaded = filesLoadedBeforeFirstRequest();
    const fromDist = loaded.filter((file) => file.startsWith(`${DIST}/`));
    // It did run the bundle: the entry and the bundle itself were loaded.
    expect(fromDist).toEqual(expect.arrayContaining([join(DIST, "cli.js"), join(DIST, "index.js")]));
    const found = fromDist.flatMap((file) => {
      const text = readFileSync(file, "utf8");
      return Object.entries(SIGNATURES)
        .filter(([, sig]) => text.includes(sig))
        .map(([name]) => `${name} in ${file.slice(DIST.length + 1)}`);
    });
    expect(found).toEqual([]);
  });
});
