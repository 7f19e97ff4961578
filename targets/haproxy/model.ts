/**
 * The view model the templates render: sections made of directive lines. A directive line is data
 * (its words and its condition), never pre-rendered text: the templates' `line` helper quotes every
 * word with {@link word}, so a user value can never change the line's structure. Values that sit
 * inside a sample expression or a log-format string are escaped for those inner parsers when the
 * line is built (`arg`, `lf` in quote.ts).
 * @module
 */
import { word } from './quote.js';

/**
 * One ACL test in a condition: `{ <fetch> [-m <match>] [<ops>] [-- <patterns>] }`, optionally negated.
 * `fetch` is a sample expression whose user parts went through `arg`; `ops` are trusted operator
 * words (`lt`, `10`); `patterns` are user values, written after `--` so that none reads as a flag.
 */
export interface Term {
  /** Negate the test. */
  not?: boolean;
  /** The sample expression. */
  fetch: string;
  /** The match method (`str`, `beg`, `reg`, `int`, `found`, `sub`, `len`, `ip`...). */
  match?: string;
  /** Trusted operator and value words (numbers, ranges, comparison operators). */
  ops?: string[];
  /** User pattern values (any of them matches). */
  patterns?: string[];
}

/** A condition: any of the alternatives, each of which holds when all its terms hold. */
export type Cond = Term[][];

/** One directive line. */
export interface Line {
  /** Its words, unquoted; the renderer quotes each one. */
  words: string[];
  /** Its `if` condition, or none. */
  cond?: Cond;
  /** A trailing comment (trusted text: names and numbers only). */
  comment?: string;
}

/** A `frontend`, `backend` or other section. */
export interface Section {
  /** The section keyword. */
  keyword: 'frontend' | 'backend' | 'resolvers';
  /** Its name (a proxy name: letters, digits, `.`, `-`, `_`, `:`). */
  name: string;
  /** A comment line above it (trusted text). */
  comment?: string;
  /** Its directives. */
  lines: Line[];
}

/** Everything one emitted `.cfg` holds. */
export interface ConfigView {
  /** What generated it, e.g. `meshc 0.1.0`. */
  generator: string;
  /** The service or `gateway-<name>`. */
  owner: string;
  /** `sidecar` or `gateway`. */
  role: string;
  /** The admin/stats/metrics port on 127.0.0.1. */
  adminPort: number;
  /** Whether a DNS resolvers section is needed. */
  resolvers: boolean;
  /** Frontends and backends, in emission order. */
  sections: Section[];
}

/** Builds a line from words. */
export function L(...words: (string | number)[]): Line {
  return { words: words.map(String) };
}

/**
 * Builds a line with a condition. A condition with an empty alternative always holds: the line gets
 * no condition. (A condition that never holds is the caller's business: it emits no line.)
 */
export function Lif(cond: Cond | undefined, ...words: (string | number)[]): Line {
  const line = L(...words);
  // An alternative without terms always holds, and so does the whole condition.
  if (cond && cond.length > 0 && cond.every((alt) => alt.length > 0)) line.cond = cond;
  return line;
}

/** AND of terms as a one-alternative condition. */
export function all(...terms: Term[]): Cond {
  return [terms];
}

/** Renders one ACL test. */
export function renderTerm(t: Term): string {
  const parts: string[] = [t.not ? '!{' : '{', word(t.fetch)];
  if (t.match) parts.push('-m', t.match);
  for (const o of t.ops ?? []) parts.push(word(o));
  if (t.patterns && t.patterns.length > 0) {
    parts.push('--');
    for (const p of t.patterns) parts.push(word(p));
  }
  parts.push('}');
  return parts.join(' ');
}

/** Renders one directive line (the templates' `line` helper). */
export function renderLine(line: Line): string {
  let s = line.words.map(word).join(' ');
  if (line.cond && line.cond.length > 0) {
    s += ' if ' + line.cond.map((alt) => alt.map(renderTerm).join(' ')).join(' || ');
  }
  if (line.comment) s += '   # ' + line.comment.replace(/[\r\n]/g, ' ');
  return s;
}
