/**
 * Structural skeletons of emitted files, for the injection tests: two outputs of the same mesh that
 * differ only in the value of one user string must have equal skeletons. A skeleton keeps what a
 * consumer of the file treats as structure and abstracts what it treats as data:
 *
 * - YAML / JSON (Envoy, Kubernetes, IR): the tree of maps, lists and scalar types after parsing;
 *   strings become `<s>`, except that the keys of user-keyed maps (labels, annotations) are
 *   abstracted, strings Envoy reads as substitution formats (`*_headers_to_add[].header.value`)
 *   keep their `%OPERATOR%`s, strings Kubernetes expands (`env[].value`, `command`, `args`) keep
 *   their `$(VAR)` references, and ConfigMap data is parsed as the file it is (a nested skeleton).
 * - HAProxy configs: lines, and per line the words as HAProxy 2.6's line parser cuts them (quotes,
 *   backslash escapes, `#` comments, `$VAR` expansion outside strong quotes). Words are compared
 *   pairwise by {@link compareHaproxy}: same number of lines and words, same keywords, no data
 *   word that became a keyword (`if`, `{`…), the same log-format tags (`%[…]`) where a log-format
 *   is parsed, the same sample-expression shape (`fetch(args),conv`) where there was one.
 * - HAProxy map files, nftables rulesets, PEM and other text: lines and tokens per line.
 *
 * The parsers here are independent of the targets' own quoting code on purpose: they are written
 * from each consumer's documented grammar, so a quoting bug cannot hide itself.
 * @module
 */
import jsyaml from 'js-yaml';

/** A skeleton: JSON-comparable. */
export type Skeleton = unknown;

// ---------------------------------------------------------------------------------------------
// YAML / JSON trees
// ---------------------------------------------------------------------------------------------

/** Map keys whose children are user-keyed (their keys are data). */
const USER_KEYED = new Set(['labels', 'annotations', 'matchLabels']);

/** Envoy substitution-format command operators in a string (`%%` is a literal `%`). */
export function envoyFormatOps(s: string): string[] {
  const ops: string[] = [];
  const re = /%%|%([A-Z][A-Z0-9_]*)(\([^)]*\))?(:[0-9]+)?%|%/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    if (m[0] === '%%') continue;
    ops.push(m[0] === '%' ? 'lone-%' : `%${m[1]}${m[2] !== undefined ? '()' : ''}%`);
  }
  return ops;
}

/** Kubernetes `$(VAR)` references (`$$` is a literal `$`). */
export function kubeExpansions(s: string): string[] {
  const out: string[] = [];
  const re = /\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) if (m[0] !== '$$') out.push('$(' + m[1] + ')');
  return out;
}

function treeSkeleton(v: unknown, path: string[], fileKind: string): Skeleton {
  if (Array.isArray(v)) return v.map((x, i) => treeSkeleton(x, [...path, String(i)], fileKind));
  if (v !== null && typeof v === 'object') {
    const parent = path[path.length - 1] ?? '';
    const entries = Object.entries(v as Record<string, unknown>);
    if (USER_KEYED.has(parent) && !/^\d+$/.test(parent)) {
      return { '<user-keyed>': entries.map(([k, x]) => treeSkeleton(x, [...path, k], fileKind)).map((x) => JSON.stringify(x)).sort() };
    }
    if (parent === 'data' && fileKind === 'kubernetes') {
      // ConfigMap data: each entry is a file; parse it by its name.
      const out: Record<string, Skeleton> = {};
      for (const [k, x] of entries.sort(([a], [b]) => (a < b ? -1 : 1))) out[k] = typeof x === 'string' ? fileSkeleton(k, x) : treeSkeleton(x, [...path, k], fileKind);
      return out;
    }
    const out: Record<string, Skeleton> = {};
    for (const [k, x] of entries) out[k] = treeSkeleton(x, [...path, k], fileKind);
    return out;
  }
  if (typeof v === 'string') {
    const p = path.join('/');
    if (/_headers_to_add\/\d+\/header\/value$/.test(p)) return { s: envoyFormatOps(v) };
    if (fileKind === 'kubernetes' && (/\/env\/\d+\/value$/.test(p) || /\/(command|args)\/\d+$/.test(p))) return { s: kubeExpansions(v) };
    return '<s>';
  }
  if (typeof v === 'number') return '<n>';
  return v;
}

