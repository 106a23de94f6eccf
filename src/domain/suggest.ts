// "Did you mean …?" for a name typed at the command line: the closest known name by
// edit distance, when it is close enough to be a slip and not another name altogether.

/** Levenshtein distance, case-insensitive (an operator's capitals are not a typo worth counting). */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[t.length]!;
}

/** The candidate nearest `typed`, if at most about a third of it differs (at least 2 edits allowed); ties go to the first. */
export function closestName(typed: string, candidates: readonly string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of candidates) {
    const distance = editDistance(typed, name);
    if (best === null || distance < best.distance) best = { name, distance };
  }
  if (best === null) return null;
  return best.distance <= Math.max(2, Math.ceil(typed.length / 3)) ? best.name : null;
}
