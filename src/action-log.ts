// The action's log: @actions/core's groups, warnings (annotations) and debug lines (shown with RUNNER_DEBUG).
// Only the action's entries (main.ts, post.ts) import it: @actions/core loads undici and its HTTP client at
// import, which the CLI must not pay for before its first API request (src/index.ts, issue 16).
import * as core from "@actions/core";
import type { Log } from "./pipeline/log.js";

export const actionLog: Log = {
  info: (line) => core.info(line),
  warn: (line) => core.warning(line),
  debug: (line) => core.debug(line),
  group: (title, phase) => core.group(title, phase),
};
