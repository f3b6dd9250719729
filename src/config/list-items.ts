// The shape the list inputs share (thresholds, stages): items one per line or several on a line between
// separators, `#` starting a comment, each item parsed with its own line and 1-based column, and every bad item
// reported at once.
import { InputError, InputErrors } from "./errors.js";

export function parseListItems<T>(
  text: string,
  separators: RegExp,
  parseItem: (item: string, line: number, column: number) => T,
): T[] {
  const items: T[] = [];
  const errors: InputError[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const hash = rawLine.indexOf("#");
    const content = hash >= 0 ? rawLine.slice(0, hash) : rawLine;
    let offset = 0;
    for (const segment of content.split(separators)) {
      const start = segment.length - segment.trimStart().length;
      if (segment.trim() !== "") {
        try {
          items.push(parseItem(segment.trim(), line, offset + start + 1));
        } catch (error) {
          if (!(error instanceof InputError)) throw error;
          errors.push(error);
        }
      }
      offset += segment.length + 1;
    }
  });
  if (errors.length > 0) throw new InputErrors(errors);
  return items;
}
