/**
 * The view model the templates render: sections made of directive lines. A directive line is data
 * (its words and its condition), never pre-rendered text: the templates' `line` helper quotes every
 * word with {@link word}, so a user value can never change the line's structure. Values that sit
 * inside a sample expression or a log-format string are escaped for those inner parsers when the
 * line is built (`arg`, `lf` in quote.ts).
 * @module
 */
import { reEscape, word } from './quote.js';

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
  /** A named ACL instead of an inline test (set by {@link fitSection}). */
  acl?: string;
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
  for (let i = 0; i < words.length; i++) if (typeof words[i] !== 'string') words[i] = String(words[i]);
  return { words: words as string[] };
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

/** HAProxy 2.6 reads at most this many words per line (MAX_LINE_ARGS). */
export const MAX_WORDS = 64;

/** Patterns per `acl` line when a long list is moved out of a condition. */
const ACL_CHUNK = 32;

/** How a literal match method is spelled as an anchored PCRE2 regex around the escaped pattern. */
const AS_REGEX: Record<string, [string, string]> = { str: ['^', '$'], beg: ['^', ''], end: ['', '$'], sub: ['', ''] };

/**
 * HAProxy 2.6 ends an anonymous ACL `{ … }` at the first word that reads `}` once unquoted, however
 * it was quoted, so a pattern that is exactly `}` cannot be written inside the braces. A test with
 * such a pattern is written as the equivalent regex test instead (`-m str -- }` becomes
 * `-m reg -- ^\}$`, `-m beg` `^\}`, every pattern of the test escaped): the line keeps its words and
 * the value arrives as the literal it was. Other tests are returned as they are.
 */
export function braceSafe(t: Term): Term {
  if (!t.patterns || !t.patterns.includes('}')) return t;
  const anchors = AS_REGEX[t.match ?? ''];
  if (!anchors) throw new Error(`meshc bug: a pattern "}" with match ${t.match ?? '(default)'} cannot be written in an HAProxy condition`);
  return { ...t, match: 'reg', patterns: t.patterns.map((p) => anchors[0] + reEscape(p) + anchors[1]) };
}

/** The words of one ACL test (already quoted). */
function termWords(term: Term): string[] {
  const t = braceSafe(term);
  if (t.acl !== undefined) return [(t.not ? '!' : '') + t.acl];
  const parts: string[] = [t.not ? '!{' : '{', word(t.fetch)];
  if (t.match) parts.push('-m', t.match);
  for (const o of t.ops ?? []) parts.push(word(o));
  if (t.patterns && t.patterns.length > 0) {
    parts.push('--');
    for (const p of t.patterns) parts.push(word(p));
  }
  parts.push('}');
  return parts;
}

/** Renders one ACL test. */
export function renderTerm(t: Term): string {
  return termWords(t).join(' ');
}

/**
 * Renders one directive line (the templates' `line` helper). Throws (a meshc bug) when the line
 * would exceed HAProxy's word limit; {@link fitSection} prevents that.
 */
export function renderLine(line: Line): string {
  // The words of termWords(), appended in place: this runs for every line of every config.
  const ws = line.words;
  let n = ws.length;
  let s = '';
  for (let i = 0; i < ws.length; i++) s += i === 0 ? word(ws[i]!) : ' ' + word(ws[i]!);
  if (line.cond && line.cond.length > 0) {
    s += n === 0 ? 'if' : ' if';
    n++;
    for (let a = 0; a < line.cond.length; a++) {
      if (a > 0) {
        s += ' ||';
        n++;
      }
      for (const term of line.cond[a]!) {
        const t = braceSafe(term);
        if (t.acl !== undefined) {
          s += ' ' + (t.not ? '!' : '') + t.acl;
          n++;
          continue;
        }
        s += (t.not ? ' !{ ' : ' { ') + word(t.fetch);
        n += 2;
        if (t.match) {
          s += ' -m ' + t.match;
          n += 2;
        }
        if (t.ops) {
          for (const o of t.ops) s += ' ' + word(o);
          n += t.ops.length;
        }
        if (t.patterns && t.patterns.length > 0) {
          s += ' --';
          for (const p of t.patterns) s += ' ' + word(p);
          n += 1 + t.patterns.length;
        }
        s += ' }';
        n++;
      }
    }
  }
  if (n > MAX_WORDS) throw new Error(`meshc bug: HAProxy line with ${n} words: ${line.words.join(' ')}`);
  if (line.comment) s += '   # ' + line.comment.replace(/[\r\n]/g, ' ');
  return s;
}

/** How many words a line has once rendered. */
function wordCount(line: Line): number {
  let n = line.words.length;
  if (line.cond && line.cond.length > 0) {
    n += 1 + (line.cond.length - 1);
    for (const alt of line.cond) for (const t of alt) n += termSize(t);
  }
  return n;
}

/** How many words a test takes in a condition (`{ fetch [-m m] [ops] [-- patterns] }`, or an ACL's name). */
function termSize(t: Term): number {
  return t.acl !== undefined ? 1 : 4 + (t.match ? 2 : 0) + (t.ops?.length ?? 0) + (t.patterns?.length ?? 0);
}

/**
 * Keeps every line within HAProxy's word limit without changing what it does: a test with a long
 * pattern list becomes a named ACL declared over several `acl` lines (HAProxy ORs them); an
 * alternative of many tests (a route rule matching many headers) has its tests, largest first,
 * become named ACLs of their own (one word each in the line) until it fits; and a line whose
 * alternatives are still too many becomes one line per alternative (every multi-alternative line
 * this target emits is a set-var to a constant or a final answer, for which that is the same).
 */
export function fitSection(lines: readonly Line[]): Line[] {
  const out: Line[] = [];
  let acls = 0;
  /** Declares a test as a named ACL (its patterns over as many `acl` lines as needed); the test naming it. */
  const hoist = (t: Term): Term => {
    const name = `long${++acls}`;
    const head = ['acl', name, t.fetch, ...(t.match ? ['-m', t.match] : []), ...(t.ops ?? [])];
    const patterns = t.patterns ?? [];
    if (patterns.length === 0) out.push({ words: head });
    for (let i = 0; i < patterns.length; i += ACL_CHUNK) out.push({ words: [...head, '--', ...patterns.slice(i, i + ACL_CHUNK)] });
    const hoisted: Term = { fetch: '', acl: name };
    if (t.not) hoisted.not = true;
    return hoisted;
  };
  for (const line of lines) {
    if (wordCount(line) <= MAX_WORDS) {
      out.push(line);
      continue;
    }
    const cond = (line.cond ?? []).map((alt) => alt.map((t) => (t.patterns && t.patterns.length > 8 ? hoist(t) : t)));
    const fitted: Line = { ...line, cond };
    if (wordCount(fitted) <= MAX_WORDS) {
      out.push(fitted);
      continue;
    }
    for (const alt of cond) {
      const terms = alt.slice();
      const one: Line = { ...line, cond: [terms] };
      const order = terms.map((_, i) => i).filter((i) => terms[i]!.acl === undefined).sort((a, b) => termSize(terms[b]!) - termSize(terms[a]!));
      for (const i of order) {
        if (wordCount(one) <= MAX_WORDS) break;
        terms[i] = hoist(terms[i]!);
      }
      out.push(one);
    }
  }
  return out;
}
