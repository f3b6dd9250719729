// A GitHub-flavoured Markdown table; cells must already be escaped (escape.ts).
export function table(header: string[], rows: string[][], align?: ("l" | "r" | "c")[]): string {
  const rule = header.map((_, i) => ({ l: "---", r: "--:", c: ":-:" })[align?.[i] ?? "l"]);
  const line = (cells: string[]) => `| ${cells.map((c) => (c === "" ? " " : c)).join(" | ")} |`;
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}
