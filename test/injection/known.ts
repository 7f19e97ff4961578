/**
 * Injection cases known to break, each reported to its owner (/work/helpers/requests/reliability.md)
 * and kept as a regression fixture (fixtures/regressions/injection-*). A known case that stops
 * breaking fails the suite, so that it is removed here once fixed.
 * @module
 */
import type { CaseResult } from './harness.js';

/** Known broken cases: fields × hostile values, and the targets whose problems they explain. */
export interface KnownIssue {
  fields: string[];
  hostile: string[];
  targets: string[];
  owner: string;
  note: string;
  /** For random hostile strings (`hostile: 'random'`): values of the same kind. */
  pattern?: RegExp;
}

const PERCENT = ['haproxy-sample', 'haproxy-var', 'percent', 'envoy-operator', 'envoy-req'];

export const KNOWN_INJECTION: KnownIssue[] = [
  {
    fields: ['SET_VALUE', 'ADD_VALUE', 'RESP_VALUE'],
    hostile: PERCENT,
    targets: ['envoy', 'kubernetes'],
    owner: 'envoy',
    pattern: /%/,
    note: 'header values are Envoy substitution formats: `%DOWNSTREAM_REMOTE_ADDRESS%` or `%REQ(authorization)%` are evaluated, a lone `%` is refused by Envoy at load; `%` must be written `%%`',
  },
  {
    fields: ['CONTENT_TYPE'],
    hostile: ['percent', 'envoy-operator'],
    targets: ['envoy', 'kubernetes'],
    owner: 'envoy',
    pattern: /%/,
    note: 'the content type of a direct response is written into response_headers_to_add, a substitution format: the same `%` problem',
  },
  {
    fields: ['HEADER_EXACT', 'HEADER_PREFIX', 'QUERY_EXACT'],
    hostile: ['word-brace'],
    targets: ['haproxy'],
    owner: 'haproxy',
    pattern: /^\}$/,
    note: 'a match value of exactly `}` ends the anonymous ACL `{ … -m str -- } }` (quoting does not help: HAProxy compares the unquoted word); haproxy -c refuses the config',
  },
  {
    fields: ['BODY', 'HEADER_REGEX', 'QUERY_REGEX', 'PATH_REGEX', 'REWRITE_PATTERN'],
    hostile: ['nul'],
    targets: ['haproxy'],
    owner: 'haproxy',
    pattern: /\u0000/,
    note: 'MC7006 (NUL) is reported at the rule, not at the field that holds the NUL',
  },
];

/** The known issue that explains a broken case (every problem of it is in a known target), if any. */
export function knownIssue(r: CaseResult): KnownIssue | undefined {
  return KNOWN_INJECTION.find(
    (k) =>
      k.fields.includes(r.field) &&
      (k.hostile.includes(r.hostile) || (r.hostile === 'random' && k.pattern?.test(r.value) === true)) &&
      r.problems.every((p) => k.targets.includes(p.target)),
  );
}