/**
 * The skeleton of a YAML (multi-document) or JSON text (parsed with js-yaml, an implementation
 * independent of the targets' writers). Unparsable text is its own skeleton: an error.
 */
export function yamlSkeleton(text: string, fileKind: string): Skeleton {
  try {
    return jsyaml.loadAll(text, undefined, { json: false }).map((d) => treeSkeleton(d, [], fileKind));
  } catch (err) {
    return { error: String((err as Error).message).split('\n')[0] };
  }
}

// ---------------------------------------------------------------------------------------------
// HAProxy
// ---------------------------------------------------------------------------------------------

/** One word of an HAProxy line, as the line parser returns it, with how it was written. */
export interface HaproxyWord {
  /** The word after unquoting and unescaping. */
  value: string;
  /** An environment variable would be expanded here (`$` outside strong quotes). */
  expands: boolean;
}

/** One line: its words (comments dropped) and whether it had a comment. */
export interface HaproxyLine {
  words: HaproxyWord[];
  comment: boolean;
}

/**
 * Cuts an HAProxy 2.6 config into lines and words, following `parse_line()`: blanks separate
 * words; `#` outside quotes starts a comment; `'…'` quotes strongly; `"…"` quotes weakly (`\`
 * escapes, `$VAR` expands); outside quotes `\` escapes the next character (`\xHH`, `\n`, `\r`,
 * `\t` are decoded); `$` outside strong quotes expands an environment variable.
 */
export function haproxyLines(text: string): HaproxyLine[] {
  const lines: HaproxyLine[] = [];
  for (const raw of text.split('\n')) {
    const words: HaproxyWord[] = [];
    let cur: HaproxyWord | undefined;
    let quote: '' | "'" | '"' = '';
    let comment = false;
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (quote === "'") {
        if (c === "'") quote = '';
        else cur!.value += c;
        continue;
      }
      if (c === '\\' && i + 1 < raw.length) {
        cur ??= { value: '', expands: false };
        const n = raw[i + 1]!;
        if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 2, i + 4))) {
          cur.value += String.fromCharCode(parseInt(raw.slice(i + 2, i + 4), 16));
          i += 3;
        } else {
          cur.value += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n;
          i += 1;
        }
        continue;
      }
      if (quote === '"') {
        if (c === '"') quote = '';
        else {
          if (c === '$') cur!.expands = true;
          cur!.value += c;
        }
        continue;
      }
      if (c === '#') {
        comment = true;
        break;
      }
      if (c === ' ' || c === '\t' || c === '\r') {
        if (cur) words.push(cur);
        cur = undefined;
        continue;
      }
      cur ??= { value: '', expands: false };
      if (c === "'" || c === '"') {
        quote = c;
        continue;
      }
      if (c === '$') cur.expands = true;
      cur.value += c;
    }
    if (cur) words.push(cur);
    lines.push({ words, comment });
  }
  return lines;
}

/** Words that end or start an anonymous ACL in a condition. */
const BRACES = new Set(['{', '}', '!{']);
/** Words that are structure in a condition (after `if` / `unless`). */
const CONDITION_WORDS = new Set(['if', 'unless', 'or', '||', '!']);

/**
 * Which words of a line are log-format strings: after these keywords, the argument at this offset
 * (HAProxy 2.6 configuration manual). `prefix`, `location` and `scheme` only on a `redirect` line.
 */
const LOG_FORMAT_ARG: Record<string, number> = {
  'set-header': 2, 'add-header': 2, 'set-path': 1, 'set-pathq': 1, 'set-uri': 1, 'set-query': 1,
  'replace-path': 2, 'replace-pathq': 2, 'replace-uri': 2, 'replace-header': 3, 'replace-value': 3,
  'lf-string': 1, hdr: 2, use_backend: 1, 'log-format': 1, 'unique-id-format': 1,
};
const REDIRECT_ARG: Record<string, number> = { location: 1, prefix: 1, scheme: 1 };

