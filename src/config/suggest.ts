// "Did you mean" for misspelt flags, metrics and enum values: the closest choice by edit distance, if close.

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment), so "rnu" is 1 from "run". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest choice within a third of the word's length (at least 1, at most 3 edits), else undefined. */
export function closest(word: string, choices: readonly string[]): string | undefined {
  const key = word.toLowerCase();
  // One or two letters are too little to guess from ("d" is as close to "s" as to "m").
  if (key.length < 3) return undefined;
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const choice of choices) {
    const distance = editDistance(key, choice.toLowerCase());
    if (distance < bestDistance) {
      best = choice;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** `did you mean "x"? ` or nothing. */
export function didYouMean(
  word: string,
  choices: readonly string[],
  render = (choice: string) => `"${choice}"`,
): string {
  const match = closest(word, choices);
  return match ? `did you mean ${render(match)}? ` : "";
}
