// How the pipeline speaks: the action logs through @actions/core (groups, warnings, debug: src/action-log.ts),
// the CLI to stderr.
export interface Log {
  info(line: string): void;
  warn(line: string): void;
  /** Shown only when debugging is on (the action's RUNNER_DEBUG; the CLI's KNATIVE_PERF_GATE_DEBUG=1). */
  debug(line: string): void;
  /** Runs one phase under a heading; in the action a collapsible group. */
  group<T>(title: string, phase: () => Promise<T>): Promise<T>;
}

export function streamLog(
  write: (text: string) => void,
  options: { debug?: boolean } = { debug: process.env.KNATIVE_PERF_GATE_DEBUG === "1" },
): Log {
  return {
    info: (line) => write(`${line}\n`),
    warn: (line) => write(`warning: ${line}\n`),
    debug: (line) => {
      if (options.debug) write(`debug: ${line}\n`);
    },
    async group(title, phase) {
      write(`==> ${title}\n`);
      return phase();
    },
  };
}
