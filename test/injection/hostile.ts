/**
 * Hostile strings: what has broken config generators before (new directives from newlines, closed
 * quotes, comments, braces, format and expansion syntax of each consumer, NUL, control and
 * non-ASCII characters, sheer length), each with a stable id for reports and fixtures.
 * @module
 */
import fc from 'fast-check';

/** One hostile value. */
export interface Hostile {
  id: string;
  value: string;
  /** In the default (`npm test`) set; the rest runs in the long fuzz (`npm run fuzz`) and with MESHC_INJECTION_ALL=1. */
  core?: boolean;
}

/** The fixed list every field is tried with in the long run. */
export const HOSTILE: Hostile[] = [
  // line structure
  { id: 'lf', core: true, value: 'a\nb' },
  { id: 'lf-directive', value: 'x\n    http-request deny\nbackend evil' },
  { id: 'lf-yaml', value: 'x\nkind: Secret\n' },
  { id: 'cr', core: true, value: 'a\rb' },
  { id: 'crlf-header', value: 'a\r\nx-injected: 1' },
  { id: 'ls', core: true, value: 'a\u2028b' },
  { id: 'nel', value: 'a\u0085b' },
  // quotes and escapes
  { id: 'dquote', core: true, value: 'a"b' },
  { id: 'squote', core: true, value: "a'b" },
  { id: 'quotes-close', value: `"'"'` },
  { id: 'backslash', value: 'a\\b' },
  { id: 'backslash-end', core: true, value: 'a\\' },
  { id: 'backslash-x', value: '\\x41\\n' },
  { id: 'backtick', value: 'a`id`b' },
  // comments, separators, blocks
  { id: 'hash', core: true, value: 'a #b' },
  { id: 'hash-tight', value: 'a#b' },
  { id: 'semicolon', core: true, value: 'a;b' },
  { id: 'braces', value: 'a{b}c' },
  { id: 'brace-close', core: true, value: '} accept' },
  { id: 'parens', core: true, value: 'a),lower(b' },
  { id: 'comma', value: 'a,b' },
  { id: 'space', value: 'a b' },
  { id: 'spaces-edge', value: ' a ' },
  { id: 'word-if', value: 'if' },
  { id: 'word-brace', core: true, value: '}' },
  { id: 'word-or', value: '||' },
  { id: 'words-if', value: 'x if TRUE' },
  // format and expansion syntax
  { id: 'haproxy-sample', core: true, value: '%[src]' },
  { id: 'haproxy-var', value: '%{+Q}o%ci' },
  { id: 'percent', value: '100%' },
  { id: 'envoy-operator', core: true, value: '%DOWNSTREAM_REMOTE_ADDRESS%' },
  { id: 'envoy-req', value: '%REQ(authorization)%' },
  { id: 'dollar-brace', core: true, value: '${HOME}' },
  { id: 'dollar-var', value: '$HOME' },
  { id: 'k8s-expansion', value: '$(SECRET)' },
  { id: 'yaml-alias', core: true, value: '*a' },
  { id: 'yaml-flow', value: '{a: [b]}' },
  { id: 'yaml-tag', value: '!!binary x' },
  { id: 'yaml-doc', value: '---' },
  { id: 'yaml-bool', value: 'yes' },
  { id: 'json-break', value: '","x":"' },
  { id: 'regex-special', value: '.*[(' },
  { id: 'regex-escape', core: true, value: 'a\\ib' },
  // bytes
  { id: 'nul', core: true, value: 'a\u0000b' },
  { id: 'ctrl', core: true, value: 'a\u0001b' },
  { id: 'esc', value: '\u001b[31m' },
  { id: 'tab', value: 'a\tb' },
  { id: 'del', value: 'a\u007fb' },
  { id: 'latin1', core: true, value: 'café' },
  { id: 'rtl', value: 'a\u202eb' },
  { id: 'bom', value: '\ufeffa' },
  { id: 'emoji', value: '\u{1F600}' },
  { id: 'empty', core: true, value: '' },
  // length
  { id: 'long-1k', value: 'a'.repeat(1000) },
  { id: 'long-5k', core: true, value: 'a'.repeat(5000) },
  { id: 'long-100k', value: 'a'.repeat(100_000) },
];

/**
 * Random hostile strings for the long fuzz: short strings over an alphabet weighted towards the
 * characters that are structure somewhere.
 */
export const hostileStringArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('\n', '\r', '"', "'", '\\', '#', ';', '{', '}', '(', ')', ',', ' ', '%', '[', ']', '$', '`', '*', '&', '!', ':', '-', '|', '>', '\t', '\u0000', '\u2028', 'é') },
      { weight: 2, arbitrary: fc.constantFrom('%[src]', '%%', '%REQ(x)%', '${X}', '$(X)', 'if', ' if ', '\n---\n', '\nkind: X\n', '*a', 'a') },
      { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(''));

/** Whether this run tries every hostile value (long fuzz) or the core set (`npm test`). */
export const ALL_HOSTILE = process.env.MESHC_INJECTION_ALL === '1' || process.env.MESHC_FUZZ_SECONDS !== undefined;

/** The hostile values of this run. */
export const HOSTILE_RUN: Hostile[] = ALL_HOSTILE ? HOSTILE : HOSTILE.filter((h) => h.core);