function logFormatPositions(words: readonly HaproxyWord[]): Set<number> {
  const out = new Set<number>();
  const redirect = words.some((w) => w.value === 'redirect');
  for (let j = 0; j < words.length; j++) {
    const v = words[j]!.value;
    if (v === 'if' || v === 'unless') break;
    const off = LOG_FORMAT_ARG[v] ?? (redirect ? REDIRECT_ARG[v] : undefined) ?? (v.startsWith('set-var-fmt(') ? 1 : undefined);
    if (off !== undefined) out.add(j + off);
  }
  return out;
}

/** Log-format tags of a string: `%[…]`, `%{…}X`, `%X` (not `%%`). */
export function logFormatTags(s: string): string[] {
  const tags: string[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') continue;
    if (s[i + 1] === '%') {
      i++;
      continue;
    }
    if (s[i + 1] === '[') {
      const end = s.indexOf(']', i);
      tags.push('%[' + (end < 0 ? '…' : ']'));
      if (end > 0) i = end;
    } else tags.push('%' + (s[i + 1] ?? ''));
  }
  return tags;
}

/**
 * The shape of a sample expression: the names of fetches and converters (an identifier right before
 * `(`), argument separators and parentheses; quoted argument text is skipped, other text ignored.
 */
export function sampleShape(s: string): string {
  let out = '';
  let depth = 0;
  let quote = '';
  let ident = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (depth > 0 && (c === "'" || c === '"')) {
      quote = c;
      ident = '';
      continue;
    }
    if (depth > 0 && c === '\\') {
      i++;
      ident = '';
      continue;
    }
    if (/[A-Za-z0-9_.-]/.test(c)) {
      ident += c;
      continue;
    }
    if (c === '(') {
      depth++;
      out += ident + '(';
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
      out += ')';
    } else if (c === ',' && depth > 0) out += ',';
    ident = '';
  }
  return out;
}

/** The `%[…]` parts of a log-format string. */
function samples(s: string): string[] {
  const out: string[] = [];
  for (let i = s.indexOf('%['); i >= 0; i = s.indexOf('%[', i + 2)) {
    if (i > 0 && s[i - 1] === '%') continue;
    const end = s.indexOf(']', i);
    out.push(s.slice(i + 2, end < 0 ? undefined : end));
  }
  return out;
}

/** Why two HAProxy configs differ in structure, or undefined when they have the same one. */
export function compareHaproxy(harmless: string, hostile: string): string | undefined {
  const a = haproxyLines(harmless);
  const b = haproxyLines(hostile);
  if (a.length !== b.length) return `${b.length} lines instead of ${a.length}`;
  for (let i = 0; i < a.length; i++) {
    const la = a[i]!;
    const lb = b[i]!;
    const where = `line ${i + 1}`;
    if (la.comment !== lb.comment) return `${where}: comment ${lb.comment ? 'appeared' : 'vanished'}`;
    if (la.words.length !== lb.words.length) return `${where}: ${lb.words.length} words instead of ${la.words.length}: ${JSON.stringify(lb.words.map((w) => w.value)).slice(0, 300)}`;
    const lf = logFormatPositions(la.words);
    let cond = false;
    let braces = false;
    for (let j = 0; j < la.words.length; j++) {
      const wa = la.words[j]!;
      const wb = lb.words[j]!;
      if (wb.expands && !wa.expands) return `${where}: word ${j + 1} expands an environment variable`;
      if (wa.value === wb.value) {
        if (!braces && (wa.value === 'if' || wa.value === 'unless')) cond = true;
        if (cond && (wa.value === '{' || wa.value === '!{')) braces = true;
        else if (cond && wa.value === '}') braces = false;
        continue;
      }
      if (j === 0) return `${where}: keyword ${JSON.stringify(wb.value)} instead of ${JSON.stringify(wa.value)}`;
      // In a condition, a data word may not become structure: inside an anonymous ACL only `}`
      // (it ends the pattern list); outside one, braces and the condition keywords.
      const reserved = (w: string): boolean => (braces ? w === '}' : BRACES.has(w) || CONDITION_WORDS.has(w));
      if (cond && (reserved(wb.value) || reserved(wa.value))) {
        return `${where}: word ${j + 1} is ${JSON.stringify(wb.value)} instead of ${JSON.stringify(wa.value)}`;
      }
      if (lf.has(j)) {
        const ta = logFormatTags(wa.value).join(' ');
        const tb = logFormatTags(wb.value).join(' ');
        if (ta !== tb) return `${where}: log-format tags [${tb}] instead of [${ta}] in ${JSON.stringify(wb.value).slice(0, 200)}`;
        const sa = samples(wa.value).map(sampleShape).join(' ');
        const sb = samples(wb.value).map(sampleShape).join(' ');
        if (sa !== sb) return `${where}: sample expressions ${sb} instead of ${sa}`;
      } else if (/^!?[a-z_][a-z0-9_.-]*\(/.test(wa.value)) {
        const sa = sampleShape(wa.value);
        const sb = sampleShape(wb.value);
        if (sa !== sb) return `${where}: expression ${sb} instead of ${sa}`;
      }
    }
  }
  return undefined;
}

/** A map file or other line-oriented text: lines and blank-separated words per line. */
export function linesSkeleton(text: string): Skeleton {
  return text.split('\n').map((l) => (l.startsWith('#') ? '#' : l.trim() === '' ? '' : l.trim().split(/[ \t]+/).length));
}

// ---------------------------------------------------------------------------------------------
// nftables
// ---------------------------------------------------------------------------------------------

/** nftables tokens per line: quoted strings are one token, `{ } ; ,` are tokens of their own. */
export function nftSkeleton(text: string): Skeleton {
  return text.split('\n').map((line) => {
    const toks: string[] = [];
    const re = /"(?:[^"\\]|\\.)*"|[{};,]|#.*$|[^\s{};,"#]+/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line)) !== null) {
      const t = m[0];
      toks.push(t.startsWith('"') ? '<q>' : t.startsWith('#') ? '#' : /^[{};,]$/.test(t) ? t : /^[a-z][a-z_-]*$/.test(t) ? t : '<w>');
    }
    return toks.join(' ');
  });
}

