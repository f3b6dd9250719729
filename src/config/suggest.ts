// "Did you mean" for misspelt flags, metrics and enum values: the closest choice by edit distance, if close.

export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(
        previous[j] + 1,
        previous[j - 1] + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return previous[b.length];
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
