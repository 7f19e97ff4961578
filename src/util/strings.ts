/**
 * Small string helpers shared by the compiler.
 * @module
 */

/**
 * Edit distance with adjacent transpositions (optimal string alignment: `prot` → `port` is one
 * edit), bounded: returns `max + 1` as soon as the distance exceeds `max`.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate nearest to `name` for a "did you mean" hint, or undefined when none is near
 * (distance at most a third of the length, at least 1; ties broken alphabetically).
 */
export function closest(name: string, candidates: Iterable<string>, opts: { ignoreCase?: boolean } = {}): string | undefined {
  const norm = (s: string) => (opts.ignoreCase ? s.toLowerCase() : s);
  const n = norm(name);
  const max = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(n, norm(c), max);
    if (d <= max && (d < bestD || (d === bestD && best !== undefined && c < best))) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** Compares strings by UTF-16 code units (locale-independent, for deterministic order). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts in place with `compare`, as `a.sort(compare)` does (stable). The short lists of a mesh
 * (versions, labels, a rule's clusters) are sorted by insertion, which allocates nothing
 * (`Array.prototype.sort` copies every list, however short).
 */
export function sortWith<T>(a: T[], compare: (x: T, y: T) => number): T[] {
  if (a.length > 16) return a.sort(compare);
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && compare(a[j]!, x) > 0) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

/** Sorts strings in place by {@link compareStrings} ({@link sortWith}). */
export function sortStrings(a: string[]): string[] {
  return sortWith(a, compareStrings);
}

const byName = (x: { name: string }, y: { name: string }): number => compareStrings(x.name, y.name);

/** Sorts objects in place by their `name` ({@link sortWith}). */
export function sortByName<T extends { name: string }>(a: T[]): T[] {
  return sortWith(a, byName);
}

/** A "did you mean" suffix for a hint, or the empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c === undefined ? '' : `did you mean "${c}"? `;
}

/**
 * Makes V8 store `s` as one flat string, and returns it. A string built by many concatenations is
 * a tree of its pieces that can take several times the memory of its characters (measured: 8× for
 * a config of short lines) until something reads it; an emitted file is read only when it is
 * written, long after its pieces have moved to the old generation. Reading one character flattens
 * it while the pieces are still young and cheap to reclaim.
 */
export function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

/**
 * Characters JSON leaves as they are that a YAML reader may not keep: DEL and the C1 controls
 * (U+0085 is a line break to YAML 1.1 readers such as kubectl's, which fold it to a space), the line
 * and paragraph separators, the BOM.
 */
// eslint-disable-next-line no-control-regex
const YAML_ONLY_ESCAPE = /[\u007f-\u009f\u2028\u2029\ufeff]/;
// eslint-disable-next-line no-control-regex
const YAML_ONLY_ESCAPES = /[\u007f-\u009f\u2028\u2029\ufeff]/g;

/** A double-quoted YAML scalar: the JSON string, with the characters of {@link hasYamlOnlyEscapes} written as `\uXXXX`. */
export function yamlQuoted(s: string): string {
  // Printable ASCII without a quote or a backslash (most quoted strings: addresses, durations,
  // paths) needs no escape at all.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 34 || c === 92 || c >= 0x7f) {
      return JSON.stringify(s).replace(YAML_ONLY_ESCAPES, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    }
  }
  return '"' + s + '"';
}

/** Whether `s` holds a character that {@link yamlQuoted} escapes beyond JSON (its quoted text is then longer than its JSON). */
export function hasYamlOnlyEscapes(s: string): boolean {
  return YAML_ONLY_ESCAPE.test(s);
}
