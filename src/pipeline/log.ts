// How the pipeline speaks: the action logs through @actions/core (groups, warnings), the CLI to stderr.
export interface Log {
  info(line: string): void;
  warn(line: string): void;
  /** Runs one phase under a heading; in the action a collapsible group. */
  group<T>(title: string, phase: () => Promise<T>): Promise<T>;
}

export function streamLog(write: (text: string) => void): Log {
  return {
    info: (line) => write(`${line}\n`),
    warn: (line) => write(`warning: ${line}\n`),
    async group(title, phase) {
      write(`==> ${title}\n`);
      return phase();
    },
  };
}
