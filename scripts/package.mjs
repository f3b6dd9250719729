// Bundles the action and CLI into dist/ with ncc. One bundle (dist/index.js) holds all code, so
// @kubernetes/client-node ships once; main.js, post.js and cli.js are two-line entry files that call into it.
// Modules loaded on first use (client-node, autocannon) become chunks (<id>.index.js) that ncc does not minify;
// esbuild minifies them (client-node: 19 MB -> 4 MB).
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync, chmodSync, readdirSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    "node_modules/@vercel/ncc/dist/ncc/cli.js",
    "build",
    "src/index.ts",
    "-o",
    "dist",
    "--minify",
    "--license",
    "licenses.txt",
    "--quiet",
  ],
  { stdio: "inherit" },
);

const entries = {
  "main.js": 'import { runMain } from "./index.js";\n\nawait runMain();\n',
  "post.js": 'import { runPost } from "./index.js";\n\nawait runPost();\n',
  "cli.js":
    '#!/usr/bin/env node\nimport { runCli } from "./index.js";\n\nprocess.exitCode = await runCli(process.argv.slice(2));\n',
};
for (const chunk of readdirSync("dist").filter((file) => /^\d+\.index\.js$/.test(file))) {
  execFileSync(
    "node_modules/.bin/esbuild",
    [
      `dist/${chunk}`,
      "--minify",
      "--legal-comments=none",
      `--outfile=dist/${chunk}`,
      "--allow-overwrite",
      "--log-level=warning",
    ],
    { stdio: "inherit" },
  );
}
for (const [file, text] of Object.entries(entries)) writeFileSync(`dist/${file}`, text);
chmodSync("dist/cli.js", 0o755);
console.log(`dist/: ${readdirSync("dist").sort().join(", ")}`);
