// Bundles the action and CLI into dist/ with ncc. One bundle (dist/index.js) holds all code, so
// @kubernetes/client-node ships once; main.js, post.js and cli.js are two-line entry files that call into it.
// Modules loaded on first use (client-node, autocannon) become chunks (<id>.index.js) that ncc does not minify;
// esbuild minifies them (client-node: 19 MB -> 4 MB). The build goes to a scratch folder that replaces dist/
// only when complete, so an interrupted build never leaves dist/ half written or missing.
import { execFileSync } from "node:child_process";
import { chmodSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";

const out = "dist.build";
rmSync(out, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    "node_modules/@vercel/ncc/dist/ncc/cli.js",
    "build",
    "src/index.ts",
    "-o",
    out,
    "--minify",
    "--license",
    "licenses.txt",
    "--quiet",
  ],
  { stdio: "inherit" },
);

for (const chunk of readdirSync(out).filter((file) => /^\d+\.index\.js$/.test(file))) {
  execFileSync(
    "node_modules/.bin/esbuild",
    [
      `${out}/${chunk}`,
      "--minify",
      "--legal-comments=none",
      `--outfile=${out}/${chunk}`,
      "--allow-overwrite",
      "--log-level=warning",
    ],
    { stdio: "inherit" },
  );
}
const entries = {
  "main.js": 'import { runMain } from "./index.js";\n\nawait runMain();\n',
  "post.js": 'import { runPost } from "./index.js";\n\nawait runPost();\n',
  "cli.js":
    '#!/usr/bin/env node\nimport { runCli } from "./index.js";\n\nprocess.exitCode = await runCli(process.argv.slice(2));\n',
};
for (const [file, text] of Object.entries(entries)) writeFileSync(`${out}/${file}`, text);
chmodSync(`${out}/cli.js`, 0o755);

rmSync("dist", { recursive: true, force: true });
renameSync(out, "dist");
console.log(`dist/: ${readdirSync("dist").sort().join(", ")}`);
