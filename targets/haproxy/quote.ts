/**
 * HAProxy 2.6 quoting. An HAProxy config line goes through up to three parsers, and every user value
 * is escaped for each one it meets, innermost first:
 *
 * 1. log-format ({@link lf}): `%` starts a variable or a `%[sample]`; a literal `%` is `%%`.
 *    Used by `set-header`, `add-header`, `set-path`, `redirect location`, `lf-string`, `hdr`.
 * 2. keyword arguments ({@link arg}): the text between the parentheses of a sample fetch or
 *    converter (`req.fhdr(<name>)`, `str(<value>)`) is split on `,` and `)` by a second parser that
 *    honours quotes and backslashes again. A user value is strongly quoted there.
 * 3. the line parser ({@link word}): a line is cut into words on spaces; `#` starts a comment; `'`
 *    quotes strongly (nothing inside is interpreted); `"` quotes weakly (`$VAR` expands, `\` escapes);
 *    outside quotes `\` escapes. Every word of an emitted line goes through {@link word}, which uses
 *    strong quotes and spells `'`, control characters and non-ASCII bytes outside them.
 *
 * With these, no user string can end a word, start a comment, expand an environment variable, split
 * an argument list or inject a sample expression: it arrives as the literal it was. NUL cannot be
 * represented at all (HAProxy strings are C strings); {@link hasNul} lets callers refuse it.
 * @module
 */

/** Characters that stand for themselves in an unquoted word at the line level. */
const SAFE_WORD = /^[A-Za-z0-9_.:/,()[\]@^~*!?;<>|&{}=+%-]+$/;

/** {@link SAFE_WORD} as a table of character codes (the test runs for every word of every config). */
const SAFE_WORD_CHARS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) t[c] = SAFE_WORD.test(String.fromCharCode(c)) ? 1 : 0;
  return t;
})();

/** Whether `s` (non-empty) matches {@link SAFE_WORD}. */
function safeWord(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || SAFE_WORD_CHARS[c] === 0) return false;
  }
  return true;
}

/** Characters that stand for themselves in an unquoted keyword argument. */
const SAFE_ARG = /^[A-Za-z0-9_.:/@^~*!?;<>|&{}=+%[\]-]+$/;

/**
 * Quotes `s` as exactly one word of an HAProxy config line: the line parser hands `s` back unchanged.
 * Safe strings stay bare for readability. The empty string has no representation as a word (HAProxy
 * drops empty words); callers must avoid it (it throws: a meshc bug).
 */
export function word(s: string): string {
  if (s.length === 0) throw new Error('meshc bug: an empty word cannot be written in an HAProxy config');
  if (safeWord(s)) return s;
  let out = '';
  let quoted = false;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === "'" || c < 0x20 || c >= 0x7f) {
      if (quoted) {
        out += "'";
        quoted = false;
      }
      if (ch === "'") out += "\\'";
      else for (const b of Buffer.from(ch, 'utf8')) out += '\\x' + b.toString(16).padStart(2, '0');
      continue;
    }
    if (!quoted) {
      out += "'";
      quoted = true;
    }
    out += ch;
  }
  if (quoted) out += "'";
  return out;
}

/**
 * Quotes `s` as one argument inside the parentheses of a sample fetch or converter, so that the
 * argument parser yields `s` (the result still goes through {@link word} as part of its word).
 * The empty string becomes `''`, which the argument parser reads as an empty argument.
 */
export function arg(s: string): string {
  if (s.length > 0 && SAFE_ARG.test(s)) return s;
  return "'" + s.replace(/'/g, "'\\''") + "'";
}

/** Escapes a literal for a log-format string: `%` becomes `%%`. */
export function lf(s: string): string {
  return s.replace(/%/g, '%%');
}

/**
 * A log-format string that evaluates to `s` exactly, including the empty string (which a word cannot
 * hold): `%[str(),lower]` is HAProxy's spelling of an empty string.
 */
export function lfValue(s: string): string {
  return s.length === 0 ? '%[str(),lower]' : lf(s);
}

/** Whether `s` contains a NUL character, which no HAProxy string can hold. */
export function hasNul(s: string): boolean {
  return s.includes('\0');
}

/** Escapes `s` so that a PCRE2 regex matches it literally. */
export function reEscape(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, (c) => '\\' + c);
}

/** Anchors a DSL regex (matched against the whole value) for PCRE2, keeping its group numbers. */
export function anchored(re: string): string {
  return '^(?:' + re + ')$';
}

/**
 * Escapes a literal for the replacement of `replace-path` / `regsub`, where `\N` refers to a group:
 * a backslash becomes `\\`.
 */
export function replLiteral(s: string): string {
  return s.replace(/\\/g, '\\\\');
}

/**
 * The hex (upper case, as the `hex` converter writes it) of an X.509 URI SubjectAltName entry for
 * `uri`: the DER of GeneralName `[6] IMPLICIT IA5String`. Tag and length pin both ends of the value,
 * so a substring match on a verified peer certificate's DER matches that exact URI SAN and no
 * longer or shorter one.
 */
export function uriSanHex(uri: string): string {
  const hit = sanCache.get(uri);
  if (hit !== undefined) return hit;
  const hex = sanHex(uri);
  if (sanCache.size > 100_000) sanCache.clear();
  sanCache.set(uri, hex);
  return hex;
}

const sanCache = new Map<string, string>();

function sanHex(uri: string): string {
  const body = Buffer.from(uri, 'ascii');
  const len = body.length;
  let lenBytes: number[];
  if (len < 0x80) lenBytes = [len];
  else if (len < 0x100) lenBytes = [0x81, len];
  else lenBytes = [0x82, len >> 8, len & 0xff];
  return Buffer.concat([Buffer.from([0x86, ...lenBytes]), body]).toString('hex').toUpperCase();
}

/** One word of a config line as HAProxy's line parser reads it, with where it was in the line. */
export interface ParsedWord {
  /** The word after quote removal and escapes. */
  value: string;
  /** Index of its first character in the line. */
  start: number;
  /** Index just past its last character. */
  end: number;
}

/**
 * Cuts one config line into words the way HAProxy 2.6's line parser does (strong and weak quotes,
 * backslash escapes, `#` comments; environment variables are not expanded). Used by the verifier to
 * find file paths and by tests to prove that quoting round-trips.
 */
export function parseLine(line: string): ParsedWord[] {
  const words: ParsedWord[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n || line[i] === '#') break;
    const start = i;
    let value = '';
    let squote = false;
    let dquote = false;
    while (i < n) {
      const c = line[i]!;
      if (squote) {
        if (c === "'") squote = false;
        else value += c;
        i++;
        continue;
      }
      if (c === "'" && !dquote) {
        squote = true;
        i++;
        continue;
      }
      if (c === '"') {
        dquote = !dquote;
        i++;
        continue;
      }
      if (!dquote && (c === ' ' || c === '\t' || c === '#')) break;
      if (c === '\\' && i + 1 < n) {
        const d = line[i + 1]!;
        if (d === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          value += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t' };
        if (simple[d] !== undefined) value += simple[d];
        else if (' \\\'"#$'.includes(d)) value += d;
        else value += c + d;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    words.push({ value, start, end: i });
  }
  return words;
}