// ---------------------------------------------------------------------------------------------
// Any file
// ---------------------------------------------------------------------------------------------

/** The skeleton of one file, chosen by its name (HAProxy configs are compared with {@link compareHaproxy} instead). */
export function fileSkeleton(path: string, content: string): Skeleton {
  const kind = path.split('/')[0] ?? '';
  if (/\.(ya?ml|json)$/.test(path)) return yamlSkeleton(content, kind === 'kubernetes' ? 'kubernetes' : kind);
  if (path.endsWith('.nft')) return nftSkeleton(content);
  if (path.endsWith('.cfg')) return haproxyLines(content).map((l) => [l.words.length, l.comment, l.words[0]?.value ?? '']);
  return linesSkeleton(content);
}

const cache = new Map<string, string>();

/** Compares two files' structure; returns a reason when they differ. (The harmless side's skeleton is cached.) */
export function compareFile(path: string, harmless: string, hostile: string): string | undefined {
  if (path.endsWith('.cfg')) return compareHaproxy(harmless, hostile);
  const key = path + '\u0000' + harmless;
  let a = cache.get(key);
  if (a === undefined) {
    a = JSON.stringify(fileSkeleton(path, harmless));
    if (cache.size > 500) cache.clear();
    cache.set(key, a);
  }
  const b = JSON.stringify(fileSkeleton(path, hostile));
  if (a === b) {
    // ConfigMap data may embed HAProxy configs: compare those word by word too.
    if (path.startsWith('kubernetes/')) return compareEmbeddedHaproxy(harmless, hostile);
    return undefined;
  }
  return `skeleton differs: ${firstDifference(a, b)}`;
}

function compareEmbeddedHaproxy(harmless: string, hostile: string): string | undefined {
  const get = (t: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const v of jsyaml.loadAll(t) as ({ data?: Record<string, unknown> } | null)[]) {
      for (const [k, x] of Object.entries(v?.data ?? {})) if (k.endsWith('.cfg') && typeof x === 'string') out[k] = x;
    }
    return out;
  };
  const a = get(harmless);
  const b = get(hostile);
  for (const [k, x] of Object.entries(a)) {
    const why = compareHaproxy(x, b[k] ?? '');
    if (why) return `${k}: ${why}`;
  }
  return undefined;
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `…${b.slice(Math.max(0, i - 120), i + 120)}… instead of …${a.slice(Math.max(0, i - 120), i + 120)}…`;
}
