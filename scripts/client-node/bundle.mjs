// Bundles src/kube/client-node.ts (the names of @kubernetes/client-node the gate uses) with esbuild into
// <out>/client-node.js, which src/kube/cluster.ts imports on first contact with a cluster. ncc is not used for
// it: its webpack cannot drop the generated API groups the package's index re-exports (no "sideEffects": false),
// so its chunk held all of them (4.1 MB minified); esbuild tree-shakes them. Two more things cut the time to
// load it (together 2.0 -> 1.8 MB, and 93 -> 75 ms for import + a KubeConfig, median of 10 runs on Node 24):
// - Node's modules are loaded with require, not `import`: importing a built-in as an ES module builds its ES
//   facade, which reads every export, and node:http's WebSocket/CloseEvent/MessageEvent getters then load
//   Node's own copy of undici, which nothing here uses.
// - client-node's undici is reduced to what client-node imports from it (scripts/client-node/undici.mjs).
// The licenses of what esbuild bundled are added to <out>/licenses.txt the way ncc writes its own.
import { appendFileSync, readFileSync, readdirSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { join } from "node:path";
import * as esbuild from "esbuild";

const CLIENT_NODE_DIST = "node_modules/@kubernetes/client-node/dist";
const UNDICI_PARTS = "scripts/client-node/undici.mjs";

export async function bundleClientNode(out) {
  const fromClientNode = createRequire(join(process.cwd(), CLIENT_NODE_DIST, "config.js"));
  const builtin = new RegExp(`^(node:)?(${builtinModules.map((m) => m.replace(/\//g, "\\/")).join("|")})$`);
  const result = await esbuild.build({
    entryPoints: ["src/kube/client-node.ts"],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    minify: true,
    legalComments: "none",
    // client-node's CommonJS dependencies, and the built-ins below, need a real require in an ES module.
    banner: {
      js: 'import{createRequire as __kpgCreateRequire}from"node:module";const require=__kpgCreateRequire(import.meta.url);',
    },
    metafile: true,
    outfile: join(out, "client-node.js"),
    logLevel: "warning",
    plugins: [
      {
        name: "client-node-start",
        setup(build) {
          build.onResolve({ filter: builtin }, (args) =>
            args.kind === "import-statement"
              ? { path: args.path, namespace: "builtin-by-require" }
              : undefined,
          );
          build.onLoad({ filter: /.*/, namespace: "builtin-by-require" }, (args) => ({
            contents: `module.exports = require(${JSON.stringify(args.path)});`,
            loader: "js",
          }));
          build.onResolve({ filter: /^undici$/ }, (args) =>
            args.importer.includes(`${CLIENT_NODE_DIST}/`)
              ? { path: join(process.cwd(), UNDICI_PARTS) }
              : undefined,
          );
          // undici.mjs's own imports resolve to the undici client-node depends on.
          build.onResolve({ filter: /^undici\/lib\// }, (args) =>
            args.importer.endsWith(UNDICI_PARTS) ? { path: fromClientNode.resolve(args.path) } : undefined,
          );
        },
      },
    ],
  });
  appendLicenses(out, result.metafile);
}

function appendLicenses(out, meta) {
  const licenses = join(out, "licenses.txt");
  const listed = new Set(
    readFileSync(licenses, "utf8")
      .split(/\n\n(?=\S)/)
      .map((entry) => entry.split("\n")[0]),
  );
  const packageDirs = new Set();
  for (const input of Object.keys(meta.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packageDirs.add(match[1]);
  }
  for (const dir of [...packageDirs].sort()) {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    if (listed.has(pkg.name)) continue;
    listed.add(pkg.name);
    const licenseFile = readdirSync(dir).find((file) => /^(licen[cs]e|copying)(\.|$)/i.test(file));
    const text = licenseFile ? readFileSync(join(dir, licenseFile), "utf8").trim() : "";
    appendFileSync(licenses, `\n${pkg.name}\n${pkg.license ?? ""}\n${text}\n`);
  }
}
